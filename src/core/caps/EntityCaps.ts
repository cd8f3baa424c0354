/**
 * EntityCaps: entity capabilities in both directions, for one xmpp.js client.
 *
 * XEP-0115 (Entity Capabilities): "Advertising Capabilities" (<c/> on every
 *   presence but unavailable, sent again when the info changes), "Discovering
 *   Capabilities" (the query goes to the exact full JID, at node#ver),
 *   5.4 "Processing Method" (verify before caching globally; legacy and
 *   unknown hashes per JID only), "Determining Support" (the caps feature),
 *   "Security Considerations" (poisoning, flooding)
 * XEP-0390 (Entity Capabilities 2.0): 5.4 (the hash set on presence), 5.5
 *   (capability hash nodes), 6.1 (answer at least the 3 most recent hash
 *   sets), 6.2.1 (only a verified hash is cached; only the most recent hash
 *   set of a JID is used), 8.2 (rate-limit hash sets)
 *
 * Outgoing: the root node's info gives a `ver` (and a XEP-0390 hash set);
 * every available presence is annotated before it is written, through a send
 * interceptor of ClientHooks (xmpp.js's middleware.filter sees a stanza only
 * after it was written, too late to change it). When the info changes, the
 * last broadcast presence is sent again, once per burst of changes.
 *
 * Everything it attaches (interceptor, presence tap, listeners, nodes,
 * features, timers) goes with dispose().
 *
 * Incoming: a peer's caps prime the DiscoClient lazily, as an InfoSource:
 * nothing is sent until its disco#info is asked for; then one query per hash
 * (however many JIDs advertise it), verified on the raw XML before it is
 * shared between JIDs. With a `storage`, verified results are kept across
 * reloads (PersistedCaps) and a stored one is used before anything is sent.
 */
import xml from '@xmpp/xml'
import { DiscoClient } from '../DiscoClient.js'
import type { InfoSource } from '../DiscoClient.js'
import { DiscoServer } from '../DiscoServer.js'
import { DiscoError, InvalidInputError, StanzaError } from '../errors.js'
import { tryNormalizeJid } from '../jid.js'
import { parseInfo } from '../model.js'
import type { DataForm, DiscoIdentity, DiscoInfo } from '../model.js'
import { NS_CAPS, NS_CAPS2, NS_DISCO_INFO } from '../namespaces.js'
import { Node } from '../Node.js'
import { ClientHooks, once } from '../ClientHooks.js'
import type { Release } from '../Node.js'
import { ReplyMatcher } from '../ReplyMatcher.js'
import { Session } from '../Session.js'
import type { PendingRequest } from '../ReplyMatcher.js'
import { assertText } from '../validate.js'
import { cloneElement } from '../xml.js'
import type { XmlElement } from '../xml.js'
import type { IncomingContext, XmppClient } from '../XmppClient.js'
import {
  NS_HASHES,
  capsAlgorithm,
  capsVer,
  ecaps2Algorithm,
  ecaps2Hash,
  ecaps2HashNode,
  isAlgorithmAvailable,
  verifyCapsHash,
} from './hash.js'
import type { CapsAlgorithm } from './hash.js'
import type { CapsStorage } from './CapsStorage.js'
import { Lru } from './Lru.js'
import { PersistedCaps } from './PersistedCaps.js'

export interface EntityCapsOptions {
  /** The caps `node`: a URI naming the application, e.g. 'https://app.example'. */
  node: string
  /** Also advertise and accept XEP-0390 hash sets. Default true. */
  ecaps2?: boolean | undefined
  /** The DiscoClient whose disco#info queries caps answer (more can be added by calling `for` again). */
  discoClient?: DiscoClient | undefined
  /** How many previous vers are still answered besides the current one. Default 3. */
  history?: number | undefined
  /** How many peer JIDs are remembered (least recently used go first). Default 10000. */
  maxJids?: number | undefined
  /** How many verified hashes are remembered. Default 1000. */
  maxHashes?: number | undefined
  /** New vers accepted per JID per minute; the excess is ignored. Default 10. */
  maxVersPerMinute?: number | undefined
  /**
   * Keeps verified results (hash -> info, never per-JID ones) across reloads:
   * a Map, localStorageCapsStorage(), indexedDBCapsStorage() or any key-value
   * store. Bounded by maxHashes; every stored entry is verified again before use.
   */
  storage?: CapsStorage | undefined
}

