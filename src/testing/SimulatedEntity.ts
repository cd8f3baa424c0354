/**
 * One entity of a SimulatedNetwork: an xmpp.js client without a socket.
 *
 * It is assembled from xmpp.js's own pieces, exactly as @xmpp/client is:
 * @xmpp/middleware on the 'element' and 'send' events, @xmpp/iq's callee and
 * caller on that middleware. Code given one of these (a DiscoProvider, a
 * DiscoServer, a DiscoClient) runs as it would against a real connection;
 * only the transport is simulated.
 *
 * RFC 6120 section 8.2.3 (IQ semantics, as @xmpp/iq implements them)
 * xmpp.js packages/connection (the status events: 'status', then the status itself)
 * XEP-0198 as xmpp.js packages/stream-management shows it: a dropped
 *   connection keeps a resumable session; on resumption 'resumed' is emitted on
 *   `streamManagement` and the status goes back to 'online' without an event;
 *   what the server held for the session meanwhile is delivered.
 */
import { EventEmitter } from '@xmpp/events'
import iqCalleeFactory from '@xmpp/iq/callee.js'
import iqCallerFactory from '@xmpp/iq/caller.js'
import { JID } from '@xmpp/jid'
import middlewareFactory from '@xmpp/middleware'
import type { ParsedJid } from '../core/jid.js'
import type { XmlElement } from '../core/xml.js'
import type { IqHandler, Middleware } from '../core/XmppClient.js'

/** What an entity needs of its network (SimulatedNetwork implements it). */
export interface Transport {
  /** Where entities put the errors they emit. */
  readonly errors: unknown[]
  /** Milliseconds every stanza takes. */
  readonly latency: number
  schedule(task: () => void, latency: number): void
  route(stanza: XmlElement, from: SimulatedEntity): void
  /** The session of `entity` ended (a server then tells its contacts it is unavailable). */
  ended?(entity: SimulatedEntity): void
}

/** Any listener: what an EventEmitter accepts. */
export type Listener = (...args: never[]) => unknown

export interface SimulatedEntityOptions {
  /** Extra milliseconds each stanza takes to reach this entity (on top of the network's latency). */
  latency?: number
  /** Receive IQ requests (they are counted) but never answer them, like a peer that hangs. */
  silent?: boolean
  /** Simulate XEP-0198 stream management (resumable sessions). Default true, as on production servers. */
  streamManagement?: boolean
}

/** What @xmpp/stream-management puts on a client: an emitter with the session's state. */
export type StreamManagementState = EventEmitter & {
  /** The resumable session's id; '' when there is none. */
  id: string
  enabled: boolean
  enableSent: boolean
}

/** An IQ request the entity received, as the request log keeps it. */
export interface ReceivedRequest {
  from: string
  id: string
  type: string
  /** The namespace of the payload, e.g. disco#info. */
  ns: string | undefined
  /** The payload's node attribute, if any. */
  node: string | undefined
  /** When it arrived (Date.now()). */
  at: number
}

/** The IQ caller of xmpp.js (`xmpp.iqCaller`). */
export interface IqCaller {
  request(stanza: XmlElement, timeout?: number): Promise<XmlElement>
  get(payload: XmlElement, to?: string, timeout?: number): Promise<XmlElement>
  set(payload: XmlElement, to?: string, timeout?: number): Promise<XmlElement>
}

/** The IQ callee of xmpp.js (`xmpp.iqCallee`). */
export interface IqCallee {
  get(ns: string, name: string, handler: IqHandler): unknown
  set(ns: string, name: string, handler: IqHandler): unknown
}

/** How many requests the request log keeps (the counters are not bounded). */
const REQUEST_LOG_SIZE = 200

