/**
 * Session: the XMPP session of one xmpp.js client as disco sees it — up or
 * not, resumed or ended.
 *
 * RFC 6120 section 7 (a session begins with resource binding)
 * XEP-0198 section 5 (a resumed stream keeps the session: its pending requests
 *   and what was learnt in it stay valid) and section 4 (the counters start
 *   with <enable/>/<enabled/>)
 *
 * xmpp.js 0.14 facts this is built on (packages/connection, stream-management):
 * - 'online' is emitted for a new session only; a resumption sets the status
 *   back to 'online' silently, right after emitting 'resumed' on
 *   `xmpp.streamManagement`.
 * - After binding it emits 'online' and only then asks to enable stream
 *   management; it resets its count of handled stanzas when the answer has
 *   been processed, a tick after <enabled/>. Replies that arrive in between
 *   go uncounted and the server's count runs ahead of ours (Prosody then
 *   resends them on resumption, or ends the session). So when the server
 *   offered stream management, the session counts as `online` once it is
 *   enabled (or refused); when we joined too late to see the offer, once it
 *   is enabled or after SM_WAIT.
 * - A refused resumption (<failed/> before binding) is followed by binding
 *   and 'online'; the app's own 'online' listeners run before ours, so the
 *   old session ends at the <failed/>, and the offer marks stream management
 *   pending from the stream features on.
 * - It zeroes its count of handled stanzas only when it has processed
 *   <enabled/>, and keeps the old session's count after a refused
 *   resumption until then: the count is zeroed here as <enabled/> is read.
 */
import { listen } from './ClientHooks.js'
import { DisconnectedError, TimeoutError } from './errors.js'
import { waitFor } from './Flight.js'
import type { Caller } from './Flight.js'
import type { Release } from './Node.js'
import type { XmlElement } from './xml.js'
import type { XmppClient } from './XmppClient.js'

const NS_SM = 'urn:xmpp:sm:3'
const NS_STREAMS = 'http://etherx.jabber.org/streams'
/** How long after xmpp.js's reconnect delay a reconnection must have started (ms). */
const RESUME_GRACE = 1000
/** The longest wait for stream management to be enabled when we cannot tell whether it will be (ms). */
const SM_WAIT = 1500

const sessions = new WeakMap<XmppClient, Session>()

export class Session {
  readonly #xmpp: XmppClient
  readonly #changeListeners = new Set<() => void>()
  readonly #endListeners = new Set<() => void>()
  #detach: Release[] = []
  /** Whether a session began that has not ended (so a fresh 'online' ends it). */
  #inSession = false
  /** The last stream features offered stream management. */
  #smOffered = false
  /** Stream management was offered for this session and is not enabled (or refused) yet. */
  #smPending = false
  #resumeTimer: ReturnType<typeof setTimeout> | undefined
  #smTimer: ReturnType<typeof setTimeout> | undefined
  /** Counts sessions: a value taken during one session differs from any taken in another. */
  #generation = 0
  /** The xml:lang of the server's header of the current stream, or of our own presence it sent back. */
  #streamLang: string | undefined
  /** Whether #streamLang was read from the current stream (its header, or our reflected presence). */
  #langRead = false

  /** The Session of `xmpp`. Listens to the client only while someone listens to it. */
  static of(xmpp: XmppClient): Session {
    let session = sessions.get(xmpp)
    if (!session) {
      session = new Session(xmpp)
      sessions.set(xmpp, session)
    }
    return session
  }

  private constructor(xmpp: XmppClient) {
    this.#xmpp = xmpp
  }

