/**
 * DevtoolsStore: what the devtools show of one xmpp.js client, as snapshots
 * for useSyncExternalStore.
 *
 * It listens (from the first subscriber to the last, so only while the panel
 * is mounted) to DiscoEvents, the QueryCache, our DiscoServer's info and the
 * session, and builds a plain snapshot at most every SNAPSHOT_DELAY ms. Ages
 * tick in the panel (useNow), not here: nothing is rebuilt while nothing
 * changes. Nothing is attached while nothing subscribes, and no timer is left
 * once the last subscriber has gone: creating one during a render is harmless.
 */
import type { QueryKey } from '@tanstack/query-core'
import { EntityCaps } from '../core/caps/EntityCaps.js'
import type { CapsVersionInfo } from '../core/caps/EntityCaps.js'
import type { CapsSnapshot } from '../core/caps/CapsState.js'
import type { DiscoClient } from '../core/DiscoClient.js'
import { QUERY_KEY_ROOT } from '../core/queryKeys.js'
import { DiscoEvents } from '../core/DiscoEvents.js'
import type { DiscoServer } from '../core/DiscoServer.js'
import type { DiscoInfo, DiscoItemsList } from '../core/model.js'
import type { Release } from '../core/Node.js'
import { Session } from '../core/Session.js'
import type { XmppClient } from '../core/XmppClient.js'
import { TrafficLog } from './TrafficLog.js'
import type { TrafficRow } from './TrafficLog.js'

/** Changes closer together than this make one snapshot. */
const SNAPSHOT_DELAY = 40
/** Our caps ver is computed after a burst of changes (CapsAdvertiser: 80 ms at most, then hashing). */
const VER_SETTLES = 200

/** One entry of the QueryCache under our key root. */
export interface CacheEntry {
  /** The query hash. */
  hash: string
  key: QueryKey
  account: string
  /** 'info', 'items', 'items-page' (one page) or 'items-pages' (a hook's walked pages). */
  kind: string
  jid: string
  node: string | undefined
  /** A page's request (max, after, before, index), as text. */
  page: string | undefined
  status: 'pending' | 'error' | 'success'
  fetching: boolean
  /** Hooks and observers watching it. */
  observers: number
  /** When its data came (0: never). */
  updatedAt: number
  /** Flushed or forgotten: refetched when next observed. */
  invalidated: boolean
  error: string | undefined
  /** What it holds, in a few words. */
  summary: string | undefined
}

/** Our entity capabilities, when they are on. */
export interface OwnCaps {
  node: string
  ver: string | undefined
  /** Our vers still answered, newest (current) first. */
  versions: CapsVersionInfo[]
}

/**
 * The session as the devtools show it: up (queries go out), on its way up
 * (a first connection, or a new session after one ended), on its way back
 * (a XEP-0198 session whose stream dropped and may be resumed: pending
 * queries and the cache are kept), or down with no session.
 */
export type SessionState = 'online' | 'connecting' | 'reconnecting' | 'offline'

export interface DevtoolsSnapshot {
  /** When it was taken. */
  now: number
  account: string | undefined
  /** xmpp.js's status ('online', 'connecting', 'disconnect', ...). */
  status: string
  /** What that means for disco (Session): what the bar shows. */
  session: SessionState
  /** What our DiscoServer answers at its root. */
  info: DiscoInfo
  caps: OwnCaps | undefined
  /** Peers' caps as remembered; undefined when caps are off. */
  peers: CapsSnapshot | undefined
  cache: CacheEntry[]
  /** Oldest first. */
  log: readonly TrafficRow[]
}

function summarise(kind: string, data: unknown): string | undefined {
  if (data === undefined) return undefined
  if (kind === 'info') {
    const info = data as DiscoInfo
    const identity = info.identities[0]
    const forms = info.forms.length > 0 ? ` · ${info.forms.length} form${info.forms.length === 1 ? '' : 's'}` : ''
    return `${identity ? `${identity.category}/${identity.type}` : '?'} · ${info.features.length} feature${info.features.length === 1 ? '' : 's'}${forms}`
  }
  if (kind === 'items-pages') {
    const pages = (data as { pages: DiscoItemsList[] }).pages
    const items = pages.reduce((n, page) => n + page.items.length, 0)
    return `${pages.length} page${pages.length === 1 ? '' : 's'} · ${items} item${items === 1 ? '' : 's'}`
  }
  const list = data as DiscoItemsList
  const more = list.complete === false ? ` of ${list.count ?? 'more'}` : ''
  return `${list.items.length}${more} item${list.items.length === 1 && !more ? '' : 's'}`
}

