// Minimal declarations of the xmpp.js modules the core uses at run time.
// Deliberately local: @types/xmpp__xml declares a global `JSX` namespace that
// would leak into every React app using this library. The public API speaks
// in the structural `XmlElement` type (src/core/xml.ts) instead.
// Relative `import type` is not allowed in an ambient module (TS2439, hidden by
// skipLibCheck, turning the types into any): import() type queries are.
/* eslint-disable @typescript-eslint/consistent-type-imports */
declare module '@xmpp/xml' {
  type XmlElement = import('../core/xml.js').XmlElement
  type XmlNode = import('../core/xml.js').XmlNode

  type Attrs = Record<string, string | number | undefined | null>
  interface XmlFactory {
    (name: string, attrs?: Attrs | null, ...children: (XmlNode | XmlNode[] | undefined | null | false)[]): XmlElement
    Element: new (name: string, attrs?: Attrs) => XmlElement
  }
  const xml: XmlFactory
  export default xml
  export const Element: new (name: string, attrs?: Attrs) => XmlElement
  export function escapeXML(s: string): string
}

// The one-element parser behind @xmpp/xml's stream parser; null for no element.
declare module '@xmpp/xml/lib/parse.js' {
  const parse: (text: string) => import('../core/xml.js').XmlElement | null
  export default parse
}

declare module '@xmpp/jid' {
  export class JID {
    constructor(local: string | null | undefined, domain: string, resource?: string | null)
    local: string
    domain: string
    resource: string
    bare(): JID
    equals(other: JID): boolean
    toString(unescape?: boolean): string
  }
  export function parse(s: string): JID
  export function jid(s: string): JID
  const j: { (s: string): JID; JID: typeof JID; parse: typeof parse }
  export default j
}

// The pieces src/testing assembles into simulated entities (the same ones
// @xmpp/client is built from). Typed structurally, like the core.
declare module '@xmpp/events' {
  type Listener = (...args: never[]) => unknown
  export class EventEmitter {
    on(event: string, listener: Listener): this
    once(event: string, listener: Listener): this
    off(event: string, listener: Listener): this
    removeListener(event: string, listener: Listener): this
    removeAllListeners(event?: string): this
    emit(event: string, ...args: unknown[]): boolean
    listenerCount(event: string): number
    setMaxListeners(n: number): this
  }
}

declare module '@xmpp/middleware' {
  type Middleware = import('../core/XmppClient.js').Middleware
  const middleware: (args: { entity: unknown }) => { use(fn: Middleware): unknown; filter(fn: Middleware): unknown }
  export default middleware
}

declare module '@xmpp/iq/caller.js' {
  type XmlElement = import('../core/xml.js').XmlElement
  const caller: (args: { entity: unknown; middleware: unknown }) => {
    request(el: XmlElement, timeout?: number): Promise<XmlElement>
    get(el: XmlElement, to?: string, timeout?: number): Promise<XmlElement>
    set(el: XmlElement, to?: string, timeout?: number): Promise<XmlElement>
  }
  export default caller
}

declare module '@xmpp/iq/callee.js' {
  type IqHandler = import('../core/XmppClient.js').IqHandler
  const callee: (args: { entity: unknown; middleware: unknown }) => {
    get(ns: string, name: string, handler: IqHandler): unknown
    set(ns: string, name: string, handler: IqHandler): unknown
  }
  export default callee
}
