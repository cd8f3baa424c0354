/**
 * Node and StaticNode: what one XEP-0030 node of our entity declares.
 *
 * XEP-0030 section 3.1 (identities, features), section 4 (items)
 * aioxmpp.disco.Node / aioxmpp.disco.StaticNode (the semantics kept here)
 *
 * Two registration styles live side by side:
 *   - strict `register*` / `unregister*`, with the reference's errors;
 *   - `claim*`, reference-counted: each claim returns its release, two claims
 *     of one thing keep it until both are released. The React components and
 *     RegisteredFeature use these.
 * `batch(fn)` and `coalesce(fn)` fold many changes into one onInfoChanged.
 */
import { InvalidInputError, RegistrationError } from './errors.js'
import { identityKey } from './model.js'
import type { DataForm, DiscoIdentity, DiscoInfo, DiscoItem } from './model.js'
import { NS_DISCO_INFO } from './namespaces.js'
import { assertLang, assertText, langKey } from './validate.js'
import type { XmlElement } from './xml.js'

/** Names of one identity per language: `''` is the name without xml:lang. */
export type IdentityNames = Readonly<Record<string, string>>

/** What undoes a claim. Calling it again does nothing. */
export type Release = () => void

/** The features every node has and no one can register or remove (XEP-0030 section 3.1). */
export const MANDATORY_FEATURES: readonly string[] = [NS_DISCO_INFO]

interface IdentityEntry {
  category: string
  type: string
  /** The strict registration's names, if it was registered strictly. */
  strict: IdentityNames | undefined
  /** Claims in arrival order; the newest claim's names are shown. */
  claims: { names: IdentityNames }[]
}

// The holder that stands for a strict registration.
const STRICT: object = Object.freeze({})

function checkNames(names: IdentityNames): IdentityNames {
  const copy: Record<string, string> = {}
  const langs = new Set<string>()
  for (const [lang, name] of Object.entries(names)) {
    assertLang(lang, 'identity name language')
    assertText(name, `identity name${lang ? ` (${lang})` : ''}`)
    // 'en' and 'EN' are one language: two names for it would be an invalid reply.
    if (langs.has(langKey(lang))) throw new InvalidInputError(`two identity names for the language ${JSON.stringify(lang)}`)
    langs.add(langKey(lang))
    copy[lang] = name
  }
  return Object.freeze(copy)
}

/** The names an identity shows: the newest claim's, else the strict registration's. */
function shownNames(entry: IdentityEntry): IdentityNames {
  return entry.claims.at(-1)?.names ?? entry.strict ?? {}
}

// In order too: the order of the names is the order of the identities in a reply.
function sameNames(a: IdentityNames, b: IdentityNames): boolean {
  const x = Object.entries(a)
  const y = Object.entries(b)
  return x.length === y.length && x.every(([lang, name], i) => y[i]?.[0] === lang && y[i]?.[1] === name)
}

function identityId(category: string, type: string): string {
  return `${category}\u0000${type}`
}

export class Node {
  readonly #features = new Map<string, Set<object>>()
  readonly #identities = new Map<string, IdentityEntry>()
  readonly #listeners = new Set<() => void>()
  #batchDepth = 0
  #revision = 0
  #dirty = false

  // ---- features ----

  /** Registers `v`. Throws a RegistrationError if it is registered already or mandatory. */
  registerFeature(v: string): void {
    assertText(v, 'feature var')
    if (MANDATORY_FEATURES.includes(v) || this.#features.has(v)) {
      throw new RegistrationError(
        MANDATORY_FEATURES.includes(v) ? 'mandatory' : 'duplicate',
        `feature ${v} is already registered`,
      )
    }
    this.#features.set(v, new Set([STRICT]))
    this.#changed()
  }

  /** Removes `v`, whoever holds it. Throws a RegistrationError if it is not registered (mandatory ones never are). */
  unregisterFeature(v: string): void {
    if (!this.#features.delete(v)) {
      throw new RegistrationError('not-registered', `feature ${v} is not registered`)
    }
    this.#changed()
  }

