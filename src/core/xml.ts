/**
 * The structural shape of an xmpp.js (ltx) element, as far as this library
 * reads or builds one. Declared here rather than imported so that the public
 * types do not depend on an @types package (see src/types/xmpp.d.ts).
 */
export type XmlNode = XmlElement | string

export interface XmlElement {
  name: string
  attrs: Record<string, string | undefined>
  children: XmlNode[]
  parent: XmlElement | null
  is(name: string, xmlns?: string): boolean
  getName(): string
  getNS(): string | undefined
  getAttr(name: string): string | undefined
  getChild(name: string, xmlns?: string): XmlElement | undefined
  getChildren(name: string, xmlns?: string): XmlElement[]
  getChildElements(): XmlElement[]
  getText(): string
  getChildText(name: string, xmlns?: string): string | null
  append(...nodes: XmlNode[]): XmlElement
  c(name: string, attrs?: Record<string, string | undefined>): XmlElement
  t(text: string): XmlElement
  up(): XmlElement
  root(): XmlElement
  toString(): string
}
