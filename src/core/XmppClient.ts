/**
 * The part of an xmpp.js client (`client()` from @xmpp/client, or any entity
 * assembled from @xmpp/middleware and @xmpp/iq) that this library uses.
 * Structural, so tests and the simulated network can hand in the same pieces,
 * and so that `client()` fits both untyped and typed by @types/xmpp__client
 * 0.14 (whose `send` takes @types/ltx's Element: see ./xml.ts).
 */
import type { XmlElement } from './xml.js'

export interface IncomingContext {
  stanza: XmlElement
  /** The IQ payload, set by @xmpp/iq's callee. */
  element?: XmlElement
  name: string
  type: string
  id: string
  from: { toString(): string } | null
}

export type Middleware = (ctx: IncomingContext, next: () => Promise<unknown>) => unknown

export type IqHandler = (ctx: IncomingContext, next: () => unknown) => unknown

export interface Emitter {
  on(event: string, listener: (...args: never[]) => void): unknown
  off?(event: string, listener: (...args: never[]) => void): unknown
  removeListener?(event: string, listener: (...args: never[]) => void): unknown
}

export interface XmppClient extends Emitter {
  /** Our full JID once bound; null or undefined before. */
  jid?: { toString(): string; bare(): { toString(): string }; domain: string } | null
  status?: string
  options?: { domain?: string; lang?: string | undefined }
  send(stanza: XmlElement): Promise<unknown>
  middleware: { use(fn: Middleware): unknown; filter?(fn: Middleware): unknown }
  iqCallee: { get(ns: string, name: string, handler: IqHandler): unknown; set(ns: string, name: string, handler: IqHandler): unknown }
  /** The parser of the current stream; over TCP its `root` is the server's stream header. */
  parser?: { root?: XmlElement | null } | null | undefined
  /** @xmpp/reconnect, when the client has it: its delay before a reconnection (ms). */
  reconnect?: { delay?: number } | undefined
  /**
   * XEP-0198 state, when the client has it. It emits "resumed" at run time, but
   * @types/xmpp__stream-management 0.14 does not declare it an emitter: `on`
   * is optional here so that the typed client fits.
   */
  streamManagement?: (Partial<Emitter> & { id?: string; enabled?: boolean; enableSent?: boolean; inbound?: number }) | undefined
}
