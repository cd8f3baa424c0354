/**
 * The structural shape of an xmpp.js element: ltx 3.1's `Element`, which is
 * what `xml()` from @xmpp/xml (and @xmpp/client) builds and what a client
 * receives. Declared here rather than imported so that the public types do not
 * depend on an @types package (see src/types/xmpp.d.ts).
 *
 * It lists ltx's whole surface, not only what this library calls, and each
 * signature says what ltx does at run time: that keeps it and the `Element` of
 * @types/ltx (pulled in by @types/xmpp__client) assignable to each other, so an
 * app with those types passes its stanzas to us and ours to `xmpp.send()` or
 * `xml()` without a cast (test/package/app checks both).
 */
import xml from '@xmpp/xml'
import parse from '@xmpp/xml/lib/parse.js'

export type XmlNode = XmlElement | string

/** Attribute values as ltx keeps them; set an attribute to undefined or null to leave it out. */
export type XmlAttrs = Record<string, string | undefined>

export interface XmlElement {
  name: string
  attrs: XmlAttrs
  children: XmlNode[]
  parent: XmlElement | null
  is(name: string, xmlns?: string): boolean
  /** The name without its prefix. */
  getName(): string
  /** The namespace, looked up through the parents. */
  getNS(): string | undefined
  findNS(prefix?: string): string | undefined
  /** Every xmlns declared here and above, as { uri: prefix }. */
  getXmlns(): Record<string, string>
  setAttrs(attrs: string | Record<string, unknown>): void
  getAttr(name: string, xmlns?: string): string | undefined
  getChild(name: string, xmlns?: string): XmlElement | undefined
  getChildren(name: string, xmlns?: string): XmlElement[]
  getChildByAttr(attr: string, val: unknown, xmlns?: string, recursive?: boolean): XmlElement | undefined
  getChildrenByAttr(attr: string, val: unknown, xmlns?: string, recursive?: boolean): XmlElement[]
  getChildrenByFilter(filter: (child: XmlNode) => boolean, recursive?: boolean): XmlElement[]
  getText(): string
  getChildText(name: string, xmlns?: string): string | null
  /** The child elements, without text nodes. */
  getChildElements(): XmlElement[]
  root(): XmlElement
  tree(): XmlElement
  /** The parent, or this element at the top. */
  up(): XmlElement
  /** Appends a new child element and returns the child. */
  c(name: string, attrs?: Record<string, unknown>): XmlElement
  cnode<T extends XmlNode>(child: T): T
  /** Returns nothing (ltx's append does not chain). */
  append(...nodes: XmlNode[]): void
  prepend(...nodes: XmlNode[]): void
  /** Appends a text node and returns this element. */
  t(text: string): this
  remove(el: XmlNode, xmlns?: string): this
  text(val: string): this
  text(): string
  attr(attr: string, val: unknown): this
  attr(attr: string): string | undefined
  toString(): string
  write(writer: (part: string) => void): void
}

/** A deep copy of `el` (ltx has no clone of its own). */
export function cloneElement(el: XmlElement): XmlElement {
  return xml(el.name, { ...el.attrs }, ...el.children.map((c) => (typeof c === 'string' ? c : cloneElement(c))))
}

/** The element `text` holds, or undefined when it is not one well-formed element. Never throws. */
export function parseXml(text: string): XmlElement | undefined {
  try {
    return parse(text) ?? undefined
  } catch {
    return undefined
  }
}