/** One hash of a XEP-0390 hash set, as sent. */
export interface CapsHash {
  algo: string
  value: string
}

/** Counters of what caps hold (every one is bounded). */
export interface EntityCapsStats {
  /** Peer JIDs remembered (their advertised caps and rate-limit state). */
  jids: number
  /** Verified hashes, each shared by every JID advertising it. */
  hashes: number
  /** Verification queries waiting for their reply. */
  flights: number
}

/** XEP-0390 section 6.1: "at least the most recent 3". */
const DEFAULT_HISTORY = 3
/** Changes closer together than this are one burst: one new presence. */
const BURST_QUIET = 20
/** A burst that never goes quiet still gets a presence this often. */
const BURST_MAX = 80
const RATE_WINDOW = 60_000
/** Longer strings in a peer's <c/> are not caps anyone hashed: ignored. */
const MAX_CAPS_STRING = 1024
const MAX_HASHES_PER_SET = 8

type ShareKind = 'caps' | 'ecaps2'

/** A hash under which a verified result is shared. */
interface ShareKey {
  id: string
  kind: ShareKind
  algorithm: CapsAlgorithm
  value: string
}

/** What a JID's most recent caps say. */
interface Advertised {
  /** The node to query: NODE#VER (XEP-0115), else the hash node (XEP-0390). */
  queryNode: string
  /** The hashes we can verify, XEP-0390's first (unambiguous). */
  keys: ShareKey[]
  /** XEP-0115 caps without `hash` (and no XEP-0390 hash set): a plain query is the answer. */
  legacy: boolean
  /** Equal for equal caps. */
  signature: string
}

interface JidRecord {
  caps: Advertised | undefined
  /** When new caps were accepted, within the rate window. */
  changes: number[]
  /** Rate-limited: caps are ignored until the window passes. */
  throttled: boolean
}

/** One verification query on the wire, and everyone waiting for it. */
interface CapsFlight {
  readonly owner: string
  readonly caps: Advertised
  readonly ids: string[]
  readonly promise: Promise<DiscoInfo | undefined>
  waiters: number
  settled: boolean
  cancel(): void
}

/** Our info as of one ver, with the nodes that answer for it. */
interface Version {
  ver: string
  hashes: CapsHash[]
  node: Node
  mountpoints: string[]
}

/** Answers for one past or current ver: the info it was computed from. */
class CapsNode extends Node {
  readonly #info: DiscoInfo
  constructor(info: DiscoInfo) {
    super()
    this.#info = info
  }
  override iterIdentities(): Iterable<DiscoIdentity> {
    return this.#info.identities
  }
  override iterFeatures(): Iterable<string> {
    return this.#info.features
  }
  override iterForms(): Iterable<DataForm> {
    return this.#info.forms
  }
}

function isAvailablePresence(stanza: XmlElement): boolean {
  return stanza.name === 'presence' && (stanza.attrs.type === undefined || stanza.attrs.type === '')
}

function isCapsElement(node: XmlElement | string): boolean {
  return typeof node !== 'string' && (node.is('c', NS_CAPS) || node.is('c', NS_CAPS2))
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError')
}

function shortText(value: string | undefined): value is string {
  return value !== undefined && value !== '' && value.length <= MAX_CAPS_STRING
}

const instances = new WeakMap<XmppClient, EntityCaps>()
/** Obtained through EntityCaps.for: only dispose() ends them. */
const held = new WeakSet<EntityCaps>()