export class SimulatedEntity {
  /** Our full JID, as xmpp.js's `xmpp.jid`. */
  jid: ParsedJid
  /** 'online' or 'offline' (xmpp.js's `xmpp.status`). Assignable, for tests that fake a transition. */
  status = 'online'
  readonly options: { domain: string }
  readonly middleware: { use(fn: Middleware): unknown; filter(fn: Middleware): unknown }
  readonly iqCaller: IqCaller
  readonly iqCallee: IqCallee
  /** Extra milliseconds each stanza takes to reach this entity. */
  latency: number
  /** Whether IQ requests go unanswered. */
  silent: boolean
  /** The IQ requests received, newest last (the last 200). */
  readonly requests: ReceivedRequest[] = []
  /** XEP-0198 state (absent with `streamManagement: false`), as xmpp.js's `xmpp.streamManagement`. */
  streamManagement: StreamManagementState | undefined
  /** Stanzas the "server" holds while the connection is dropped, for a resumption. */
  #held: XmlElement[] = []
  #sessions = 0
  readonly #network: Transport
  readonly #events = new EventEmitter()
  readonly #statsListeners = new Set<() => void>()
  #requestCount = 0
  #receivedCount = 0
  #sentCount = 0

  constructor(network: Transport, jid: string, options: SimulatedEntityOptions = {}) {
    this.#network = network
    this.#events.setMaxListeners(100)
    this.jid = parseJid(jid)
    this.options = { domain: this.jid.domain }
    this.latency = options.latency ?? 0
    this.silent = options.silent ?? false
    if (options.streamManagement ?? true) {
      this.streamManagement = Object.assign(new EventEmitter(), { id: '', enabled: false, enableSent: false })
      this.#newSmSession()
    }
    this.middleware = middlewareFactory({ entity: this })
    this.iqCaller = iqCallerFactory({ entity: this, middleware: this.middleware })
    this.iqCallee = iqCalleeFactory({ entity: this, middleware: this.middleware })
    // A real client with no 'error' listener would crash; collect them for tests instead.
    this.on('error', (error: unknown) => network.errors.push(error))
  }

  // ---- events (xmpp.js's EventEmitter API) ----

  on(event: string, listener: Listener): this {
    this.#events.on(event, listener)
    return this
  }
  once(event: string, listener: Listener): this {
    this.#events.once(event, listener)
    return this
  }
  off(event: string, listener: Listener): this {
    this.#events.off(event, listener)
    return this
  }
  removeListener(event: string, listener: Listener): this {
    this.#events.removeListener(event, listener)
    return this
  }
  removeAllListeners(event?: string): this {
    this.#events.removeAllListeners(event)
    return this
  }
  emit(event: string, ...args: unknown[]): boolean {
    return this.#events.emit(event, ...args)
  }
  listenerCount(event: string): number {
    return this.#events.listenerCount(event)
  }

  // ---- the wire ----

  /** Sends a stanza: stamps our JID as `from` and hands it to the network. */
  async send(stanza: XmlElement): Promise<void> {
    if (this.status !== 'online') throw new Error(`${this.jid.toString()} is not connected`)
    stanza.attrs.from = this.jid.toString()
    this.#sentCount++
    this.emit('send', stanza)
    this.#network.route(stanza, this)
    this.#changed()
  }

