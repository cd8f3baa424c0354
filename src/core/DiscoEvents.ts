/**
 * DiscoEvents: what disco does for one xmpp.js client, as events: the
 * queries we send and what became of them, the queries we answer, spoofed
 * replies ignored, and (with entity capabilities) verifications. For
 * devtools (`react-xmpp-disco/devtools`) and an app's own logging.
 *
 * One per xmpp.js client, like the ReplyMatcher and DiscoServer that emit
 * them. Emitting costs nothing while nobody listens: every emitter checks
 * `listening` before it reads a clock or builds an event.
 */
import type { Release } from './Node.js'
import type { XmppClient } from './XmppClient.js'

/** What a request asks for: disco#info or disco#items. */
export type DiscoEventKind = 'info' | 'items'

interface RequestEvent {
  /** The IQ id: every event about one request carries it. */
  id: string
  /** The JID asked (normalised). */
  to: string
  kind: DiscoEventKind
  /** The node asked, if any (a caps verification asks `node#ver`). */
  node: string | undefined
  /** When it happened (Date.now()). */
  at: number
}

interface Settled extends RequestEvent {
  /** Milliseconds since the request went out; undefined when nobody listened then. */
  latency: number | undefined
}

/** A query went on the wire. */
export interface AskedEvent extends RequestEvent {
  type: 'asked'
}

/**
 * The same query went on the wire again, with the same `id`, once the
 * stream was resumed (XEP-0198): its first write failed on a dying
 * connection, and xmpp.js resends after a resumption only what it wrote.
 * One logical query: `asked` once, then `re-asked` (once per resumption),
 * then one end (answered, failed, abandoned), whose `latency` counts from
 * `asked`, the time its callers waited. The devtools keep it on its one row,
 * marked "re-asked".
 */
export interface ReaskedEvent extends RequestEvent {
  type: 're-asked'
}

/** Its result came, from the JID asked. */
export interface AnsweredEvent extends Settled {
  type: 'answered'
}

/** It failed: an error reply (StanzaError), a send that failed or a session that ended (DisconnectedError). */
export interface FailedEvent extends Settled {
  type: 'failed'
  error: Error
}

/**
 * Nobody waits for its reply any more: every caller timed out or aborted
 * (an unmounted hook, a signal), or it was dropped before it went out. A
 * reply arriving later is ignored.
 */
export interface AbandonedEvent extends Settled {
  type: 'abandoned'
}

/** A reply with a pending request's id came from another JID: ignored (the real one still resolves it). */
export interface SpoofedEvent {
  type: 'spoofed'
  id: string
  /** The JID the request went to. */
  to: string
  /** Who sent the reply (undefined: no `from`, which only our own account or server may omit). */
  from: string | undefined
  at: number
}

/** We answered a query (our DiscoServer). */
export interface ServedEvent {
  type: 'served'
  id: string
  /** Who asked. */
  from: string | undefined
  kind: DiscoEventKind
  node: string | undefined
  at: number
  /** The stanza error condition we answered with (item-not-found, ...); undefined for a result. */
  error: string | undefined
}

/** A peer's caps answer was checked against the hash it advertised (entity capabilities). */
export interface CapsVerifiedEvent {
  type: 'caps-verified'
  /** The JID that answered. */
  jid: string
  /** The hash: `caps sha-1 <ver>` (XEP-0115) or `ecaps2 sha-256 <hash>` (XEP-0390). */
  hash: string
  /**
   * The node asked (`node#ver` or the XEP-0390 hash node); undefined when the
   * answer of a plain disco#info query, in flight when the caps came, was checked.
   */
  node: string | undefined
  at: number
}

/** A peer's caps answer does not verify: it serves that JID only, never shared. */
export interface CapsUnverifiedEvent {
  type: 'caps-unverified'
  jid: string
  hash: string
  node: string | undefined
  /** Why: the hash differs, the answer is ill-formed or ambiguous, or the algorithm is not available. */
  outcome: 'mismatch' | 'ill-formed' | 'ambiguous' | 'unsupported'
  at: number
}

/** A JID's disco#info came from a verified hash it advertised: nothing was sent. */
export interface CapsUsedEvent {
  type: 'caps-used'
  jid: string
  hash: string
  at: number
}

export type DiscoEvent =
  | AskedEvent
  | ReaskedEvent
  | AnsweredEvent
  | FailedEvent
  | AbandonedEvent
  | SpoofedEvent
  | ServedEvent
  | CapsVerifiedEvent
  | CapsUnverifiedEvent
  | CapsUsedEvent

export type DiscoEventListener = (event: DiscoEvent) => void

const sources = new WeakMap<XmppClient, DiscoEvents>()

export class DiscoEvents {
  readonly #listeners = new Set<DiscoEventListener>()

  /** The events of `xmpp` (created on first use; nothing is attached to the client). */
  static of(xmpp: XmppClient): DiscoEvents {
    let events = sources.get(xmpp)
    if (!events) {
      events = new DiscoEvents()
      sources.set(xmpp, events)
    }
    return events
  }

  private constructor() {}

  /** Whether anyone listens: emitters build no event otherwise. */
  get listening(): boolean {
    return this.#listeners.size > 0
  }

  /** Calls `listener` with every event from now on. Returns the unsubscribe. */
  subscribe(listener: DiscoEventListener): Release {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  /** Hands `event` to every listener. A listener that throws does not stop the others, nor the emitter. */
  emit(event: DiscoEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event)
      } catch (error) {
        // Reported, like an unhandled error, without breaking the query that emitted.
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }
}
