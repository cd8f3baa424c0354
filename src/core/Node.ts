/**
 * Node and StaticNode: what one XEP-0030 node of our entity declares.
 *
 * XEP-0030 section 3.1 (identities, features), section 4 (items)
 * XEP-0128 (extended information: forms, one per FORM_TYPE)
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
import { checkExtendedInfoForm } from './extendedInfoForm.js'
import { getFormType, identityKey } from './model.js'
import type { DataForm, DiscoIdentity, DiscoInfo, DiscoItem } from './model.js'
import { NS_DISCO_INFO } from './namespaces.js'
import { assertLang, assertText, langKey } from './validate.js'
import type { XmlElement } from './xml.js'

/**
 * Names of one identity per language: the key `''` is the name without
 * xml:lang; the name `''` (for a language) is that xml:lang without a name.
 */
export type IdentityNames = Readonly<Record<string, string>>

/** What undoes a claim. Calling it again does nothing. */
export type Release = () => void

/**
 * A release that also tells whether its claim still holds: false once
 * released, and once a strict unregister removed the thing, whoever held it.
 */
export interface ClaimRelease extends Release {
  readonly held: boolean
}

/** The features every node has and no one can register or remove (XEP-0030 section 3.1). */
export const MANDATORY_FEATURES: readonly string[] = [NS_DISCO_INFO]

/**
 * What holds one feature, identity or form: the strict registration's value,
 * if any, and the claims in arrival order. The newest claim's value is shown.
 */
class Holding<T> {
  strict: T | undefined
  readonly claims: { value: T; release: HeldRelease }[] = []
  constructor(strict?: T) {
    this.strict = strict
  }
  get shown(): T | undefined {
    return this.claims.at(-1)?.value ?? this.strict
  }
  /** A strict unregister took the thing away: no claim holds it any more. */
  drop(): void {
    for (const claim of this.claims) claim.release.held = false
  }
}

class IdentityHolding extends Holding<IdentityNames> {
  readonly category: string
  readonly type: string
  constructor(category: string, type: string, strict?: IdentityNames) {
    super(strict)
    this.category = category
    this.type = type
  }
}

/** A ClaimRelease as the node keeps it up to date. */
type HeldRelease = Release & { held: boolean }

// `held` is a plain property the node updates (released, or dropped by a
// strict unregister), not a getter: one claim per <Feature> is made on
// every mount, and an accessor defined on each release function was most
// of what a claim cost.
function claimRelease(release: Release): HeldRelease {
  const held = release as HeldRelease
  held.held = true
  return held
}

/** Features differ only by being there: a second claim changes nothing a peer sees. */
const alwaysSame = (): boolean => true
const newFeatureHolding = (): Holding<true> => new Holding<true>()

// Checked copies are built in one key order, so equal JSON is an equal form.
function sameForm(a: DataForm, b: DataForm): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