function sameOptions(caps: EntityCaps, options: EntityCapsOptions): boolean {
  return (
    caps.node === options.node &&
    caps.ecaps2 === (options.ecaps2 ?? true) &&
    caps.history === (options.history ?? DEFAULT_HISTORY)
  )
}

const storageIds = new WeakMap<CapsStorage, number>()
let storageCount = 0
/** A number per storage object: two storages are the same option only when they are one object. */
function storageId(storage: CapsStorage | undefined): number | null {
  if (!storage) return null
  let id = storageIds.get(storage)
  if (id === undefined) {
    id = ++storageCount
    storageIds.set(storage, id)
  }
  return id
}

/** Every option but the DiscoClient, as one comparable value. */
function configOf(options: EntityCapsOptions): string {
  const { node, ecaps2, history, maxJids, maxHashes, maxVersPerMinute, storage } = options
  return JSON.stringify([node, ecaps2 ?? true, history ?? DEFAULT_HISTORY, maxJids, maxHashes, maxVersPerMinute, storageId(storage)])
}
const configs = new WeakMap<EntityCaps, string>()

/**
 * The EntityCaps of `xmpp` with these options, for a DiscoProvider: a live
 * one with other options that no DiscoProvider created is an error, one that
 * a provider created is disposed and replaced (its caps prop changed). Internal.
 */
export function entityCapsFor(xmpp: XmppClient, options: EntityCapsOptions): EntityCaps {
  const existing = instances.get(xmpp)
  if (existing && configs.get(existing) !== configOf(options)) {
    if (held.has(existing)) throw new DiscoError('This client has entity capabilities with other options already')
    existing.dispose()
  }
  return instances.get(xmpp) ?? new EntityCaps(xmpp, options)
}

export class EntityCaps implements InfoSource {
  readonly #xmpp: XmppClient
  readonly #server: DiscoServer
  readonly #matcher: ReplyMatcher
  readonly node: string
  readonly ecaps2: boolean
  readonly history: number
  /** The DiscoClients this answers for, with the removal of each. */
  readonly #clients = new Map<DiscoClient, Release>()
  #detach: Release[] = []
  #mounts = 0
  #disposed = false

  // ---- outgoing ----
  #versions: Version[] = []
  /** The ver computations, one after another. */
  #computing: Promise<void> = Promise.resolve()
  /** Computations scheduled or running: a presence sent meanwhile waits for them. */
  #inProgress = 0
  #burstTimer: ReturnType<typeof setTimeout> | undefined
  #burstStart = 0
  /** The app's last broadcast available presence (caps removed), re-sent when the info changes. */
  #lastBroadcast: XmlElement | undefined
  /** The ver it went out with; undefined while it waits to go out. */
  #broadcastVer: string | undefined
  #announced: Promise<unknown> = Promise.resolve()
  #queued = 0
  #tail: Promise<unknown> = Promise.resolve()

  // ---- incoming ----
  readonly #jids: Lru<string, JidRecord>
  readonly #verified: Lru<string, DiscoInfo>
  readonly #persisted: PersistedCaps | undefined
  readonly #flights = new Map<string, CapsFlight>()
  readonly #maxVersPerMinute: number

  /**
   * The EntityCaps of `xmpp`, created (and turned on) on first use, on until
   * dispose(). A later call may add a DiscoClient; a different node, ecaps2
   * or history throws.
   */
  static for(xmpp: XmppClient, options: EntityCapsOptions): EntityCaps {
    let caps = instances.get(xmpp)
    if (!caps) {
      caps = new EntityCaps(xmpp, options)
    } else if (!sameOptions(caps, options)) {
      throw new DiscoError('This client has entity capabilities with other options already')
    }
    held.add(caps)
    caps.serve(options.discoClient ?? DiscoClient.for(xmpp))
    return caps
  }