function pageText(page: unknown): string | undefined {
  if (typeof page !== 'object' || page === null) return undefined
  return Object.entries(page)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name} ${String(value)}`)
    .join(', ')
}

/** Our identities, features and forms, each as the log names it ("client/web “Chat”", "form urn:…"), with a signature. */
function described(info: DiscoInfo): Map<string, string> {
  const entries = new Map<string, string>()
  for (const i of info.identities) entries.set(`${i.category}/${i.type}${i.name ? ` “${i.name}”` : ''}${i.lang ? ` (${i.lang})` : ''}`, '')
  for (const feature of info.features) entries.set(feature, '')
  for (const form of info.forms) {
    const formType = form.fields.find((field) => field.var === 'FORM_TYPE')?.values[0] ?? '?'
    entries.set(`form ${formType}`, JSON.stringify(form.fields))
  }
  return entries
}

/** What changed between two infos of ours, as the log says it: "+ urn:…", "− client/bot", "~ form urn:…". */
function infoDiff(before: DiscoInfo, after: DiscoInfo): string[] {
  const was = described(before)
  const now = described(after)
  const changes: string[] = []
  for (const [name, signature] of now) {
    if (!was.has(name)) changes.push(`+ ${name}`)
    else if (was.get(name) !== signature) changes.push(`~ ${name}`)
  }
  for (const name of was.keys()) if (!now.has(name)) changes.push(`− ${name}`)
  return changes
}

export class DevtoolsStore {
  readonly xmpp: XmppClient
  readonly server: DiscoServer
  readonly client: DiscoClient
  readonly #log: TrafficLog
  readonly #listeners = new Set<() => void>()
  #detach: Release[] = []
  #timer: ReturnType<typeof setTimeout> | undefined
  #snapshot: DevtoolsSnapshot
  #info: DiscoInfo
  #ver: string | undefined
  /** A session was up and has not ended (it may be resumed while the stream is down). */
  #up = false
  /** Our caps ver follows an info change a little later: a second snapshot then. */
  #verTimer: ReturnType<typeof setTimeout> | undefined

  constructor(xmpp: XmppClient, server: DiscoServer, client: DiscoClient, options: { maxLogRows?: number | undefined } = {}) {
    this.xmpp = xmpp
    this.server = server
    this.client = client
    this.#log = new TrafficLog(options.maxLogRows)
    this.#info = server.toInfo()
    this.#ver = EntityCaps.find(xmpp)?.ver
    this.#snapshot = this.#build()
  }

  /** For useSyncExternalStore: attaches with the first listener, detaches with the last. */
  subscribe = (listener: () => void): Release => {
    this.#listeners.add(listener)
    if (this.#listeners.size === 1) this.#attach()
    return () => {
      this.#listeners.delete(listener)
      if (this.#listeners.size === 0) this.#detachAll()
    }
  }

  getSnapshot = (): DevtoolsSnapshot => this.#snapshot

  /** Whether anything is attached (for tests: the panel cleans up when unmounted). */
  get attached(): boolean {
    return this.#detach.length > 0
  }

  clearLog(): void {
    this.#log.clear()
    this.#changed()
  }

  /** Forgets every cached result (DiscoClient#flushCache): observed entries are fetched again at once. */
  flush(): void {
    this.client.flushCache()
    this.#log.note('action', 'flushed the cache')
    this.#changed()
  }

  /** Asks the entity of `entry` again (requireFresh: not through caps), or refetches a page entry. */
  refetch(entry: CacheEntry): void {
    const node = entry.node
    const done = (): void => this.#changed()
    this.#log.note('action', `refetch ${entry.kind} of ${entry.jid}${node ? ` at ${node}` : ''}`)
    if (entry.kind === 'info') this.client.queryInfo(entry.jid, { node, requireFresh: true }).then(done, done)
    else if (entry.kind === 'items') this.client.queryItems(entry.jid, { node, requireFresh: true }).then(done, done)
    else this.client.queryClient.refetchQueries({ queryKey: entry.key, exact: true }).then(done, done)
    this.#changed()
  }

  /** Forgets the disco#info of `entry` (DiscoClient#forgetInfo): an observed entry is fetched again. */
  forget(entry: CacheEntry): void {
    this.client.forgetInfo(entry.jid, entry.node)
    this.#log.note('action', `forgot the info of ${entry.jid}${entry.node ? ` at ${entry.node}` : ''}`)
    this.#changed()
  }

  #attach(): void {
    const session = Session.of(this.xmpp)
    this.#info = this.server.toInfo()
    this.#ver = EntityCaps.find(this.xmpp)?.ver
    this.#up = session.online
    this.#detach = [
      DiscoEvents.of(this.xmpp).subscribe((event) => {
        this.#log.add(event)
        this.#changed()
      }),
      this.client.queryClient.getQueryCache().subscribe(() => this.#changed()),
      this.server.onInfoChanged(() => this.#onInfoChanged()),
      session.subscribe(() => {
        if (session.online) this.#up = true
        this.#changed()
      }),
      // Ended without resumption: no status event says so (a resumable stream's end comes after a wait).
      session.onEnd(() => {
        this.#up = false
        this.#changed()
      }),
    ]
    this.#changed()
  }

  #detachAll(): void {
    for (const detach of this.#detach) detach()
    this.#detach = []
    clearTimeout(this.#timer)
    this.#timer = undefined
    clearTimeout(this.#verTimer)
    this.#verTimer = undefined
  }

  #onInfoChanged(): void {
    const info = this.server.toInfo()
    const changes = infoDiff(this.#info, info)
    this.#info = info
    if (changes.length > 0) this.#log.note('info', changes.join('  '))
    this.#changed()
    // Our caps ver follows a little later.
    clearTimeout(this.#verTimer)
    this.#verTimer = setTimeout(() => {
      this.#verTimer = undefined
      this.#changed()
    }, VER_SETTLES)
  }

  /** Schedules one snapshot for the changes of the next few milliseconds. */
  #changed(): void {
    if (this.#timer !== undefined || this.#listeners.size === 0) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#snapshot = this.#build()
      for (const listener of [...this.#listeners]) listener()
    }, SNAPSHOT_DELAY)
  }

  #build(): DevtoolsSnapshot {
    const caps = EntityCaps.find(this.xmpp)
    const ver = caps?.ver
    if (ver !== this.#ver) {
      if (ver !== undefined) this.#log.note('ver', this.#ver === undefined ? `we advertise ver ${ver}` : `our ver is now ${ver} (was ${this.#ver})`)
      this.#ver = ver
    }
    return {
      now: Date.now(),
      account: this.xmpp.jid?.bare().toString(),
      status: this.xmpp.status ?? 'unknown',
      session: this.#sessionState(),
      info: this.server.toInfo(),
      caps: caps && { node: caps.node, ver, versions: caps.versions },
      peers: caps?.snapshot(),
      cache: this.#cacheEntries(),
      log: this.#log.rows,
    }
  }

  #sessionState(): SessionState {
    if (Session.of(this.xmpp).online) return 'online'
    const status = this.xmpp.status
    if (status === undefined || status === 'offline') return 'offline'
    if (this.#up) return 'reconnecting'
    // Dropped with no session to resume, and no new connection under way (yet).
    return status === 'disconnect' ? 'offline' : 'connecting'
  }

  #cacheEntries(): CacheEntry[] {
    return this.client.queryClient
      .getQueryCache()
      .findAll({ queryKey: [QUERY_KEY_ROOT] })
      // A disabled hook (no jid yet) holds a placeholder entry with no target: nothing to show.
      .filter((query) => typeof query.queryKey[3] === 'string')
      .map((query) => {
        const [, account, kind, jid, node, page] = query.queryKey as [string, string, string, string, string | null, unknown]
        const { state } = query
        return {
          hash: query.queryHash,
          key: query.queryKey,
          account,
          kind,
          jid,
          node: node ?? undefined,
          page: pageText(page),
          status: state.status,
          fetching: state.fetchStatus === 'fetching',
          observers: query.getObserversCount(),
          updatedAt: state.dataUpdatedAt,
          invalidated: state.isInvalidated,
          error: state.error ? `${state.error.name}: ${state.error.message}` : undefined,
          summary: summarise(kind, state.data),
        }
      })
  }
}