function checkNames(names: IdentityNames): IdentityNames {
  const copy: Record<string, string> = {}
  const langs = new Set<string>()
  for (const [lang, name] of Object.entries(names)) {
    assertLang(lang, 'identity name language')
    // A language without a name is an identity peers may send (and hash): StaticNode.clone copies it.
    if (name !== '' || lang === '') assertText(name, `identity name${lang ? ` (${lang})` : ''}`)
    // 'en' and 'EN' are one language: two names for it would be an invalid reply.
    if (langs.has(langKey(lang))) throw new InvalidInputError(`two identity names for the language ${JSON.stringify(lang)}`)
    langs.add(langKey(lang))
    copy[lang] = name
  }
  return Object.freeze(copy)
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
  readonly #features = new Map<string, Holding<true>>()
  readonly #identities = new Map<string, IdentityHolding>()
  readonly #forms = new Map<string, Holding<DataForm>>()
  readonly #listeners = new Set<() => void>()
  #batchDepth = 0
  #revision = 0
  #dirty = false

  // ---- features ----

  /** The features this node always has: registering one throws, claiming one does nothing. */
  protected get mandatoryFeatures(): readonly string[] {
    return MANDATORY_FEATURES
  }

  /** Registers `v`. Throws a RegistrationError if it is registered already or mandatory. */
  registerFeature(v: string): void {
    assertText(v, 'feature var')
    const mandatory = this.mandatoryFeatures.includes(v)
    if (mandatory || this.#features.has(v)) {
      throw new RegistrationError(mandatory ? 'mandatory' : 'duplicate', `feature ${v} is already registered`)
    }
    this.#features.set(v, new Holding(true))
    this.#changed()
  }

  /** Removes `v`, whoever holds it. Throws a RegistrationError if it is not registered (mandatory ones never are). */
  unregisterFeature(v: string): void {
    const holding = this.#features.get(v)
    if (!holding) throw new RegistrationError('not-registered', `feature ${v} is not registered`)
    this.#features.delete(v)
    holding.drop()
    this.#changed()
  }

  /**
   * Holds `v` until the returned release is called. Claims are counted: `v`
   * stays while any claim or a strict registration holds it. A mandatory
   * feature is accepted and ignored (it is always there).
   */
  claimFeature(v: string): ClaimRelease {
    assertText(v, 'feature var')
    if (this.mandatoryFeatures.includes(v)) {
      const release = claimRelease(() => {
        release.held = false
      })
      return release
    }
    return this.#claim(this.#features, v, true, newFeatureHolding, alwaysSame)
  }

  /** The features of this node, the mandatory ones first. `request` is the incoming IQ, if any. */
  iterFeatures(request?: XmlElement): Iterable<string> {
    void request
    return [...this.mandatoryFeatures, ...this.#features.keys()]
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
    this.#identities.set(id, new IdentityHolding(category, type, names))
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
      if (last) last.value = checked
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
    this.#identities.get(id)?.drop()
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
    const names = checkNames(options.names ?? {})
    return this.#claim(this.#identities, identityId(category, type), names, () => new IdentityHolding(category, type), sameNames)
  }

  /** The identities of this node, one per name and language. Empty means "hidden from this requester". */
  iterIdentities(request?: XmlElement): Iterable<DiscoIdentity> {
    void request
    const out: DiscoIdentity[] = []
    for (const entry of this.#identities.values()) {
      const names = entry.shown ?? {}
      const langs = Object.keys(names)
      if (langs.length === 0) out.push({ category: entry.category, type: entry.type })
      for (const lang of langs) {
        const identity: DiscoIdentity = { category: entry.category, type: entry.type }
        const name = names[lang]
        if (name !== undefined && name !== '') identity.name = name
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

  // ---- forms (XEP-0128) ----

  /**
   * Publishes `form` (see extendedInfoForm). Throws a RegistrationError
   * 'duplicate' if a form with its FORM_TYPE is registered or claimed
   * already, 'invalid' if it has no hidden FORM_TYPE (checkExtendedInfoForm).
   */
  registerForm(form: DataForm): void {
    const checked = checkExtendedInfoForm(form)
    if (this.#forms.has(checked.formType)) {
      throw new RegistrationError('duplicate', `a form with FORM_TYPE ${checked.formType} is already registered`)
    }
    this.#forms.set(checked.formType, new Holding(checked.form))
    this.#changed()
  }

  /** Withdraws the form `formType`, whoever holds it. Throws a RegistrationError if there is none. */
  unregisterForm(formType: string): void {
    const holding = this.#forms.get(formType)
    if (!holding) throw new RegistrationError('not-registered', `no form with FORM_TYPE ${formType} is registered`)
    this.#forms.delete(formType)
    holding.drop()
    this.#changed()
  }

  /**
   * Publishes `form` until the returned release is called, reference-counted
   * per FORM_TYPE like claimFeature. While several claims hold one FORM_TYPE
   * the newest claim's form is published; releasing it brings the previous back.
   */
  claimForm(form: DataForm): ClaimRelease {
    const checked = checkExtendedInfoForm(form)
    return this.#claim(this.#forms, checked.formType, checked.form, () => new Holding<DataForm>(), sameForm)
  }

  /** XEP-0128 extended information: the registered and claimed forms, frozen. */
  iterForms(request?: XmlElement): Iterable<DataForm> {
    void request
    const out: DataForm[] = []
    for (const holding of this.#forms.values()) if (holding.shown) out.push(holding.shown)
    return out
  }

  // ---- items ----

  /** A bare Node has no items; subclasses override. */
  iterItems(request?: XmlElement): Iterable<DiscoItem> {
    void request
    return []
  }

  /**
   * The disco#info of this node as `request`'s sender would see it (aioxmpp's
   * as_info_xso). `node` is left unset: the server sets it from the request.
   * Duplicates a subclass may yield are dropped here (identities, features, a
   * second form of one FORM_TYPE), so no reply ever has two.
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
    const forms: DataForm[] = []
    const formTypes = new Set<string>()
    for (const form of this.iterForms(request)) {
      const formType = getFormType(form)
      if (formType !== undefined && formTypes.has(formType)) continue
      if (formType !== undefined) formTypes.add(formType)
      forms.push(structuredClone(form))
    }
    return {
      identities,
      features: [...new Set([...this.mandatoryFeatures, ...this.iterFeatures(request)])],
      forms,
    }
  }

  // ---- change notification ----

  /** Calls `listener` after each change of identities, features or forms (once per batch). Returns the unsubscribe. */
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

  /**
   * Adds a claim of `value` under `key` and returns its release. A change is
   * announced only when what a peer sees changes: the thing comes or goes,
   * or the newest claim shows another value.
   */
  #claim<T, H extends Holding<T>>(
    holdings: Map<string, H>,
    key: string,
    value: T,
    create: () => H,
    same: (a: T, b: T) => boolean,
  ): ClaimRelease {
    let holding = holdings.get(key)
    const before = holding?.shown
    if (!holding) {
      holding = create()
      holdings.set(key, holding)
    }
    const mine = holding
    // A strict unregister drops the holding, and this claim with it (Holding.drop).
    const release = claimRelease(() => {
      if (!release.held) return
      release.held = false
      const shown = mine.shown
      mine.claims.splice(mine.claims.indexOf(claim), 1)
      const after = mine.shown
      if (after === undefined) {
        holdings.delete(key)
        this.#changed()
      } else if (shown === undefined || !same(shown, after)) {
        this.#changed()
      }
    })
    const claim = { value, release }
    holding.claims.push(claim)
    if (before === undefined || !same(before, value)) this.#changed()
    return release
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
   * A StaticNode declaring what `other` declares to everybody (its toInfo()
   * and iter* methods without a request, so subclasses clone as they answer).
   * Features, identities (names and languages) and forms are copied; the item
   * objects are shared, the array is new. A form registerForm refuses (no
   * hidden FORM_TYPE) makes it throw, rather than clone less than `other` says.
   */
  static clone(other: Node): StaticNode {
    const node = new StaticNode()
    const info = other.toInfo()
    node.batch(() => {
      for (const v of info.features) {
        if (!MANDATORY_FEATURES.includes(v)) node.registerFeature(v)
      }
      const names = new Map<string, { category: string; type: string; names: Record<string, string> }>()
      for (const identity of info.identities) {
        const id = identityId(identity.category, identity.type)
        const entry = names.get(id) ?? { category: identity.category, type: identity.type, names: {} }
        names.set(id, entry)
        // A lang without a name is kept as the name '' (checkNames): peers hash it.
        if (identity.lang !== undefined) entry.names[identity.lang] = identity.name ?? ''
        else if (identity.name !== undefined) entry.names[''] = identity.name
      }
      for (const entry of names.values()) node.registerIdentity(entry.category, entry.type, { names: entry.names })
      for (const form of info.forms) node.registerForm(form)
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