  /** Prefer EntityCaps.for(xmpp, options): it is on from construction until dispose(). */
  constructor(xmpp: XmppClient, options: EntityCapsOptions) {
    if (instances.has(xmpp)) throw new DiscoError('This client has entity capabilities already: use EntityCaps.for')
    assertText(options.node, 'caps node')
    const history = options.history ?? DEFAULT_HISTORY
    if (!Number.isInteger(history) || history < 0) throw new InvalidInputError('caps history must be a whole number')
    this.#xmpp = xmpp
    this.node = options.node
    this.ecaps2 = options.ecaps2 ?? true
    this.history = history
    this.#jids = new Lru(options.maxJids ?? 10_000)
    this.#verified = new Lru(options.maxHashes ?? 1000)
    this.#persisted = options.storage && new PersistedCaps(options.storage, options.maxHashes ?? 1000)
    this.#maxVersPerMinute = options.maxVersPerMinute ?? 10
    this.#server = DiscoServer.for(xmpp)
    this.#matcher = ReplyMatcher.for(xmpp)
    instances.set(xmpp, this)
    configs.set(this, configOf(options))

    // XEP-0115 section 7, XEP-0390 section 5.1: say that we do caps.
    const features = this.#server.batch(() => [
      this.#server.claimFeature(NS_CAPS),
      ...(this.ecaps2 ? [this.#server.claimFeature(NS_CAPS2)] : []),
    ])
    const hooks = ClientHooks.of(xmpp)
    this.#detach = [
      () => this.#server.batch(() => features.forEach((release) => release())),
      this.#server.onInfoChanged(this.#onInfoChanged),
      hooks.interceptSend((stanzas, write) => this.#send(stanzas, write)),
      hooks.tapIncoming((ctx: IncomingContext) => {
        if (ctx.stanza.name === 'presence') this.#onPresence(ctx.stanza)
        return undefined
      }),
      Session.of(xmpp).onEnd(() => {
        // A new session gets every presence anew, and the app sends its own.
        this.#lastBroadcast = undefined
        this.#broadcastVer = undefined
        this.#jids.clear()
      }),
    ]
    this.#compute()
  }

  /** Answers `client`'s plain disco#info queries through peers' caps, until the returned release. */
  serve(client: DiscoClient): Release {
    this.#assertLive()
    const existing = this.#clients.get(client)
    if (existing) return existing
    const removeSource = client.addInfoSource(this)
    const release = once(() => {
      removeSource()
      this.#clients.delete(client)
    })
    this.#clients.set(client, release)
    return release
  }

