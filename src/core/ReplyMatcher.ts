/**
 * ReplyMatcher: sends IQ gets and matches their replies on id AND sender.
 *
 * RFC 6120 section 8.2.3 (an IQ reply carries the request's id) and 10.3.3
 * (a reply from our own account or server may come without `from`).
 * XEP-0030 section 8 (security: disco results steer what a client does, so a
 * reply is trusted only from the entity that was asked).
 * XEP-0198 (a resumed session keeps its pending requests).
 *
 * @xmpp/iq's caller matches on the id alone, so this one runs its own
 * middleware beside it. One per xmpp.js client, shared by every DiscoClient.
 */
import xml from '@xmpp/xml'
import { DisconnectedError, STANZA_ERROR_CONDITIONS, StanzaError } from './errors.js'
import type { StanzaErrorCondition, StanzaErrorType } from './errors.js'
import { tryNormalizeJid } from './jid.js'
import { NS_STANZAS } from './namespaces.js'
import type { XmlElement } from './xml.js'
import type { IncomingContext, XmppClient } from './XmppClient.js'

interface Pending {
  /** The normalised JID asked; the reply must come from it. */
  to: string
  resolve(stanza: XmlElement): void
  reject(error: unknown): void
}

/** A request on the wire: its reply promise and the way to stop waiting for it. */
export interface PendingRequest {
  promise: Promise<XmlElement>
  /** Forgets the request: a reply arriving later is ignored. */
  cancel(): void
}

/** How long after xmpp.js's reconnect delay a reconnection must have started (ms). */
const RESUME_GRACE = 1000

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
  readonly #pending = new Map<string, Pending>()
  readonly #sessionEndListeners = new Set<() => void>()
  readonly #prefix = Math.random().toString(36).slice(2, 10)
  #counter = 0
  #resumeTimer: ReturnType<typeof setTimeout> | undefined
  /** Whether a session began that has not ended (so a fresh 'online' ends it). */
  #inSession: boolean

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
    this.#inSession = xmpp.status === 'online'
    xmpp.middleware.use((ctx, next) => (this.#match(ctx) ? undefined : next()))
    xmpp.on('online', this.#onOnline)
    xmpp.on('disconnect', this.#onDisconnect)
    xmpp.on('offline', this.#endSession)
    xmpp.streamManagement?.on?.('resumed', this.#onResumed)
  }

  /** How many requests wait for a reply. */
  get pendingCount(): number {
    return this.#pending.size
  }

  /** Calls `listener` whenever the XMPP session ends without resumption. Returns the unsubscribe. */
  onSessionEnd(listener: () => void): () => void {
    this.#sessionEndListeners.add(listener)
    return () => this.#sessionEndListeners.delete(listener)
  }

  /** Sends `<iq type='get' to=to>payload</iq>`; `to` must be normalised. */
  request(to: string, payload: XmlElement): PendingRequest {
    const id = `disco-${this.#prefix}-${(++this.#counter).toString(36)}`
    let cancel = (): void => {}
    const promise = new Promise<XmlElement>((resolve, reject) => {
      this.#pending.set(id, { to, resolve, reject })
      cancel = () => {
        this.#pending.delete(id)
      }
      this.#xmpp.send(xml('iq', { type: 'get', to, id }, payload)).catch((err: unknown) => {
        if (this.#pending.delete(id)) reject(this.#xmpp.status === 'online' ? err : new DisconnectedError())
      })
    })
    return { promise, cancel }
  }

  #match(ctx: IncomingContext): boolean {
    const { stanza } = ctx
    if (stanza.name !== 'iq') return false
    const type = stanza.attrs.type
    if (type !== 'result' && type !== 'error') return false
    const id = stanza.attrs.id
    const pending = id === undefined ? undefined : this.#pending.get(id)
    if (!pending || id === undefined || !this.#fromMatches(stanza.attrs.from, pending.to)) return false
    this.#pending.delete(id)
    if (type === 'result') pending.resolve(stanza)
    else pending.reject(stanzaErrorFrom(stanza))
    return true
  }

  #fromMatches(from: string | undefined, to: string): boolean {
    if (from === undefined || from === '') {
      // Our server answers for our own account and for itself without `from`.
      const own = this.#xmpp.jid
      if (!own) return false
      return to === own.bare().toString() || to === own.domain
    }
    return tryNormalizeJid(from) === to
  }

  readonly #onOnline = (): void => {
    clearTimeout(this.#resumeTimer)
    // 'online' is emitted for a new session only; a XEP-0198 resumption is silent.
    if (this.#inSession) this.#endSession()
    this.#inSession = true
  }

  readonly #onDisconnect = (): void => {
    if (!this.#xmpp.streamManagement?.id) {
      this.#endSession()
      return
    }
    // A resumable XEP-0198 session: the replies may still come, after
    // 'resumed' (keep everything) or not, after a new 'online' (end it). Both
    // need a reconnection: when none has started by the time xmpp.js's
    // reconnect would have tried (reconnect off, or given up), the session is over.
    clearTimeout(this.#resumeTimer)
    const delay = this.#xmpp.reconnect?.delay ?? 1000
    this.#resumeTimer = setTimeout(() => {
      if (this.#xmpp.status === 'disconnect') this.#endSession()
    }, delay + RESUME_GRACE)
  }

  readonly #onResumed = (): void => {
    clearTimeout(this.#resumeTimer)
  }

  readonly #endSession = (): void => {
    clearTimeout(this.#resumeTimer)
    this.#inSession = false
    const pending = [...this.#pending.values()]
    this.#pending.clear()
    for (const p of pending) p.reject(new DisconnectedError())
    for (const listener of [...this.#sessionEndListeners]) listener()
  }
}
