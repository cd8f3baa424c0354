/**
 * OwnEntries: which entries of a TanStack QueryCache belong to one
 * DiscoClient, where each target's are, and how many of each kind stay.
 *
 * An entry is ours when its key was made for the account we ask from
 * (queryKeys.ts): one QueryCache may hold another account's entries (an
 * account switch on one QueryClient), and those are never served, counted or
 * flushed here. Ours are indexed by target JID, for the presences that make
 * a full JID's answers stale (RFC 6121 section 4.5.2), and bounded per kind
 * by CacheBound (aioxmpp: the cache sizes).
 */
import type { Query, QueryCache, QueryKey } from '@tanstack/query-core'
import { CacheBound } from './CacheBound.js'
import type { Release } from './Node.js'
import { QUERY_KEY_ROOT } from './queryKeys.js'
import type { DiscoKind } from './queryKeys.js'
import type { XmppClient } from './XmppClient.js'

/** The bound an entry counts in: pages are items too (one bound for lists, pages and walked pages). */
function kindOf(key: QueryKey): DiscoKind | undefined {
  switch (key[2]) {
    case 'info':
      return 'info'
    case 'items':
    case 'items-page':
    case 'items-pages':
      return 'items'
    default:
      return undefined
  }
}

export class OwnEntries {
  readonly #xmpp: XmppClient
  readonly #cache: QueryCache
  /** The accounts our keys were made for (normally one). */
  readonly #accounts = new Set<string>()
  readonly #byJid = new Map<string, Set<Query>>()
  readonly #limits: Record<DiscoKind, number> = { info: 10_000, items: 100 }
  #bounds: Record<DiscoKind, CacheBound> | undefined

  constructor(xmpp: XmppClient, cache: QueryCache) {
    this.#xmpp = xmpp
    this.#cache = cache
  }

  /**
   * Bounds and indexes our entries, those in the cache now and those to
   * come, until the release.
   */
  attach(): Release {
    const cache = this.#cache
    const mine = (kind: DiscoKind) => (key: QueryKey) => this.#isOurs(key) && kindOf(key) === kind
    const limit = (kind: DiscoKind) => () => this.#limits[kind]
    const bounds = { info: new CacheBound(cache, mine('info'), limit('info')), items: new CacheBound(cache, mine('items'), limit('items')) }
    this.#bounds = bounds
    for (const query of cache.getAll()) if (this.#isOurs(query.queryKey)) this.#index(query)
    const unsubscribe = cache.subscribe((event) => {
      if (event.type === 'added') this.#index(event.query)
      else if (event.type === 'removed') this.#unindex(event.query)
    })
    return () => {
      unsubscribe()
      bounds.info.dispose()
      bounds.items.dispose()
      this.#bounds = undefined
      this.#byJid.clear()
    }
  }

  /** Our bare JID as keys hold it ('' before the client has one), noted as ours. */
  account(): string {
    const account = this.#account()
    this.#note(account)
    return account
  }

  #isOurs(key: QueryKey): boolean {
    if (key[0] !== QUERY_KEY_ROOT || typeof key[1] !== 'string') return false
    if (this.#accounts.has(key[1])) return true
    // Our account's entries that came from elsewhere (hydrated after a server
    // render, restored by a persister) are ours before any query asks for them.
    const account = this.#account()
    if (account === '' || key[1] !== account) return false
    this.#note(account)
    return true
  }

  /** Every entry of ours in the cache. */
  all(): Query[] {
    return this.#cache.findAll({ predicate: (query) => this.#isOurs(query.queryKey) })
  }

  /** Our entries whose target is `jid` (normalised), if any. */
  of(jid: string): ReadonlySet<Query> | undefined {
    return this.#byJid.get(jid)
  }

  /** Whether any entry of ours has a target (none: no presence concerns us). */
  get any(): boolean {
    return this.#byJid.size > 0
  }

  /** Marks `query` as just used (a cached answer served). */
  touch(query: Query): void {
    const kind = kindOf(query.queryKey)
    if (kind) this.#bounds?.[kind].touch(query)
  }

  limit(kind: DiscoKind): number {
    return this.#limits[kind]
  }

  setLimit(kind: DiscoKind, size: number): void {
    this.#limits[kind] = size
    this.#bounds?.[kind].enforce()
  }

  /** How many entries of each kind are ours. */
  get size(): Record<DiscoKind, number> {
    return { info: this.#bounds?.info.size ?? 0, items: this.#bounds?.items.size ?? 0 }
  }

  /**
   * Makes `account`'s entries ours. Those already in the cache (hydrated
   * before it was ours) are bounded and indexed now: no cache event will
   * tell about them again.
   */
  #note(account: string): void {
    if (this.#accounts.has(account)) return
    this.#accounts.add(account)
    const bounds = this.#bounds
    if (!bounds) return
    for (const query of this.#cache.findAll({ queryKey: [QUERY_KEY_ROOT, account] })) {
      const kind = query.queryKey[2]
      if (kind !== 'info' && kind !== 'items') continue
      bounds[kind].touch(query)
      this.#index(query)
    }
  }

  #index(query: Query): void {
    const jid = query.queryKey[3]
    if (typeof jid !== 'string' || !this.#isOurs(query.queryKey)) return
    let entries = this.#byJid.get(jid)
    if (!entries) {
      entries = new Set()
      this.#byJid.set(jid, entries)
    }
    entries.add(query)
  }

  #unindex(query: Query): void {
    const jid = query.queryKey[3]
    if (typeof jid !== 'string') return
    const entries = this.#byJid.get(jid)
    if (!entries?.delete(query) || entries.size > 0) return
    this.#byJid.delete(jid)
  }

  // Cached per JID object: the key of every query and every cache event needs it.
  #accountOf: unknown = undefined
  #accountString = ''
  #account(): string {
    const jid = this.#xmpp.jid
    if (jid !== this.#accountOf) {
      this.#accountOf = jid
      this.#accountString = jid?.bare().toString() ?? ''
    }
    return this.#accountString
  }
}
