// Minimal declarations of the xmpp.js modules the core uses at run time.
// Deliberately local: @types/xmpp__xml declares a global `JSX` namespace that
// would leak into every React app using this library. The public API speaks
// in the structural `XmlElement` type (src/core/xml.ts) instead.
declare module '@xmpp/xml' {
  import type { XmlElement, XmlNode } from '../core/xml.js'

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
