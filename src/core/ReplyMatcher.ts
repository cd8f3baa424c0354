/**
 * ReplyMatcher: sends IQ gets and matches their replies on id AND sender.
 *
 * RFC 6120 section 8.2.3 (an IQ reply carries the request's id) and 10.3.3
 * (a reply from our own account or server may come without `from`).
 * XEP-0030 section 8 (security: disco results steer what a client does, so a
 * reply is trusted only from the entity that was asked).
 * XEP-0198 (a resumed session keeps its pending requests).
 *
 * @xmpp/iq's caller matches on the id alone, so this one taps the incoming
 * stanzas itself, and only while a request waits for its reply. One per
 * xmpp.js client, shared by every DiscoClient and EntityCaps.
 */
import xml from '@xmpp/xml'
import { DisconnectedError, STANZA_ERROR_CONDITIONS, StanzaError } from './errors.js'
import type { StanzaErrorCondition, StanzaErrorType } from './errors.js'
import { ClientHooks, once } from './ClientHooks.js'
import { decodeAcrossChunks } from './decodeAcrossChunks.js'
import { DiscoEvents } from './DiscoEvents.js'
import type { DiscoEventKind } from './DiscoEvents.js'
import { tryNormalizeJid } from './jid.js'
import { NS_DISCO_ITEMS, NS_STANZAS } from './namespaces.js'
import type { Release } from './Node.js'
import { Session, connected } from './Session.js'
import type { XmlElement } from './xml.js'
import type { IncomingContext, XmppClient } from './XmppClient.js'

interface Pending {
  /** The normalised JID asked; the reply must come from it. */
  to: string
  /** What was asked (for DiscoEvents). */
  payload: XmlElement
  /** When it went out, if someone listened to DiscoEvents then (else 0). */
  sentAt: number
  /** It went out once already: going out again (after a resumption) is `re-asked`. */
  asked?: boolean
  resolve(stanza: XmlElement): void
  reject(error: unknown): void
  /** Others reading the reply (follow()): told what the request is told, and of its cancel. */
  followers?: Pick<Pending, 'resolve' | 'reject'>[] | undefined
}

/** A request waiting for the session before it goes out. */
interface Waiting {
  send: () => void
  /**
   * Its write failed on a connection dying under a resumable session: it goes
   * again only once the session has been down and is back (resumed).
   */
  afterDrop: boolean
  wentDown: boolean
}

/** A request on the wire: its reply promise and the way to stop waiting for it. */
export interface PendingRequest {
  promise: Promise<XmlElement>
  /** Forgets the request: a reply arriving later is ignored. */
  cancel(): void
}

const CONDITIONS: ReadonlySet<string> = new Set(STANZA_ERROR_CONDITIONS)
const ERROR_TYPES: ReadonlySet<string> = new Set(['auth', 'cancel', 'continue', 'modify', 'wait'])

/** An `<iq type='error'/>` as a StanzaError; a missing or unknown condition is undefined-condition. */
export function stanzaErrorFrom(iq: XmlElement): StanzaError {
  const error = iq.getChild('error')
  if (!error) return new StanzaError('undefined-condition', { text: 'error reply without <error/>' })
  const conditionEl = error.getChildElements().find((c) => c.getNS() === NS_STANZAS && c.name !== 'text')
  const condition = (
    conditionEl && CONDITIONS.has(conditionEl.name) ? conditionEl.name : 'undefined-condition'
  ) as StanzaErrorCondition
  const type = error.attrs.type
  const text = error.getChildText('text', NS_STANZAS) ?? undefined
  return new StanzaError(condition, {
    type: type !== undefined && ERROR_TYPES.has(type) ? (type as StanzaErrorType) : undefined,
    text: text || undefined,
    element: error,
  })
}

const matchers = new WeakMap<XmppClient, ReplyMatcher>()

export class ReplyMatcher {
  readonly #xmpp: XmppClient
  readonly #session: Session
  readonly #events: DiscoEvents
  readonly #pending = new Map<string, Pending>()
  readonly #prefix = Math.random().toString(36).slice(2, 10)
  #counter = 0
  /** What is attached to the client: only while held or while a request waits for its reply. */
  #detach: Release[] = []
  #holders = 0
  /**
   * Requests waiting for the session, in the order they came: those asked
   * while it settles (stream management being enabled) and those whose write
   * failed as the connection died. One subscription while any waits.
   */
  readonly #waiting = new Map<string, Waiting>()
  #stopWatching: Release | undefined

  /** The ReplyMatcher of `xmpp`. It listens to the client only while held or while a request is pending. */
  static for(xmpp: XmppClient): ReplyMatcher {
    let matcher = matchers.get(xmpp)
    if (!matcher) {
      matcher = new ReplyMatcher(xmpp)
      matchers.set(xmpp, matcher)
    }
    return matcher
  }

