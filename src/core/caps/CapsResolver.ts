/**
 * CapsResolver: peers' entity capabilities answering our disco#info queries.
 *
 * XEP-0115 "Discovering Capabilities" (one query to the exact full JID, at
 *   node#ver), 5.4 "Processing Method" (verify before caching globally;
 *   legacy and unknown hashes per JID only), "Security Considerations"
 *   (poisoning, flooding)
 * XEP-0390 section 6.2.1 (only a verified hash is cached; only the most
 *   recent hash set of a JID is used)
 * RFC 6121 section 4.5.2 (an unavailable JID's caps say nothing any more)
 * RFC 6121 section 4.2.2 (after our initial presence in a new session, the
 *   server delivers our contacts' presences, with their caps: PresenceWindow)
 *
 * Presences map each JID to the caps it advertised (CapsState); nothing is
 * sent until its disco#info is asked for. Then, as an InfoSource of
 * DiscoClient, one verification per hash however many JIDs advertise it
 * (CapsVerifier), joined by every JID waiting for that hash and abandoned
 * when the last leaves; with a storage, a stored result is used before
 * anything is sent. Caps that arrive while a plain disco#info query to that
 * JID is in flight are checked against its answer (XEP-0115 5.4 checks the
 * entity's response to a disco#info query): nothing more is sent unless it
 * does not match, and the JID's info is forgotten only once it is checked,
 * so that query is not abandoned.
 *
 * After a new session, caps are known again only as presences come back.
 * Meanwhile a request that refreshes what a contact answered before (its
 * row) waits for that contact's presence, whose caps then answer from the
 * hashes verified already, instead of the row asking the contact itself.
 */
import { ClientHooks } from '../ClientHooks.js'
import type { InfoSource, InfoSourceContext } from '../DiscoClient.js'
import { DiscoEvents } from '../DiscoEvents.js'
import { abortReason } from '../Flight.js'
import { tryNormalizeJid } from '../jid.js'
import type { DiscoInfo } from '../model.js'
import type { Release } from '../Node.js'
import { Session } from '../Session.js'
import type { XmlElement } from '../xml.js'
import type { XmppClient } from '../XmppClient.js'
import { advertisedCaps } from './advertisedCaps.js'
import type { AdvertisedCaps, ReadCaps } from './advertisedCaps.js'
import type { CapsStorage } from './CapsStorage.js'
import { CapsState } from './CapsState.js'
import type { CapsLimits, CapsSnapshot } from './CapsState.js'
import { CapsVerifier } from './CapsVerifier.js'
import { Lru } from './Lru.js'
import { PresenceWindow } from './PresenceWindow.js'
import { join } from './Verifications.js'

export interface CapsResolverOptions extends CapsLimits {
  storage?: CapsStorage | undefined
}

export class CapsResolver implements InfoSource {
  readonly #session: Session
  readonly #state: CapsState
  /** Caps read from presences, for equal caps to share what they are made of (as many as verified hashes). */
  readonly #read: ReadCaps
  readonly #verifier: CapsVerifier
  readonly #events: DiscoEvents
  /** Called when a JID's info may have changed with its caps. */
  readonly #forget: (jid: string) => void
  /** From the end of a session until the presences of the next have come (PresenceWindow). */
  #window: PresenceWindow | undefined
  #detach: Release[]