  /**
   * Holds `v` until the returned release is called. Claims are counted: `v`
   * stays while any claim or a strict registration holds it. A mandatory
   * feature is accepted and ignored (it is always there).
   */
  claimFeature(v: string): Release {
    assertText(v, 'feature var')
    if (MANDATORY_FEATURES.includes(v)) return () => {}
    const token = {}
    let holders = this.#features.get(v)
    if (!holders) {
      holders = new Set()
      this.#features.set(v, holders)
      this.#changed()
    }
    holders.add(token)
    const held = holders
    return () => {
      if (!held.delete(token) || held.size > 0 || this.#features.get(v) !== held) return
      this.#features.delete(v)
      this.#changed()
    }
  }

  /** The features of this node, the mandatory ones first. `request` is the incoming IQ, if any. */
  iterFeatures(request?: XmlElement): Iterable<string> {
    void request
    return [...MANDATORY_FEATURES, ...this.#features.keys()]
  }

  // ---- identities ----

  /** Registers an identity. Throws a RegistrationError if category/type is registered or claimed already. */
  registerIdentity(category: string, type: string, options: { names?: IdentityNames } = {}): void {
    assertText(category, 'identity category')
    assertText(type, 'identity type')
    const names = checkNames(options.names ?? {})
    const id = identityId(category, type)
    // Held by a claim counts as registered, as for registerFeature.
    if (this.#identities.has(id)) {
      throw new RegistrationError('duplicate', `identity ${category}/${type} is already registered`)
    }
    this.#identities.set(id, { category, type, strict: names, claims: [] })
    this.#changed()
  }

  /** Replaces the names of a registered identity. Throws a RegistrationError if there is none. */
  setIdentityNames(category: string, type: string, names: IdentityNames = {}): void {
    const entry = this.#identities.get(identityId(category, type))
    if (!entry) throw new RegistrationError('not-registered', `identity ${category}/${type} is not registered`)
    const checked = checkNames(names)
    if (entry.strict !== undefined || entry.claims.length === 0) entry.strict = checked
    else {
      const last = entry.claims.at(-1)
      if (last) last.names = checked
    }
    this.#changed()
  }

  /**
   * Removes an identity, whoever holds it. Throws a RegistrationError if it is
   * not registered, or if it is the last identity: a node always has one.
   */
  unregisterIdentity(category: string, type: string): void {
    const id = identityId(category, type)
    if (!this.#identities.has(id)) {
      throw new RegistrationError('not-registered', `identity ${category}/${type} is not registered`)
    }
    if (this.#identities.size === 1) {
      throw new RegistrationError('last-identity', `identity ${category}/${type} is the last identity of the node`)
    }
    this.#identities.delete(id)
    this.#changed()
  }

  /**
   * Holds an identity until the returned release is called, reference-counted
   * like claimFeature. While several claims hold one category/type, the
   * newest claim's names are shown. Releasing the last claim may leave the
   * node without identities: it then answers item-not-found.
   */
  claimIdentity(category: string, type: string, options: { names?: IdentityNames } = {}): Release {
    assertText(category, 'identity category')
    assertText(type, 'identity type')
    const claim = { names: checkNames(options.names ?? {}) }
    const id = identityId(category, type)
    let entry = this.#identities.get(id)
    const before = entry ? shownNames(entry) : undefined
    if (!entry) {
      entry = { category, type, strict: undefined, claims: [] }
      this.#identities.set(id, entry)
    }
    entry.claims.push(claim)
    // A second claim with the names already shown changes nothing a peer sees.
    if (before === undefined || !sameNames(before, claim.names)) this.#changed()
    const held = entry
    let released = false
    return () => {
      if (released) return
      released = true
      const index = held.claims.indexOf(claim)
      if (index === -1 || this.#identities.get(id) !== held) return
      const shown = shownNames(held)
      held.claims.splice(index, 1)
      if (held.claims.length === 0 && held.strict === undefined) {
        this.#identities.delete(id)
        this.#changed()
      } else if (!sameNames(shown, shownNames(held))) {
        this.#changed()
      }
    }
  }

  /** The identities of this node, one per name and language. Empty means "hidden from this requester". */
  iterIdentities(request?: XmlElement): Iterable<DiscoIdentity> {
    void request
    const out: DiscoIdentity[] = []
    for (const entry of this.#identities.values()) {
      const names = shownNames(entry)
      const langs = Object.keys(names)
      if (langs.length === 0) out.push({ category: entry.category, type: entry.type })
      for (const lang of langs) {
        const identity: DiscoIdentity = { category: entry.category, type: entry.type }
        const name = names[lang]
        if (name !== undefined) identity.name = name
        if (lang !== '') identity.lang = lang
        out.push(identity)
      }
    }
    return out
  }

  /** How many distinct category/type pairs are registered or claimed. */
  protected get identityCount(): number {
    return this.#identities.size
  }

  /** Whether category/type is held, strictly or by a claim. */
  protected hasIdentity(category: string, type: string): boolean {
    return this.#identities.has(identityId(category, type))
  }

  /** Whether at least one claim holds category/type. */
  protected isClaimed(category: string, type: string): boolean {
    return (this.#identities.get(identityId(category, type))?.claims.length ?? 0) > 0
  }

  // ---- items and forms ----

  /** A bare Node has no items; subclasses override. */
  iterItems(request?: XmlElement): Iterable<DiscoItem> {
    void request
    return []
  }

  /** XEP-0128 extended information; none on a bare Node. */
  iterForms(request?: XmlElement): Iterable<DataForm> {
    void request
    return []
  }

  /**
   * The disco#info of this node as `request`'s sender would see it (aioxmpp's
   * as_info_xso). `node` is left unset: the server sets it from the request.
   * Duplicates a subclass may yield are dropped here, so no reply ever has two.
   */
  toInfo(request?: XmlElement): DiscoInfo {
    const identities: DiscoIdentity[] = []
    const seen = new Set<string>()
    for (const identity of this.iterIdentities(request)) {
      const key = identityKey(identity)
      if (seen.has(key)) continue
      seen.add(key)
      identities.push({ ...identity })
    }
    return {
      identities,
      features: [...new Set([...MANDATORY_FEATURES, ...this.iterFeatures(request)])],
      forms: [...this.iterForms(request)],
    }
  }

  // ---- change notification ----

  /** Calls `listener` after each change of identities or features (once per batch). Returns the unsubscribe. */
  onInfoChanged(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  /** Runs `fn`; the changes it makes fire onInfoChanged once, when the outermost batch ends. */
  batch<T>(fn: () => T): T {
    this.#batchDepth++
    try {
      return fn()
    } finally {
      this.#batchDepth--
      if (this.#batchDepth === 0 && this.#dirty) this.#emit()
    }
  }

  #coalescing = false
  /**
   * Runs `fn` inside a batch that stays open until the current task's
   * microtasks run, so that every coalesce() call of one synchronous pass
   * (such as the effects of one React commit) fires onInfoChanged once.
   */
  coalesce<T>(fn: () => T): T {
    if (!this.#coalescing) {
      this.#coalescing = true
      this.#batchDepth++
      queueMicrotask(() => {
        this.#coalescing = false
        this.#batchDepth--
        if (this.#batchDepth === 0 && this.#dirty) this.#emit()
      })
    }
    return fn()
  }

  /**
   * Bumped by every change of identities, features or forms, at once (not
   * when a batched notification goes out): what a cached answer is checked against.
   */
  get infoRevision(): number {
    return this.#revision
  }

  /** For subclasses whose own state (forms, dynamic answers) changes the info. */
  protected notifyInfoChanged(): void {
    this.#changed()
  }

  #changed(): void {
    this.#revision++
    this.#dirty = true
    if (this.#batchDepth === 0) this.#emit()
  }

  #emit(): void {
    this.#dirty = false
    for (const listener of [...this.#listeners]) {
      try {
        listener()
      } catch (err) {
        // One broken listener must not silence the others or the registrar.
        queueMicrotask(() => {
          throw err
        })
      }
    }
  }
}

/** A Node with a plain, mutable list of items. */
export class StaticNode extends Node {
  /** Returned by iterItems. Keeping it valid (no duplicates) is the caller's job, as in the reference. */
  items: DiscoItem[] = []

  override iterItems(request?: XmlElement): Iterable<DiscoItem> {
    void request
    return this.items
  }

  /** Adds `item` until the release is called (it removes that very object). */
  readonly #itemClaims = new ItemClaims(() => this.items)

  /** Lists `item` until the release is called; claims of one (jid, node) are counted and share one entry. */
  claimItem(item: DiscoItem): Release {
    return this.#itemClaims.claim(item)
  }

  /**
   * A StaticNode declaring what `other` declares to everybody (its iter*
   * methods without a request, so subclasses clone as they answer). Features
   * and identities are copied; the item objects are shared, the array is new.
   */
  static clone(other: Node): StaticNode {
    const node = new StaticNode()
    node.batch(() => {
      for (const v of new Set(other.iterFeatures())) {
        if (!MANDATORY_FEATURES.includes(v)) node.registerFeature(v)
      }
      const names = new Map<string, { category: string; type: string; names: Record<string, string> }>()
      for (const identity of other.iterIdentities()) {
        const id = identityId(identity.category, identity.type)
        const entry = names.get(id) ?? { category: identity.category, type: identity.type, names: {} }
        names.set(id, entry)
        if (identity.name !== undefined) entry.names[identity.lang ?? ''] = identity.name
      }
      for (const entry of names.values()) node.registerIdentity(entry.category, entry.type, { names: entry.names })
    })
    node.items = [...other.iterItems()]
    return node
  }
}

/**
 * Reference-counted items on a list the app may also edit by hand: claims of
 * one (jid, node) share one entry, which goes when the last claim is released.
 */
export class ItemClaims {
  readonly #list: () => DiscoItem[]
  readonly #held = new Map<string, { item: DiscoItem; count: number }>()

  constructor(list: () => DiscoItem[]) {
    this.#list = list
  }

  claim(item: DiscoItem): Release {
    const key = `${item.jid}\u0000${item.node ?? ''}`
    let entry = this.#held.get(key)
    if (!entry) {
      entry = { item, count: 0 }
      this.#held.set(key, entry)
      this.#list().push(item)
    }
    entry.count++
    const held = entry
    let released = false
    return () => {
      if (released) return
      released = true
      if (--held.count > 0 || this.#held.get(key) !== held) return
      this.#held.delete(key)
      const list = this.#list()
      const index = list.indexOf(held.item)
      if (index !== -1) list.splice(index, 1)
    }
  }
}