  private constructor(xmpp: XmppClient) {
    this.#xmpp = xmpp
    this.#session = Session.of(xmpp)
    this.#events = DiscoEvents.of(xmpp)
  }

  /** How many requests wait for a reply. */
  get pendingCount(): number {
    return this.#pending.size
  }

  /** Calls `listener` whenever the XMPP session ends without resumption. Returns the unsubscribe. */
  onSessionEnd(listener: () => void): () => void {
    return this.#session.onEnd(listener)
  }

  /**
   * Sends `<iq type='get' to=to>payload</iq>`; `to` must be normalised.
   * Without a connection nothing is sent and the promise rejects with
   * DisconnectedError; a session that ends (not resumed) rejects it too.
   */
  request(to: string, payload: XmlElement): PendingRequest {
    // Being resumed: it waits below for the session.
    if (!connected(this.#xmpp)) {
      return { promise: Promise.reject(new DisconnectedError()), cancel: () => {} }
    }
    const id = `disco-${this.#prefix}-${(++this.#counter).toString(36)}`
    let cancel = (): void => {}
    const promise = new Promise<XmlElement>((resolve, reject) => {
      const pending: Pending = { to, payload, sentAt: 0, resolve, reject }
      this.#add(id, pending)
      cancel = () => {
        if (!this.#delete(id)) return
        this.#emit('abandoned', id, pending)
        for (const f of pending.followers ?? []) f.reject(new DOMException('The request was abandoned', 'AbortError'))
      }
      const send = (): void => {
        // Cancelled, or its session ended, while it waited to go out.
        if (!this.#pending.has(id)) return
        this.#emit(pending.asked ? 're-asked' : 'asked', id, pending)
        pending.asked = true
        // Its reply may be large: read it whole (xmpp.js decodes each TCP read on its own).
        decodeAcrossChunks(this.#xmpp)
        this.#xmpp.send(xml('iq', { type: 'get', to, id }, payload)).catch((err: unknown) => {
          if (!this.#pending.has(id)) return
          // In a resumable XEP-0198 session a failed write is a connection
          // dying under it before xmpp.js noticed: the IQ did not go out, and
          // after the resumption xmpp.js resends only what it wrote. Ask again
          // once the session is back; a session that ends instead rejects it
          // (#endSession).
          if (this.#xmpp.streamManagement?.id) return this.#wait(id, send, true)
          this.#delete(id)
          // Not written, so never answered: the connection is failing under
          // xmpp.js (which may say so with a bare TypeError from its socket).
          this.#fail(id, pending, new DisconnectedError('The request could not be sent: the connection failed', { cause: err }))
        })
      }
      // Bound, but stream management is being enabled: what we would be
      // answered before xmpp.js counts stanzas would be miscounted (Session).
      if (!this.#session.online) return this.#wait(id, send, false)
      // Those that waited go first (this request may come before their listener).
      if (this.#waiting.size > 0) this.#onSession()
      send()
    })
    return { promise, cancel }
  }

  /**
   * The reply of a request pending to `to` whose payload `matches`, for one
   * more reader (entity capabilities verifying a plain disco#info answer):
   * it settles as the request does, and rejects with an AbortError when its
   * callers cancel it. Following does not keep the request: undefined when
   * none is pending.
   */
  follow(to: string, matches: (payload: XmlElement) => boolean): Promise<XmlElement> | undefined {
    if (this.#pending.size === 0) return undefined
    for (const pending of this.#pending.values()) {
      if (pending.to !== to || !matches(pending.payload)) continue
      return new Promise<XmlElement>((resolve, reject) => {
        ;(pending.followers ??= []).push({ resolve, reject })
      })
    }
    return undefined
  }

  #wait(id: string, send: () => void, afterDrop: boolean): void {
    this.#waiting.set(id, { send, afterDrop, wentDown: !this.#session.online })
    this.#stopWatching ??= this.#session.subscribe(this.#onSession)
  }

  /** Sends, in order, what waited for the session to be up (after a drop: to be up again). */
  readonly #onSession = (): void => {
    const online = this.#session.online
    const ready: Waiting[] = []
    for (const [id, waiting] of this.#waiting) {
      if (!online) waiting.wentDown = true
      else if (!waiting.afterDrop || waiting.wentDown) {
        this.#waiting.delete(id)
        ready.push(waiting)
      }
    }
    this.#unwatchIfIdle()
    for (const { send, afterDrop } of ready) {
      // After a drop: after the listeners of this status change. When it is a
      // new session's 'online', the end of ours comes next and rejects the
      // request instead (send() then finds it gone).
      if (afterDrop) queueMicrotask(send)
      else send()
    }
  }

  #unwatchIfIdle(): void {
    if (this.#waiting.size > 0 || !this.#stopWatching) return
    this.#stopWatching()
    this.#stopWatching = undefined
  }

  /**
   * Keeps the matcher attached to the client until the returned release,
   * even while nothing is pending (a DiscoClient holds it while attached:
   * no attaching and detaching around every request).
   */
  retain(): Release {
    this.#holders++
    this.#update()
    return once(() => {
      this.#holders--
      this.#update()
    })
  }

  #add(id: string, pending: Pending): void {
    this.#pending.set(id, pending)
    if (this.#pending.size === 1) this.#update()
  }

  #delete(id: string): boolean {
    if (this.#waiting.delete(id)) this.#unwatchIfIdle()
    const deleted = this.#pending.delete(id)
    if (deleted && this.#pending.size === 0) this.#update()
    return deleted
  }

  /** Attached while held or while a request is pending; detached otherwise. */
  #update(): void {
    const needed = this.#holders > 0 || this.#pending.size > 0
    if (needed && this.#detach.length === 0) {
      this.#detach = [ClientHooks.of(this.#xmpp).tapIncoming(this.#match), this.#session.onEnd(this.#endSession)]
    } else if (!needed && this.#detach.length > 0) {
      for (const detach of this.#detach) detach()
      this.#detach = []
    }
  }

  readonly #match = (ctx: IncomingContext): boolean => {
    const { stanza } = ctx
    if (stanza.name !== 'iq') return false
    const type = stanza.attrs.type
    if (type !== 'result' && type !== 'error') return false
    const id = stanza.attrs.id
    const pending = id === undefined ? undefined : this.#pending.get(id)
    if (!pending || id === undefined) return false
    if (!this.#fromMatches(stanza.attrs.from, pending.to)) {
      if (this.#events.listening) this.#events.emit({ type: 'spoofed', id, to: pending.to, from: stanza.attrs.from, at: Date.now() })
      return false
    }
    this.#delete(id)
    if (type === 'error') {
      this.#fail(id, pending, stanzaErrorFrom(stanza))
    } else {
      this.#emit('answered', id, pending)
      pending.resolve(stanza)
      for (const f of pending.followers ?? []) f.resolve(stanza)
    }
    return true
  }

  #fail(id: string, pending: Pending, error: unknown): void {
    this.#emit('failed', id, pending, error)
    pending.reject(error)
    for (const f of pending.followers ?? []) f.reject(error)
  }

  /** Emits a DiscoEvent about a request: nothing is read or built while nobody listens. */
  #emit(type: 'asked' | 're-asked' | 'answered' | 'abandoned' | 'failed', id: string, pending: Pending, error?: unknown): void {
    if (!this.#events.listening) return
    const at = Date.now()
    const kind: DiscoEventKind = pending.payload.getNS() === NS_DISCO_ITEMS ? 'items' : 'info'
    const base = { id, to: pending.to, kind, node: pending.payload.attrs.node, at }
    if (type === 'asked') {
      pending.sentAt = at
      return this.#events.emit({ type, ...base })
    }
    // One logical query: its latency still counts from the first ask.
    if (type === 're-asked') return this.#events.emit({ type, ...base })
    const latency = pending.sentAt === 0 ? undefined : at - pending.sentAt
    // What rejects a request is an Error: a StanzaError, a DisconnectedError, or xmpp.js's send failing.
    this.#events.emit(type === 'failed' ? { type, ...base, latency, error: error as Error } : { type, ...base, latency })
  }

  #fromMatches(from: string | undefined, to: string): boolean {
    if (from === undefined || from === '') {
      // Our server answers for our own account and for itself without `from`.
      const own = this.#xmpp.jid
      if (!own) return false
      return to === own.bare().toString() || to === own.domain
    }
    // `to` is canonical: a reply from exactly it needs no parsing. Stringprep servers (Prosody 0.12,
    // ejabberd) map the resource with NFKC too ('ｘ' is 'x'), where normalizeJid keeps RFC 7622's NFC:
    // the resource asked, as the server wrote it.
    const normalized = from === to ? to : tryNormalizeJid(from)
    return normalized === to || normalized === to.normalize('NFKC')
  }

  readonly #endSession = (): void => {
    const pending = [...this.#pending]
    this.#pending.clear()
    this.#waiting.clear()
    this.#unwatchIfIdle()
    this.#update()
    for (const [id, p] of pending) this.#fail(id, p, new DisconnectedError())
  }
}
