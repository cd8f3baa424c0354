/**
 * EntityCaps: entity capabilities in both directions, for one xmpp.js client.
 *
 * XEP-0115 (Entity Capabilities) and XEP-0390 (Entity Capabilities 2.0):
 * "on" means both directions. Each direction has its room: CapsAdvertiser
 * (ours: ver, <c/> on our presences, node#ver), CapsResolver (theirs: peers'
 * caps answering our disco#info queries, verified, bounded, optionally kept
 * in a storage). This facade turns them on and off together, and is what a
 * DiscoProvider's `caps={entityCaps(options)}` holds.
 */
import { DiscoClient } from '../DiscoClient.js'
import type { InfoSource, InfoSourceContext } from '../DiscoClient.js'
import { DiscoServer } from '../DiscoServer.js'
import { once } from '../ClientHooks.js'
import { DiscoError, InvalidInputError } from '../errors.js'
import type { DiscoInfo } from '../model.js'
import type { Release } from '../Node.js'
import { assertText } from '../validate.js'
import type { XmppClient } from '../XmppClient.js'
import type { CapsHash } from './advertisedCaps.js'
import { CapsAdvertiser } from './CapsAdvertiser.js'
import { CapsResolver } from './CapsResolver.js'
import type { CapsSnapshot } from './CapsState.js'
import { DEFAULT_HISTORY, configOf } from './EntityCapsOptions.js'
import type { EntityCapsOptions } from './EntityCapsOptions.js'

export type { CapsHash } from './advertisedCaps.js'
export type { EntityCapsOptions } from './EntityCapsOptions.js'

/** One of our vers, with its XEP-0390 hash set (empty with ecaps2: false). */
export interface CapsVersionInfo {
  ver: string
  hashes: readonly CapsHash[]
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

/**
 * What DiscoProvider's `caps` takes: entity capabilities as a plugin, so an
 * app that does not turn them on does not ship them. Make one with
 * entityCaps(options).
 */
export interface CapsPlugin {
  /** Equal for equal options: a new plugin with the same key changes nothing. */
  readonly key: string
  /** Turns caps on for `xmpp`, answering `client`'s queries, until the returned release. */
  attach(xmpp: XmppClient, client: DiscoClient): Release
}

const instances = new WeakMap<XmppClient, EntityCaps>()
/** Obtained through EntityCaps.for: only dispose() ends them. */
const held = new WeakSet<EntityCaps>()
const configs = new WeakMap<EntityCaps, string>()

/**
 * Entity capabilities for `<DiscoProvider caps={entityCaps({ node })}>`.
 * Live: a plugin with other options replaces the caps the provider made,
 * `caps={undefined}` turns them off. `storage` keeps verified caps across
 * reloads: create it once (module scope), since a new object is a new option.
 */
export function entityCaps(options: Omit<EntityCapsOptions, 'discoClient'>): CapsPlugin {
  const key = configOf(options)
  return {
    key,
    attach(xmpp, client) {
      // A live one with other options: an error if the app made it, replaced if a provider did.
      const existing = instances.get(xmpp)
      if (existing && configs.get(existing) !== key) {
        if (held.has(existing)) throw new DiscoError('This client has entity capabilities with other options already')
        existing.dispose()
      }
      const caps = instances.get(xmpp) ?? new EntityCaps(xmpp, options)
      const releases = [caps.mount(), caps.serve(client)]
      return () => releases.forEach((release) => release())
    },
  }
}

export class EntityCaps implements InfoSource {
  readonly #xmpp: XmppClient
  readonly node: string
  readonly ecaps2: boolean
  readonly history: number
  readonly #advertiser: CapsAdvertiser
  readonly #resolver: CapsResolver
  /** The DiscoClients this answers for, with the removal of each. */
  readonly #clients = new Map<DiscoClient, Release>()
  #mounts = 0
  #disposed = false