  /**
   * Holds caps on until the returned release (a DiscoProvider calls it in an
   * effect). When the last holder releases, caps are disposed at the end of
   * the task, unless they were obtained with EntityCaps.for or a new holder
   * came meanwhile.
   */
  mount(): Release {
    this.#assertLive()
    this.#mounts++
    return once(() => {
      this.#mounts--
      queueMicrotask(() => {
        if (this.#mounts === 0 && !held.has(this)) this.dispose()
      })
    })
  }

  /** Whether dispose() has run. */
  get disposed(): boolean {
    return this.#disposed
  }

  /**
   * Turns caps off: no more `<c/>` on presences, our node#ver nodes and caps
   * features gone, peers' caps no longer used, every listener and timer
   * removed. EntityCaps.for makes a fresh one afterwards.
   */
  dispose(): void {
    if (this.#disposed) return
    this.#disposed = true
    if (instances.get(this.#xmpp) === this) instances.delete(this.#xmpp)
    clearTimeout(this.#burstTimer)
    this.#burstTimer = undefined
    for (const detach of this.#detach) detach()
    this.#detach = []
    for (const release of [...this.#clients.values()]) release()
    for (const version of this.#versions) {
      for (const mountpoint of version.mountpoints) {
        if (this.#server.getNode(mountpoint) === version.node) this.#server.unmountNode(mountpoint)
      }
    }
    this.#versions = []
    for (const flight of new Set(this.#flights.values())) flight.cancel()
    this.#flights.clear()
    this.#jids.clear()
    this.#verified.clear()
    this.#persisted?.dispose()
    this.#lastBroadcast = undefined
  }

  #assertLive(): void {
    if (this.#disposed) throw new DiscoError('These entity capabilities were disposed: use EntityCaps.for(xmpp, options)')
  }

  // ---- outgoing ----

  /** The current XEP-0115 ver (undefined until first computed). */
  get ver(): string | undefined {
    return this.#versions.at(-1)?.ver
  }

  /** The current XEP-0390 hash set (empty with ecaps2: false). */
  get hashes(): readonly CapsHash[] {
    return this.#versions.at(-1)?.hashes ?? []
  }

  /**
   * Resolves once the vers of every change so far are computed, and the
   * presence announcing them (if any) is sent.
   */
  async update(): Promise<void> {
    this.#flushBurst()
    await this.#computing
    await this.#announced
  }

  readonly #onInfoChanged = (): void => {
    const now = Date.now()
    if (this.#burstTimer === undefined) {
      this.#burstStart = now
      this.#inProgress++
    } else {
      clearTimeout(this.#burstTimer)
    }
    // Quiet for BURST_QUIET ms ends a burst; a burst never lasts longer than BURST_MAX.
    const wait = Math.max(0, Math.min(BURST_QUIET, this.#burstStart + BURST_MAX - now))
    this.#burstTimer = setTimeout(() => {
      this.#burstTimer = undefined
      this.#inProgress--
      if (!this.#disposed) this.#compute()
    }, wait)
  }

  /** Computes the ver of a burst still waiting for its quiet period now. */
  #flushBurst(): void {
    if (this.#burstTimer === undefined) return
    clearTimeout(this.#burstTimer)
    this.#burstTimer = undefined
    this.#inProgress--
    this.#compute()
  }

  #compute(): void {
    this.#inProgress++
    this.#computing = this.#computing.then(async () => {
      try {
        await this.#recompute()
      } finally {
        this.#inProgress--
      }
      this.#announce()
    })
  }

  /** Re-sends the last broadcast presence if it went out with an older ver. */
  #announce(): void {
    const last = this.#lastBroadcast
    if (!last || this.#disposed || this.#broadcastVer === undefined || this.#broadcastVer === this.ver) return
    if (this.#xmpp.status !== 'online') return
    // Not awaited: a presence waiting for this very computation would wait for it in turn.
    this.#announced = this.#xmpp.send(cloneElement(last)).catch(() => {
      // Offline meanwhile: the app's next presence carries the new caps.
    })
  }

  async #recompute(): Promise<void> {
    try {
      const info = this.#server.toInfo()
      const ver = await capsVer(info)
      const hashes: CapsHash[] = []
      if (this.ecaps2) {
        for (const algo of ['sha-256', 'sha3-256'] as const) {
          if (!(await isAlgorithmAvailable(algo))) continue
          try {
            hashes.push({ algo, value: await ecaps2Hash(info, algo) })
          } catch {
            // XEP-0390 cannot hash this info (a form without FORM_TYPE): no hash set.
          }
        }
      }
      this.#install({ ver, hashes, info })
    } catch {
      // No Web Crypto: presences go out without caps.
    }
  }

  #install({ ver, hashes, info }: { ver: string; hashes: CapsHash[]; info: DiscoInfo }): void {
    // Computed while being turned off: nothing may be mounted any more.
    if (this.#disposed) return
    const current = this.#versions.at(-1)
    if (current && current.ver === ver && sameHashes(current.hashes, hashes)) return
    // Back to an earlier info: that version moves to the front, mounted as it is.
    const earlier = this.#versions.findIndex((v) => v.ver === ver && sameHashes(v.hashes, hashes))
    if (earlier !== -1) {
      const [version] = this.#versions.splice(earlier, 1)
      if (version) this.#versions.push(version)
      return
    }
    const node = new CapsNode(info)
    const mountpoints = [`${this.node}#${ver}`, ...hashes.map((h) => ecaps2HashNode(h.algo, h.value))]
    for (const mountpoint of mountpoints) this.#server.mountNode(mountpoint, node)
    this.#versions.push({ ver, hashes, node, mountpoints })
    while (this.#versions.length > this.history + 1) {
      const old = this.#versions.shift()
      for (const mountpoint of old?.mountpoints ?? []) {
        if (this.#server.getNode(mountpoint) === old?.node) this.#server.unmountNode(mountpoint)
      }
    }
  }

  #annotate(stanza: XmlElement): void {
    const version = this.#versions.at(-1)
    if (!version) return
    stanza.children = stanza.children.filter((c) => !isCapsElement(c))
    stanza.append(xml('c', { xmlns: NS_CAPS, hash: 'sha-1', node: this.node, ver: version.ver }))
    if (version.hashes.length > 0) {
      stanza.append(
        xml('c', { xmlns: NS_CAPS2 }, ...version.hashes.map((h) => xml('hash', { xmlns: NS_HASHES, algo: h.algo }, h.value))),
      )
    }
    if (stanza.attrs.to === undefined) this.#broadcastVer = version.ver
  }

  /** Notes the app's broadcast presence (the one re-sent on changes); forgets it on unavailable. */
  #track(stanza: XmlElement): void {
    if (stanza.name !== 'presence' || stanza.attrs.to) return
    if (isAvailablePresence(stanza)) {
      const copy = cloneElement(stanza)
      delete copy.attrs.id
      delete copy.attrs.from
      copy.children = copy.children.filter((c) => !isCapsElement(c))
      this.#lastBroadcast = copy
      this.#broadcastVer = undefined
    } else if (stanza.attrs.type === 'unavailable') {
      this.#lastBroadcast = undefined
      this.#broadcastVer = undefined
    }
  }

  /**
   * Annotates the available presences among `stanzas`, then writes them. A
   * presence sent while a ver is being computed (the first, or one for recent
   * changes) waits for it, and whatever is sent meanwhile waits behind it,
   * so stanzas keep their order.
   */
  #send(stanzas: XmlElement[], write: () => Promise<unknown>): Promise<unknown> {
    for (const stanza of stanzas) this.#track(stanza)
    const presences = stanzas.filter(isAvailablePresence)
    const waits = presences.length > 0 && (this.#inProgress > 0 || this.#versions.length === 0)
    if (this.#queued === 0 && !waits) {
      for (const p of presences) this.#annotate(p)
      return write()
    }
    this.#queued++
    const result = this.#tail.then(async () => {
      if (presences.length > 0) {
        this.#flushBurst()
        await this.#computing
      }
      for (const p of presences) this.#annotate(p)
      return write()
    })
    this.#tail = result.then(
      () => this.#queued--,
      () => this.#queued--,
    )
    return result
  }

  // ---- incoming: presences ----

  /** What caps state holds, for diagnostics and tests. */
  get stats(): EntityCapsStats {
    return { jids: this.#jids.size, hashes: this.#verified.size, flights: new Set(this.#flights.values()).size }
  }

  #onPresence(stanza: XmlElement): void {
    const from = stanza.attrs.from
    const jid = from === undefined ? undefined : tryNormalizeJid(from)
    if (jid === undefined) return
    const type = stanza.attrs.type
    if (type === 'unavailable') {
      const record = this.#jids.peek(jid)
      if (record) record.caps = undefined
      return
    }
    if (!isAvailablePresence(stanza)) return
    const caps = readCaps(stanza)
    // No caps: the server may strip unchanged ones (caps optimization); keep what we know.
    if (!caps) return
    let record = this.#jids.get(jid)
    if (record?.caps?.signature === caps.signature) return
    if (!record) {
      record = { caps: undefined, changes: [], throttled: false }
      this.#jids.set(jid, record)
    }
    const now = Date.now()
    record.changes = record.changes.filter((t) => now - t < RATE_WINDOW)
    if (record.changes.length >= this.#maxVersPerMinute) {
      // Flooding: ignore its caps for now; its info comes from plain queries.
      if (!record.throttled) {
        record.throttled = true
        record.caps = undefined
        this.#forget(jid)
      }
      return
    }
    record.throttled = false
    record.changes.push(now)
    record.caps = caps
    // Its info may have changed with its caps.
    this.#forget(jid)
  }

  #forget(jid: string): void {
    for (const client of this.#clients.keys()) client.forgetInfo(jid)
  }

  // ---- incoming: answering DiscoClient ----

  /** InfoSource: the disco#info of `jid` through its caps, or undefined when it advertised none we use. */
  resolveInfo(jid: string, context: { signal: AbortSignal }): Promise<DiscoInfo | undefined> | undefined {
    const caps = this.#jids.peek(jid)?.caps
    if (!caps || caps.legacy) return undefined
    return this.#resolve(jid, context.signal)
  }

  async #resolve(jid: string, signal: AbortSignal): Promise<DiscoInfo | undefined> {
    let storageAsked = false
    for (;;) {
      const caps = this.#jids.get(jid)?.caps
      if (!caps || caps.legacy) return undefined
      for (const key of caps.keys) {
        const known = this.#verified.get(key.id)
        if (known) return structuredClone(known)
      }
      if (this.#persisted && !storageAsked && caps.keys.length > 0) {
        // Once per call: its caps may change while the storage answers; then look again.
        storageAsked = true
        await this.#fromStorage(this.#persisted, caps.keys)
        if (signal.aborted) throw abortReason(signal)
        continue
      }
      const pending = this.#flightFor(jid, caps)
      if (pending) {
        const info = await this.#wait(pending, signal)
        // Its own query answers it, verified or not; another JID's only through a verified hash.
        if (pending.owner === jid && pending.caps === caps) return info
        continue
      }
      return this.#wait(this.#query(jid, caps), signal)
    }
  }

  /** Reads the stored results of `keys`: each that verifies joins the verified ones. */
  async #fromStorage(persisted: PersistedCaps, keys: ShareKey[]): Promise<void> {
    await Promise.all(
      keys.map(async (key) => {
        const info = await persisted.lookup({ id: key.id, kind: key.kind, algo: key.algorithm, value: key.value })
        if (info && !this.#disposed) this.#verified.set(key.id, info)
      }),
    )
  }

  /**
   * Resolves once the results verified so far are in the storage (or given
   * up on: a storage that fails or hangs keeps nothing). Without a storage,
   * at once.
   */
  async saved(): Promise<void> {
    await this.#persisted?.saved()
  }

  #flightFor(jid: string, caps: Advertised): CapsFlight | undefined {
    const own = this.#flights.get(`jid ${jid}`)
    if (own) return own
    for (const key of caps.keys) {
      const flight = this.#flights.get(key.id)
      if (flight) return flight
    }
    return undefined
  }

  /** Waits for `flight` as one waiter: the query is cancelled when the last one leaves. */
  #wait(flight: CapsFlight, signal: AbortSignal): Promise<DiscoInfo | undefined> {
    if (signal.aborted) return Promise.reject(abortReason(signal))
    flight.waiters++
    return new Promise((resolve, reject) => {
      let done = false
      const finish = (): boolean => {
        if (done) return false
        done = true
        flight.waiters--
        signal.removeEventListener('abort', onAbort)
        return true
      }
      const onAbort = (): void => {
        if (!finish()) return
        if (flight.waiters === 0 && !flight.settled) flight.cancel()
        reject(abortReason(signal))
      }
      signal.addEventListener('abort', onAbort, { once: true })
      flight.promise.then(
        (info) => finish() && resolve(info),
        (error: unknown) => finish() && reject(error),
      )
    })
  }

  /**
   * Asks `jid` itself at its caps node. Resolves with the info for `jid`
   * (undefined when the query failed in a way a plain query may not), after
   * storing it under every hash it verifies.
   */
  #query(jid: string, caps: Advertised): CapsFlight {
    const request: PendingRequest = this.#matcher.request(jid, xml('query', { xmlns: NS_DISCO_INFO, node: caps.queryNode }))
    const ids = [`jid ${jid}`, ...caps.keys.map((k) => k.id)]
    let rejectFlight: (reason: unknown) => void = () => {}
    const promise = new Promise<DiscoInfo | undefined>((resolve, reject) => {
      rejectFlight = reject
      request.promise.then(
        (stanza) => this.#verify(stanza, caps).then(resolve, reject),
        (error: unknown) => {
          // The peer does not answer its caps node: the plain query is next.
          if (error instanceof StanzaError) resolve(undefined)
          else reject(error)
        },
      )
    })
    const flight: CapsFlight = {
      owner: jid,
      caps,
      ids,
      promise,
      waiters: 0,
      settled: false,
      cancel: () => {
        request.cancel()
        settle()
        rejectFlight(new DOMException('Every caller left', 'AbortError'))
      },
    }
    const settle = (): void => {
      flight.settled = true
      for (const id of ids) if (this.#flights.get(id) === flight) this.#flights.delete(id)
    }
    for (const id of ids) this.#flights.set(id, flight)
    promise.then(settle, settle)
    return flight
  }

  async #verify(stanza: XmlElement, caps: Advertised): Promise<DiscoInfo | undefined> {
    // Unusable here (no <query/>, another node, no valid identity): the plain query decides.
    const query = stanza.getChild('query', NS_DISCO_INFO)
    if (!query) return undefined
    const echoed = query.attrs.node || undefined
    if (echoed !== undefined && echoed !== caps.queryNode) return undefined
    let info: DiscoInfo
    try {
      info = parseInfo(query)
    } catch {
      return undefined
    }
    delete info.node
    for (const key of caps.keys) {
      const outcome = await verifyCapsHash(query, { kind: key.kind, algo: key.algorithm, value: key.value }).catch(
        () => 'unsupported' as const,
      )
      if (outcome === 'verified') {
        this.#verified.set(key.id, structuredClone(info))
        this.#persisted?.save(key.id, query)
      }
    }
    return info
  }
}