  /** Reads the presences `xmpp` receives until dispose(); `forget(jid)` when a JID's info may have changed with its caps. */
  constructor(xmpp: XmppClient, options: CapsResolverOptions, forget: (jid: string) => void) {
    this.#session = Session.of(xmpp)
    this.#state = new CapsState(options)
    this.#read = new Lru(options.maxHashes ?? 1000)
    this.#verifier = new CapsVerifier(xmpp, this.#state, options.storage, options.maxHashes ?? 1000)
    this.#forget = forget
    this.#events = DiscoEvents.of(xmpp)
    this.#detach = [
      ClientHooks.of(xmpp).tapIncoming((ctx) => {
        if (ctx.stanza.name === 'presence') this.#onPresence(ctx.stanza)
        return undefined
      }),
      // A new session gets every presence anew.
      this.#session.onEnd(() => {
        this.#window?.close()
        const window = new PresenceWindow(this.#state.hashing())
        this.#state.clear()
        this.#window = window
        // Without stream management the new session's 'online' ended this one: it is up already.
        queueMicrotask(() => {
          if (this.#session.online) window.closeAfter()
        })
      }),
      this.#session.subscribe(() => {
        if (this.#session.online) this.#window?.closeAfter()
      }),
      () => this.#window?.close(),
    ]
  }

  /** JIDs and verified hashes remembered, verification queries waiting. */
  get stats(): { jids: number; hashes: number; flights: number } {
    return { jids: this.#state.jids, hashes: this.#state.verified.size, flights: this.#verifier.size }
  }

  /** What caps state holds: verified hashes and the JIDs advertising them, every JID's caps. */
  snapshot(): CapsSnapshot {
    return this.#state.snapshot()
  }

  /** A presence we received: a JID's caps change or go. */
  #onPresence(stanza: XmlElement): void {
    const from = stanza.attrs.from
    const jid = from === undefined ? undefined : tryNormalizeJid(from)
    if (jid === undefined) return
    this.#readPresence(jid, stanza)
    // Read: what waits for this JID's presence goes on.
    this.#window?.saw(jid)
  }

  #readPresence(jid: string, stanza: XmlElement): void {
    const type = stanza.attrs.type
    if (type === 'unavailable') return this.#state.unavailable(jid)
    if (type !== undefined && type !== '') return
    const caps = advertisedCaps(stanza, this.#read)
    // No caps: the server may strip unchanged ones (caps optimization); keep what we know.
    if (!caps || !this.#state.advertise(jid, caps)) return
    if (!this.#checkInFlight(jid, caps)) this.#forget(jid)
  }

  /**
   * Verifies `caps` with the answer of a plain disco#info query to `jid`
   * already in flight, if there is one (CapsVerifier). The JID's info is
   * forgotten once it is checked, so that query is not abandoned. Returns
   * whether it did.
   */
  #checkInFlight(jid: string, caps: AdvertisedCaps): boolean {
    if (caps.legacy || this.#state.capsOf(jid) !== caps) return false
    return this.#verifier.checkInFlight(jid, caps, () => {
      if (this.#state.capsOf(jid) === caps) this.#forget(jid)
    })
  }

  /** InfoSource: the disco#info of `jid` through its caps, or undefined when it advertised none we use. */
  resolveInfo(jid: string, context: InfoSourceContext): Promise<DiscoInfo | undefined> | undefined {
    const caps = this.#state.capsOf(jid)
    if (caps) return caps.legacy ? undefined : this.#resolve(jid, context.signal)
    // Early in a new session, a row showing what a contact (a full JID)
    // answered in the last one waits for its presence. A new question is
    // asked at once.
    const window = this.#window
    if (!window?.awaits(jid) || !jid.includes('/') || !this.#session.online || !context.refreshing) return undefined
    return window.wait(jid, context.signal).then(() => this.resolveInfo(jid, context))
  }

  /** InfoSource: the disco#info of `jid` from a verified hash it advertises, if one is known now. */
  peekInfo(jid: string): DiscoInfo | undefined {
    const caps = this.#state.capsOf(jid)
    return caps && !caps.legacy ? this.#known(jid, caps) : undefined
  }

  /** The info of a verified hash of `caps`, for `jid`. */
  #known(jid: string, caps: AdvertisedCaps): DiscoInfo | undefined {
    for (const key of caps.keys) {
      const known = this.#state.verified.get(key.id)
      if (!known) continue
      // Told once the caller is done (peekInfo is read while React renders).
      if (this.#events.listening) queueMicrotask(() => this.#events.emit({ type: 'caps-used', jid, hash: key.id, at: Date.now() }))
      return structuredClone(known)
    }
    return undefined
  }

  async #resolve(jid: string, signal: AbortSignal): Promise<DiscoInfo | undefined> {
    let storageAsked = false
    for (;;) {
      const caps = this.#state.capsOf(jid, true)
      if (!caps || caps.legacy) return undefined
      const known = this.#known(jid, caps)
      if (known) return known
      if (this.#verifier.stores && !storageAsked && caps.keys.length > 0) {
        // Once per call: its caps may change while the storage answers; then look again.
        storageAsked = true
        await this.#verifier.fromStorage(caps.keys)
        if (signal.aborted) throw abortReason(signal)
        continue
      }
      const pending = this.#verifier.find(jid, caps)
      if (!pending) return join(this.#verifier.query(jid, caps), signal)
      const info = await join(pending, signal)
      // Its own query answers it, verified or not (a plain answer only verified); another JID's only through a verified hash.
      if (pending.owner === jid && pending.caps === caps && (info !== undefined || !pending.plain)) return info
    }
  }

  /** Resolves once the results verified so far are in the storage (or given up on). */
  saved(): Promise<void> {
    return this.#verifier.saved()
  }

  /** Stops: verification queries abandoned, everything remembered forgotten, the storage left alone. */
  dispose(): void {
    for (const detach of this.#detach) detach()
    this.#detach = []
    this.#window?.close()
    this.#verifier.dispose()
    this.#state.clear(true)
    this.#read.clear()
  }
}