  /** Whether queries can go out now: bound, connected, and stream management settled. */
  get online(): boolean {
    if (this.#xmpp.status !== 'online') return false
    if (this.#detach.length > 0) return !this.#smPending
    // Read before anyone subscribed (a first render): what subscribing would find.
    const sm = this.#xmpp.streamManagement
    return !sm || sm.enabled === true
  }

  /**
   * The default language of what we send: the xml:lang of the server's
   * stream header, which the server adds to our stanzas that have none (RFC
   * 6120 section 4.7.4). Read at each stream opened while someone listens.
   * When nobody listened as the stream opened (caps turned on after login):
   * from the header xmpp.js's parser keeps (TCP; its WebSocket parser keeps
   * none), else the language the app gave xmpp.js (`lang`), if any, until
   * our own broadcast presence comes back with the server's (RFC 6121
   * section 4.2.2), which tells subscribers.
   * XEP-0390 hashes an identity without xml:lang with this implicit one.
   */
  get streamLang(): string | undefined {
    // Not read from this stream: what xmpp.js keeps of it, else what we read
    // from an earlier stream (the same server, most likely), else the app's.
    const header = this.#langRead ? undefined : nonEmpty(this.#xmpp.parser?.root?.attrs?.['xml:lang'])
    return header ?? this.#streamLang ?? nonEmpty(this.#xmpp.options?.lang)
  }

  /** How many listen to it (for tests and diagnostics): a count that grows with every session is a leak. */
  get listenerCount(): { change: number; end: number } {
    return { change: this.#changeListeners.size, end: this.#endListeners.size }
  }

  /** Changes whenever a session ends; equal values mean "the same session". */
  get generation(): number {
    return this.#generation
  }

  /**
   * Calls `onChange` when `online` may have changed (a status change, a
   * resumption, stream management enabled). For useSyncExternalStore.
   */
  subscribe = (onChange: () => void): Release => {
    this.#changeListeners.add(onChange)
    this.#attach()
    return () => {
      this.#changeListeners.delete(onChange)
      this.#maybeDetach()
    }
  }

  /**
   * Resolves when the session is up (at once if it is). Rejects with
   * DisconnectedError when it is not up within `timeout` ms, or with the
   * signal's reason; the listener and the timer go either way.
   */
  async whenOnline(caller: Caller): Promise<void> {
    if (this.online) return
    let release: Release = () => {}
    const up = new Promise<void>((resolve) => {
      release = this.subscribe(() => {
        if (this.online) resolve()
      })
    })
    try {
      await waitFor(up, caller)
    } catch (error) {
      throw error instanceof TimeoutError ? new DisconnectedError(`Not connected within ${caller.timeout} ms: nothing was sent`) : error
    } finally {
      release()
    }
  }

  /** Calls `listener` whenever the session ends without resumption. */
  onEnd(listener: () => void): Release {
    this.#endListeners.add(listener)
    this.#attach()
    return () => {
      this.#endListeners.delete(listener)
      this.#maybeDetach()
    }
  }

  #attach(): void {
    if (this.#detach.length > 0) return
    const xmpp = this.#xmpp
    this.#inSession = xmpp.status === 'online'
    const sm = xmpp.streamManagement
    // Joining a session whose features we did not see: stream management may
    // be about to be enabled (xmpp.js sends <enable/> after 'online'), or the
    // server may not offer it. Wait for the answer, for a short while at most.
    if (this.#inSession && sm && sm.enabled !== true) this.#waitForSm()
    this.#detach = [
      listen(xmpp, 'status', this.#onStatus),
      listen(xmpp, 'online', this.#onOnline),
      listen(xmpp, 'disconnect', this.#onDisconnect),
      listen(xmpp, 'offline', this.#onOffline),
      listen(xmpp, 'nonza', this.#onNonza),
      listen(xmpp, 'stanza', this.#onStanza),
    ]
    if (sm) this.#detach.push(listen(sm, 'resumed', this.#onResumed))
  }

  #maybeDetach(): void {
    if (this.#changeListeners.size > 0 || this.#endListeners.size > 0) return
    for (const detach of this.#detach) detach()
    this.#detach = []
    // Streams may open unseen from now on.
    this.#langRead = false
    clearTimeout(this.#resumeTimer)
    this.#smSettled()
  }

  #waitForSm(): void {
    this.#smPending = true
    clearTimeout(this.#smTimer)
    this.#smTimer = setTimeout(() => {
      if (this.#smPending) {
        this.#smPending = false
        this.#changed()
      }
    }, SM_WAIT)
  }

  #smSettled(): void {
    this.#smPending = false
    clearTimeout(this.#smTimer)
  }

  // The header comes with the 'open' status, before the 'open' event: read it
  // here, so that whoever this change wakes finds it.
  readonly #onStatus = (status?: string, header?: XmlElement): void => {
    if (status === 'open') {
      this.#streamLang = nonEmpty(header?.attrs?.['xml:lang'])
      this.#langRead = true
    }
    this.#changed()
  }

  // Our own broadcast presence, sent back to us by the server with the
  // language it gives what we send: the language of a stream whose header we
  // did not see. Read once per stream; later ones say the same.
  readonly #onStanza = (stanza: XmlElement): void => {
    if (this.#langRead || stanza.name !== 'presence') return
    const lang = nonEmpty(stanza.attrs['xml:lang'])
    if (lang === undefined || stanza.attrs.from !== this.#xmpp.jid?.toString()) return
    this.#langRead = true
    const before = this.streamLang
    this.#streamLang = lang
    if (lang !== before) this.#changed()
  }

  readonly #changed = (): void => {
    for (const listener of [...this.#changeListeners]) listener()
  }

  readonly #onOnline = (): void => {
    clearTimeout(this.#resumeTimer)
    // 'online' is emitted for a new session only; a XEP-0198 resumption is silent.
    if (this.#inSession) this.#end()
    this.#inSession = true
    if (this.#smOffered && this.#xmpp.streamManagement !== undefined) {
      this.#waitForSm()
      this.#changed()
    }
  }

  readonly #onNonza = (element: XmlElement): void => {
    // is() compares the local name: servers send <stream:features/>.
    if (element.is('features', NS_STREAMS)) {
      this.#smOffered = element.getChild('sm', NS_SM) !== undefined
      // Known here, before 'online': the app's own 'online' listeners, added
      // before ours, run first and must already find the session not up.
      if (this.#smOffered && this.#xmpp.streamManagement !== undefined) this.#smPending = true
      else this.#smSettled()
      return
    }
    if (element.is('failed', NS_SM) && this.#xmpp.status !== 'online') {
      // The server refused to resume: the old session is over now, before the
      // new one is bound and whatever the app does at its 'online' belongs to it.
      this.#end()
      return
    }
    if (element.is('enabled', NS_SM)) this.#countFromEnabled()
    if (!this.#smPending || !(element.is('enabled', NS_SM) || element.is('failed', NS_SM))) return
    // xmpp.js resets its counters when it has processed the answer, a tick later.
    setTimeout(() => {
      if (!this.#smPending) return
      this.#smSettled()
      this.#changed()
    }, 0)
  }

  /**
   * XEP-0198 section 4: the count of handled stanzas starts at zero on
   * <enabled/>. xmpp.js zeroes it only once it has processed the answer,
   * some ticks later (and keeps the old session's count after a refused
   * resumption until then). Stanzas and an <r/> read meanwhile (one read of
   * a phone's burst, or ejabberd asking after the first stanza it sends) get
   * a wrong <a/>: first the old count, more than the server sent (ejabberd
   * ends the stream), then, after xmpp.js's late zero, fewer than we already
   * acknowledged (Prosody ends it; otherwise they are resent on resumption).
   * So the count is zeroed here, as the element is read, and xmpp.js's own
   * late zero (written once it has set `enabled`) is absorbed: the stanzas
   * counted since stay counted.
   */
  #countFromEnabled(): void {
    const sm = this.#xmpp.streamManagement
    if (!sm || typeof sm.inbound !== 'number') return
    let count = 0
    const settle = (value: number): void => {
      Object.defineProperty(sm, 'inbound', { value, writable: true, configurable: true, enumerable: true })
    }
    Object.defineProperty(sm, 'inbound', {
      configurable: true,
      enumerable: true,
      get: () => count,
      set: (value: number) => {
        if (value !== 0) count = value
        // xmpp.js's late zero of this <enabled/> keeps what was counted since; any other zero (offline) is one.
        else settle(sm.enabled === true ? count : 0)
      },
    })
  }

  readonly #onDisconnect = (): void => {
    this.#smSettled()
    if (!this.#xmpp.streamManagement?.id) {
      this.#end()
      return
    }
    // A resumable XEP-0198 session: replies may still come, after 'resumed'
    // (keep everything) or not, after a new 'online' (end it). Both need a
    // reconnection: when none has started by the time xmpp.js's reconnect
    // would have tried (reconnect off, or given up), the session is over.
    clearTimeout(this.#resumeTimer)
    const delay = this.#xmpp.reconnect?.delay ?? 1000
    this.#resumeTimer = setTimeout(() => {
      if (this.#xmpp.status === 'disconnect') this.#end()
    }, delay + RESUME_GRACE)
  }

  readonly #onOffline = (): void => {
    this.#smSettled()
    this.#end()
  }

  readonly #onResumed = (): void => {
    clearTimeout(this.#resumeTimer)
    this.#smSettled()
    // Given up too early (the app restarted the client itself, later than
    // xmpp.js would have): what is asked on the resumed stream belongs to a
    // session again, one the next new session must end.
    this.#inSession = true
    // xmpp.js sets the status to 'online' right after 'resumed', without an event.
    queueMicrotask(this.#changed)
  }

  readonly #end = (): void => {
    clearTimeout(this.#resumeTimer)
    if (!this.#inSession) return
    this.#inSession = false
    this.#generation++
    for (const listener of [...this.#endListeners]) {
      try {
        listener()
      } catch (err) {
        queueMicrotask(() => {
          throw err
        })
      }
    }
  }
}

/**
 * Whether a query may be made now (it goes out at once, or waits for the
 * session to settle): online, or being resumed (the new stream open and
 * XEP-0198 stream management enabled again, which xmpp.js does before it
 * says online). After <resumed/> the server gives us what it kept (a reply,
 * a presence) before xmpp.js is done: what those lead to (a walk's next
 * page, the app's next query) is no query of the gap, which fails at once
 * (so does one made as the connection is being given up or closed).
 */
export function connected(xmpp: XmppClient): boolean {
  const status = xmpp.status
  return status === undefined || status === 'online' || (status === 'open' && xmpp.streamManagement?.enabled === true)
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}