function sameHashes(a: readonly CapsHash[], b: readonly CapsHash[]): boolean {
  return a.length === b.length && a.every((h, i) => h.algo === b[i]?.algo && h.value === b[i]?.value)
}

/** The caps of a presence, or undefined when it carries none we can use. */
function readCaps(stanza: XmlElement): Advertised | undefined {
  const keys: ShareKey[] = []
  const hashes: CapsHash[] = []
  const c2 = stanza.getChild('c', NS_CAPS2)
  for (const hash of c2?.getChildren('hash', NS_HASHES).slice(0, MAX_HASHES_PER_SET) ?? []) {
    const algo = hash.attrs.algo
    const value = hash.getText().trim()
    if (!shortText(algo) || !shortText(value)) continue
    hashes.push({ algo, value })
    const algorithm = ecaps2Algorithm(algo)
    if (algorithm) keys.push({ id: `ecaps2 ${algorithm} ${value}`, kind: 'ecaps2', algorithm, value })
  }
  const c = stanza.getChild('c', NS_CAPS)
  const node = c?.attrs.node
  const ver = c?.attrs.ver
  const hashAttr = c?.attrs.hash
  const legacyCaps = shortText(node) && shortText(ver) ? { node, ver } : undefined
  if (legacyCaps && hashAttr !== undefined && hashAttr.length <= MAX_CAPS_STRING) {
    const algorithm = capsAlgorithm(hashAttr)
    if (algorithm) keys.push({ id: `caps ${algorithm} ${legacyCaps.ver}`, kind: 'caps', algorithm, value: legacyCaps.ver })
  }
  const first = hashes[0]
  const queryNode = legacyCaps ? `${legacyCaps.node}#${legacyCaps.ver}` : first ? ecaps2HashNode(first.algo, first.value) : undefined
  if (queryNode === undefined) return undefined
  const legacy = legacyCaps !== undefined && hashAttr === undefined && hashes.length === 0
  return { queryNode, keys, legacy, signature: JSON.stringify([queryNode, hashAttr ?? null, hashes]) }
}