  /**
   * The EntityCaps of `xmpp`, created (and turned on) on first use, on until
   * dispose(). A later call may add a DiscoClient; a different node, ecaps2
   * or history throws.
   */
  static for(xmpp: XmppClient, options: EntityCapsOptions): EntityCaps {
    let caps = instances.get(xmpp)
    if (!caps) {
      caps = new EntityCaps(xmpp, options)
    } else if (caps.node !== options.node || caps.ecaps2 !== (options.ecaps2 ?? true) || caps.history !== (options.history ?? DEFAULT_HISTORY)) {
      throw new DiscoError('This client has entity capabilities with other options already')
    }
    held.add(caps)
    // Its last provider may have let go in this tick: held now, it stays on.
    caps.#advertiser.resume()
    caps.serve(options.discoClient ?? DiscoClient.for(xmpp))
    return caps
  }

  /** The entity capabilities that are on for `xmpp`, if any (however they were turned on); creates nothing. */
  static find(xmpp: XmppClient): EntityCaps | undefined {
    return instances.get(xmpp)
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
    instances.set(xmpp, this)
    configs.set(this, configOf(options))
    this.#advertiser = new CapsAdvertiser(xmpp, DiscoServer.for(xmpp), this)
    this.#resolver = new CapsResolver(xmpp, options, (jid) => {
      // Its info may have changed with its caps.
      for (const client of this.#clients.keys()) client.forgetInfo(jid)
    })
  }

  /** Answers `client`'s plain disco#info queries through peers' caps, until the returned release. */
  serve(client: DiscoClient): Release {
    this.#assertLive()
    const existing = this.#clients.get(client)
    if (existing) return existing
    const removeSource = client.addInfoSource(this.#resolver)
    const release = once(() => {
      removeSource()
      this.#clients.delete(client)
    })
    this.#clients.set(client, release)
    return release
  }

  /**
   * Holds caps on until the returned release (a DiscoProvider calls it in an
   * effect). When the last holder releases, our presences carry no caps from
   * then on, and caps are disposed at the end of the task, unless they were
   * obtained with EntityCaps.for or a new holder came meanwhile (then they
   * carry them again).
   */
  mount(): Release {
    this.#assertLive()
    this.#mounts++
    this.#advertiser.resume()
    return once(() => {
      this.#mounts--
      // Off at once for what the app sends in this tick; disposed at the end of it.
      if (this.#mounts === 0 && !held.has(this)) this.#advertiser.suspend()
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
    for (const release of [...this.#clients.values()]) release()
    this.#advertiser.dispose()
    this.#resolver.dispose()
  }

  #assertLive(): void {
    if (this.#disposed) throw new DiscoError('These entity capabilities were disposed: use EntityCaps.for(xmpp, options)')
  }

  /** The current XEP-0115 ver (undefined until first computed). */
  get ver(): string | undefined {
    return this.#advertiser.ver
  }

  /** The current XEP-0390 hash set (empty with ecaps2: false). */
  get hashes(): readonly CapsHash[] {
    return this.#advertiser.hashes
  }

  /** Our vers still answered at their nodes, newest (current) first: the current one and up to `history` previous ones. */
  get versions(): CapsVersionInfo[] {
    return this.#advertiser.versions
  }

  /** Resolves once the vers of every change so far are computed, and the presence announcing them (if any) is sent. */
  update(): Promise<void> {
    return this.#advertiser.update()
  }

  /** What caps state holds, for diagnostics and tests. */
  get stats(): EntityCapsStats {
    return this.#resolver.stats
  }

  /** Peers' caps as remembered now (a copy): verified hashes with the JIDs advertising them, and every JID's caps. */
  snapshot(): CapsSnapshot {
    return this.#resolver.snapshot()
  }

  /**
   * Resolves once the results verified so far are in the storage (or given
   * up on: a storage that fails or hangs keeps nothing). Without a storage,
   * at once.
   */
  saved(): Promise<void> {
    return this.#resolver.saved()
  }

  /** InfoSource: the disco#info of `jid` through its caps, or undefined when it advertised none we use. */
  resolveInfo(jid: string, context: InfoSourceContext): Promise<DiscoInfo | undefined> | undefined {
    return this.#resolver.resolveInfo(jid, context)
  }

  /** InfoSource: the disco#info of `jid` from a verified caps hash it advertises, if one is known now. */
  peekInfo(jid: string): DiscoInfo | undefined {
    return this.#resolver.peekInfo(jid)
  }
}
