/**
 * CapsVerifier: asks a peer what its caps stand for, and verifies the answer
 * before it is shared between JIDs.
 *
 * XEP-0115 "Discovering Capabilities" (one query to the exact full JID, at
 *   node#ver), 5.4 "Processing Method" (verify the entity's response to a
 *   disco#info query before caching it globally)
 * XEP-0390 section 6.2.1 (only a verified hash is cached)
 *
 * One verification per hash, however many JIDs advertise it
 * (Verifications). A verified answer joins the verified hashes of CapsState,
 * and the storage if there is one (PersistedCaps); a stored one is read
 * (and verified again) before anything is sent.
 */
import xml from '@xmpp/xml'
import { DiscoEvents } from '../DiscoEvents.js'
import { StanzaError } from '../errors.js'
import { Flight } from '../Flight.js'
import { parseInfo } from '../model.js'
import type { DiscoInfo } from '../model.js'
import { NS_DISCO_INFO } from '../namespaces.js'
import { ReplyMatcher } from '../ReplyMatcher.js'
import type { XmlElement } from '../xml.js'
import type { XmppClient } from '../XmppClient.js'
import type { AdvertisedCaps, ShareKey } from './advertisedCaps.js'
import type { CapsState } from './CapsState.js'
import type { CapsStorage } from './CapsStorage.js'
import { PersistedCaps } from './PersistedCaps.js'
import { Verifications } from './Verifications.js'
import type { Verification } from './Verifications.js'
import { verifyCapsHash } from './verifyCapsHash.js'

/** A plain disco#info query (no node): what a DiscoClient sends when caps do not answer. */
const isPlainInfo = (payload: XmlElement): boolean => payload.getNS() === NS_DISCO_INFO && !payload.attrs.node

export class CapsVerifier {
  readonly #matcher: ReplyMatcher
  readonly #events: DiscoEvents
  readonly #state: CapsState
  readonly #persisted: PersistedCaps | undefined
  readonly #flights = new Verifications()
  #disposed = false

  /** Verifies what `xmpp` is answered into `state`'s verified hashes (and `storage`, keeping at most `maxHashes`). */
  constructor(xmpp: XmppClient, state: CapsState, storage: CapsStorage | undefined, maxHashes: number) {
    this.#matcher = ReplyMatcher.for(xmpp)
    this.#events = DiscoEvents.of(xmpp)
    this.#state = state
    this.#persisted = storage && new PersistedCaps(storage, maxHashes)
  }

  /** Verifications waiting for their reply. */
  get size(): number {
    return this.#flights.size
  }

  /** The verification serving `jid`, else one that may verify one of `caps`' hashes. */
  find(jid: string, caps: AdvertisedCaps): Verification | undefined {
    return this.#flights.find(jid, caps)
  }

  /**
   * Asks `jid` itself at its caps node. The flight resolves with the info for
   * `jid` (undefined when the query failed in a way a plain query may not),
   * after storing it under every hash it verifies.
   */
  query(jid: string, caps: AdvertisedCaps): Verification {
    const flight = new Flight<DiscoInfo | undefined>((stop) => {
      const request = this.#matcher.request(jid, xml('query', { xmlns: NS_DISCO_INFO, node: caps.queryNode }))
      stop.onStop(request.cancel)
      return request.promise.then(
        async (stanza) => (await this.#verify(stanza, caps, jid, caps.queryNode))?.info,
        (error: unknown) => {
          // The peer does not answer its caps node: the plain query is next.
          if (error instanceof StanzaError) return undefined
          throw error
        },
      )
    })
    return this.#flights.add({ owner: jid, caps, flight })
  }

  /**
   * Verifies `caps` with the answer of a plain disco#info query to `jid`
   * already in flight, if there is one and nothing else would answer them:
   * a Verification asking nothing, which those waiting for the hash join.
   * `checked` runs once it is checked (verified, the JID's refetch costs
   * nothing). Returns whether it did.
   */
  checkInFlight(jid: string, caps: AdvertisedCaps, checked: () => void): boolean {
    if (caps.keys.some((key) => this.#state.verified.peek(key.id) !== undefined || this.#flights.has(key.id))) return false
    const reply = this.#matcher.follow(jid, isPlainInfo)
    if (!reply) return false
    const answer = reply.then(
      async (stanza) => {
        const result = await this.#verify(stanza, caps, jid, undefined)
        return result?.verified ? result.info : undefined
      },
      // Failed or abandoned: whoever asks next gets node#ver.
      () => undefined,
    )
    const { flight } = this.#flights.add({ owner: jid, caps, plain: true, flight: new Flight(() => answer) })
    const done = (): void => {
      if (!this.#disposed) checked()
    }
    flight.promise.then(done, done)
    return true
  }

  /** Whether a storage may hold verified results. */
  get stores(): boolean {
    return this.#persisted !== undefined
  }

  /** Reads the stored results of `keys`: each that verifies joins the verified ones. */
  async fromStorage(keys: readonly ShareKey[]): Promise<void> {
    const persisted = this.#persisted
    if (!persisted) return
    await Promise.all(
      keys.map(async (key) => {
        const info = await persisted.lookup({ id: key.id, kind: key.kind, algo: key.algorithm, value: key.value })
        if (info && !this.#disposed) this.#state.verified.set(key.id, info)
      }),
    )
  }

  /** Resolves once the results verified so far are in the storage (or given up on). */
  async saved(): Promise<void> {
    await this.#persisted?.saved()
  }

  /** The info in `stanza` (a reply for `node`) for `jid`, stored under every hash of `caps` it verifies. */
  async #verify(stanza: XmlElement, caps: AdvertisedCaps, jid: string, node: string | undefined): Promise<{ info: DiscoInfo; verified: boolean } | undefined> {
    // Unusable here (no <query/>, another node, no valid identity): the plain query decides.
    const query = stanza.getChild('query', NS_DISCO_INFO)
    if (!query) return undefined
    const echoed = query.attrs.node || undefined
    if (echoed !== undefined && echoed !== node) return undefined
    let info: DiscoInfo
    try {
      info = parseInfo(query)
    } catch {
      return undefined
    }
    delete info.node
    let verified = false
    for (const key of caps.keys) {
      const outcome = await verifyCapsHash(query, { kind: key.kind, algo: key.algorithm, value: key.value }).catch(() => 'unsupported' as const)
      if (this.#disposed) continue
      if (outcome === 'verified') {
        verified = true
        this.#state.verified.set(key.id, structuredClone(info))
        this.#persisted?.save(key.id, query)
      }
      if (!this.#events.listening) continue
      const event = { jid, hash: key.id, node, at: Date.now() }
      this.#events.emit(outcome === 'verified' ? { type: 'caps-verified', ...event } : { type: 'caps-unverified', ...event, outcome })
    }
    return { info, verified }
  }

  /** Stops: verification queries abandoned, the storage left alone. */
  dispose(): void {
    this.#disposed = true
    this.#flights.abortAll(new DOMException('Entity capabilities were turned off', 'AbortError'))
    this.#persisted?.dispose()
  }
}