  /** Delivers a stanza to this entity as if it came from the wire (after the latency). */
  receive(stanza: XmlElement): void {
    this.#network.schedule(() => {
      if (this.status === 'disconnect' && this.streamManagement?.id) {
        this.#held.push(stanza)
        return
      }
      if (this.status !== 'online') return
      this.#receivedCount++
      const request = isRequest(stanza)
      if (request) this.#logRequest(stanza)
      if (!(request && this.silent)) {
        // As xmpp.js's connection: 'element' (read by the middleware), then 'stanza'.
        this.emit('element', stanza)
        this.emit('stanza', stanza)
      }
      this.#changed()
    }, this.#network.latency + this.latency)
  }

  // ---- counters ----

  /** IQ requests (get and set) received since creation or resetStats(). */
  get requestCount(): number {
    return this.#requestCount
  }

  /** Counters of this entity's traffic. */
  get stats(): { requests: number; received: number; sent: number } {
    return { requests: this.#requestCount, received: this.#receivedCount, sent: this.#sentCount }
  }

  /** IQ requests received with a payload of namespace `ns` (from the request log). */
  countRequests(ns: string): number {
    return this.requests.filter((r) => r.ns === ns).length
  }

  resetStats(): void {
    this.#requestCount = 0
    this.#receivedCount = 0
    this.#sentCount = 0
    this.requests.length = 0
    this.#changed()
  }

  /** Calls `listener` after every change of the counters (for useSyncExternalStore). Returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.#statsListeners.add(listener)
    return () => {
      this.#statsListeners.delete(listener)
    }
  }

  // ---- session ----

  /** Ends the session as a dropped transport does (no stream resumption). */
  goOffline(): void {
    if (this.status === 'offline') return
    if (this.status !== 'disconnect') this.#status('disconnect', { clean: false })
    this.#endSmSession()
    this.#status('offline')
    this.#network.ended?.(this)
  }

  /** Starts a new session on the same JID. */
  goOnline(): void {
    if (this.status === 'online') return
    this.#endSmSession()
    this.#newSmSession()
    this.#status('online', this.jid)
  }

  /**
   * Drops the connection without a clean close (a phone losing its network):
   * the session stays resumable; what peers send meanwhile is held for it.
   * Throws without stream management.
   */
  dropConnection(): void {
    const sm = this.streamManagement
    if (!sm) throw new Error(`${this.jid.toString()} has no stream management: use goOffline()`)
    if (this.status !== 'online') return
    sm.enabled = false
    this.#status('disconnect', { clean: false })
  }

  /**
   * Resumes the session dropped by dropConnection(), as xmpp.js does:
   * 'resumed' on streamManagement, the status back to 'online' without an
   * event, then the held stanzas.
   */
  resume(): void {
    const sm = this.streamManagement
    if (!sm?.id || this.status !== 'disconnect') throw new Error(`${this.jid.toString()} has no dropped session to resume`)
    sm.enabled = true
    sm.emit('resumed')
    this.status = 'online'
    const held = this.#held
    this.#held = []
    for (const stanza of held) this.receive(stanza)
  }

  /** xmpp.js's `start()`: a new session. */
  async start(): Promise<ParsedJid> {
    this.goOnline()
    return this.jid
  }

  /** xmpp.js's `stop()`: a clean end of the session. */
  async stop(): Promise<void> {
    if (this.status === 'offline') return
    this.#status('disconnecting')
    this.#status('disconnect', { clean: true })
    this.#endSmSession()
    this.#status('offline')
    this.#network.ended?.(this)
  }

  #newSmSession(): void {
    const sm = this.streamManagement
    if (!sm) return
    sm.id = `sm-${++this.#sessions}`
    sm.enabled = true
    sm.enableSent = true
  }

  #endSmSession(): void {
    this.#held = []
    const sm = this.streamManagement
    if (!sm) return
    sm.id = ''
    sm.enabled = false
    sm.enableSent = false
  }

  // As xmpp.js's Connection._status: the status, then 'status', then the event itself.
  #status(status: string, ...args: unknown[]): void {
    this.status = status
    this.emit('status', status, ...args)
    this.emit(status, ...args)
  }

  #logRequest(stanza: XmlElement): void {
    this.#requestCount++
    const payload = stanza.getChildElements()[0]
    this.requests.push({
      from: stanza.attrs.from ?? '',
      id: stanza.attrs.id ?? '',
      type: stanza.attrs.type ?? '',
      ns: payload?.getNS(),
      node: payload?.attrs.node,
      at: Date.now(),
    })
    if (this.requests.length > REQUEST_LOG_SIZE) this.requests.shift()
  }

  #changed(): void {
    for (const listener of [...this.#statsListeners]) listener()
  }
}

function isRequest(stanza: XmlElement): boolean {
  return stanza.name === 'iq' && (stanza.attrs.type === 'get' || stanza.attrs.type === 'set')
}

/** "local@domain/resource" -> an @xmpp/jid JID (a simulated JID is trusted as given). */
export function parseJid(s: string): ParsedJid {
  const slash = s.indexOf('/')
  const bare = slash === -1 ? s : s.slice(0, slash)
  const at = bare.indexOf('@')
  return new JID(
    at === -1 ? null : bare.slice(0, at),
    at === -1 ? bare : bare.slice(at + 1),
    slash === -1 ? null : s.slice(slash + 1),
  )
}
