// Minimal types for the parts of @xmpp/client 0.14 that tests use.
// Deliberately local (like src/types/xmpp.d.ts): @types/xmpp__client pulls in
// @types/xmpp__xml, which declares a global JSX namespace.
declare module '@xmpp/client' {
  import type { JID } from '@xmpp/jid'
  // Not `import type ... from '../..'`: relative imports are not allowed in an
  // ambient module (TS2439) and, hidden by skipLibCheck, silently become `any`.
  /* eslint-disable @typescript-eslint/consistent-type-imports */
  type XmlElement = import('../../src/core/xml.js').XmlElement
  type XmlNode = import('../../src/core/xml.js').XmlNode
  /* eslint-enable @typescript-eslint/consistent-type-imports */

  // never[]: any listener fits, like src/core/XmppClient.ts's Emitter.
  type Listener = (...args: never[]) => void

  export interface Emitter {
    on(event: string, listener: Listener): this
    once(event: string, listener: Listener): this
    off(event: string, listener: Listener): this
    removeListener(event: string, listener: Listener): this
    emit(event: string, ...args: unknown[]): boolean
  }

  export interface IncomingContext {
    stanza: XmlElement
    element?: XmlElement
    name: string
    type: string
    id: string
    from: JID | null
    to: JID | null
    local: string
    domain: string
    resource: string
  }
  export type Middleware = (ctx: IncomingContext, next: () => Promise<unknown>) => unknown
  export type IqHandler = (ctx: IncomingContext) => unknown

  /** What `credentials` (as a function) is given by @xmpp/sasl and @xmpp/sasl2. */
  export type Authenticate = (
    credentials: { username?: string; password?: string; token?: unknown },
    mechanism: string,
    userAgent?: XmlElement,
  ) => Promise<void>
  export type CredentialsHandler = (
    authenticate: Authenticate,
    mechanisms: string[],
    fast: unknown,
    entity: Client,
  ) => Promise<void>

  export interface ClientOptions {
    service?: string
    domain?: string
    resource?: string
    username?: string
    password?: string
    credentials?: CredentialsHandler | { username?: string; password?: string }
    lang?: string
    timeout?: number
    userAgent?: XmlElement
  }

  export interface Client extends Emitter {
    jid: JID | null
    /** offline | connecting | connect | opening | open | online | closing | close | disconnecting | disconnect */
    status: string
    options: ClientOptions
    /** net.Socket subclass for TCP, @xmpp/websocket's Socket for WebSocket; null when disconnected. */
    socket: unknown
    timeout: number
    start(): Promise<JID>
    stop(): Promise<unknown>
    send(element: XmlElement): Promise<void>
    sendMany(elements: XmlElement[]): Promise<void>
    isSecure(): boolean
    iqCaller: {
      /** Sends an IQ, resolves with the result stanza, rejects with StanzaError on type=error. */
      request(element: XmlElement, timeout?: number): Promise<XmlElement>
      /** Wraps `element` in an IQ get and resolves with the result's payload. */
      get(element: XmlElement, to?: string, timeout?: number): Promise<XmlElement | undefined>
      set(element: XmlElement, to?: string, timeout?: number): Promise<XmlElement | undefined>
    }
    iqCallee: {
      get(ns: string, name: string, handler: IqHandler): unknown
      set(ns: string, name: string, handler: IqHandler): unknown
    }
    middleware: { use(fn: Middleware): Middleware; filter(fn: Middleware): Middleware }
    reconnect: Emitter & { delay: number; start(): void; stop(): void }
    /** XEP-0198; `timeout`: ms xmpp.js waits for the answer to its ack request before it gives the connection up. */
    streamManagement: Emitter & { id?: string; enabled: boolean; timeout: number }
  }

  export function client(options?: ClientOptions): Client

  type Attrs = Record<string, string | number | undefined | null>
  export function xml(
    name: string,
    attrs?: Attrs | null,
    ...children: (XmlNode | XmlNode[] | undefined | null | false)[]
  ): XmlElement
  export function jid(address: string): JID
  export function jid(local: string | null | undefined, domain: string, resource?: string | null): JID
}
