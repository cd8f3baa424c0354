/**
 * The parsed model of disco results: plain, JSON-serialisable objects, so that
 * TanStack's structural sharing, persistence and devtools work on them.
 *
 * XEP-0030 section 3 (disco#info), section 4 (disco#items)
 * XEP-0004 / XEP-0128 (extended information as data forms)
 * XEP-0059 (a page of items carries a <set/>: src/core/rsm.ts)
 * aioxmpp.disco.xso.InfoQuery.to_dict (the capsdb JSON shape of toCapsDict)
 *
 * Parsing is liberal where the meaning is clear and strict where it is not:
 *   dropped:  identities without category or type, features without var,
 *             items without a valid jid, fields without var, an empty item node
 *   merged:   exact duplicate identities, features and items (kept once)
 *   rejected: (MalformedResponseError) a wrong element, no valid identity,
 *             two different names for one category/type/xml:lang (tags
 *             compared case-insensitively: 'en' and 'EN' are one language)
 */
import xml from '@xmpp/xml'
import { MalformedResponseError } from './errors.js'
import { tryNormalizeJid } from './jid.js'
import { FORM_TYPE, NS_DATA_FORMS, NS_DISCO_INFO, NS_DISCO_ITEMS } from './namespaces.js'
import { parseRsmResult, rsmOf, rsmResultToXml } from './rsm.js'
import type { RsmResult } from './rsm.js'
import { langKey } from './validate.js'
import type { XmlElement } from './xml.js'

export interface DiscoIdentity {
  category: string
  type: string
  name?: string
  lang?: string
}

export interface DataFormField {
  var: string
  type?: string
  label?: string
  values: string[]
}

/** An XEP-0004 form as XEP-0128 uses it: type "result", named by its hidden FORM_TYPE field. */
export interface DataForm {
  type: string
  fields: DataFormField[]
}

export interface DiscoInfo {
  node?: string
  identities: DiscoIdentity[]
  features: string[]
  forms: DataForm[]
}

export interface DiscoItem {
  jid: string
  node?: string
  name?: string
}

export interface DiscoItems {
  node?: string
  items: DiscoItem[]
}

/**
 * What DiscoClient.queryItems gives: every item, or, when the responder
 * pages (XEP-0059) and the walk stopped at `maxItems` first, the first ones
 * with `complete: false`.
 */
export interface DiscoItemsList extends DiscoItems {
  /** Present (false) only when more items exist than were fetched. */
  complete?: false
  /** How many items the responder said there are, when the list is incomplete and it said so. */
  count?: number
  /** The XEP-0059 UID of the last item fetched, where asking for more goes on (incomplete lists only). */
  last?: string
}

/** One page of disco#items (XEP-0059); `rsm` is absent when the responder did not page. */
export interface DiscoItemsPage extends DiscoItems {
  rsm?: RsmResult
}

/** aioxmpp's InfoQuery.to_dict(): the entry format of the capsdb. */
export interface CapsDict {
  identities: DiscoIdentity[]
  features: string[]
  forms: Record<string, string[]>[]
}

/** The FORM_TYPE value of an extended-info form, if it has exactly one. */
export function getFormType(form: DataForm): string | undefined {
  const field = form.fields.find((f) => f.var === FORM_TYPE)
  return field?.values.length === 1 ? field.values[0] : undefined
}

/** Whether `info` advertises `feature`; XEP-0030 section 3.1: an answer missing disco#info still supports it. */
export function hasFeature(info: DiscoInfo, feature: string): boolean {
  return feature === NS_DISCO_INFO || info.features.includes(feature)
}

/**
 * The FORM_TYPE of a form that names itself as XEP-0068 says, a hidden
 * FORM_TYPE field with one value: what XEP-0128 publishes and both caps
 * hashes take. Internal.
 */
export function hiddenFormType(form: DataForm): string | undefined {
  return form.fields.find((f) => f.var === FORM_TYPE)?.type === 'hidden' ? getFormType(form) : undefined
}

/** Equal for one category/type/xml:lang; language tags compare case-insensitively (RFC 5646 2.1.1). */
export function identityKey(identity: DiscoIdentity): string {
  return `${identity.category}\u0000${identity.type}\u0000${langKey(identity.lang)}`
}

function queryOf(el: XmlElement, ns: string): XmlElement {
  if (el.is('query', ns)) return el
  const query = el.is('iq') ? el.getChild('query', ns) : undefined
  if (!query) throw new MalformedResponseError(`expected <query xmlns='${ns}'/>, got <${el.name}/>`, el)
  return query
}

/** An attribute's value, undefined when absent or empty. Internal. */
export function optionalAttr(el: XmlElement, name: string): string | undefined {
  const value = el.attrs[name]
  return typeof value === 'string' && value !== '' ? value : undefined
}

/**
 * A `<x xmlns='jabber:x:data'/>` as a DataForm. A field without var is
 * dropped, unless `literal` (reading a peer's result for hashing, where it
 * makes the result ill-formed): then its var is ''. Internal.
 */
export function parseForm(el: XmlElement, literal = false): DataForm {
  const fields: DataFormField[] = []
  for (const f of el.getChildren('field')) {
    const name = optionalAttr(f, 'var') ?? (literal ? '' : undefined)
    if (name === undefined) continue
    const field: DataFormField = { var: name, values: f.getChildren('value').map((v) => v.getText()) }
    const type = optionalAttr(f, 'type')
    const label = optionalAttr(f, 'label')
    if (type !== undefined) field.type = type
    if (label !== undefined) field.label = label
    fields.push(field)
  }
  return { type: el.attrs.type ?? 'result', fields }
}

/** disco#info result -> DiscoInfo. Accepts the `<query/>` or the `<iq/>` around it. */
export function parseInfo(el: XmlElement): DiscoInfo {
  const query = queryOf(el, NS_DISCO_INFO)
  const identities: DiscoIdentity[] = []
  const byKey = new Map<string, DiscoIdentity>()
  const features = new Set<string>()
  const forms: DataForm[] = []

  for (const child of query.getChildElements()) {
    if (child.is('identity', NS_DISCO_INFO)) {
      const category = optionalAttr(child, 'category')
      const type = optionalAttr(child, 'type')
      if (category === undefined || type === undefined) continue
      const identity: DiscoIdentity = { category, type }
      const name = optionalAttr(child, 'name')
      const lang = optionalAttr(child, 'xml:lang')
      if (name !== undefined) identity.name = name
      if (lang !== undefined) identity.lang = lang
      const key = identityKey(identity)
      const seen = byKey.get(key)
      if (seen) {
        if (seen.name !== identity.name) {
          throw new MalformedResponseError(
            `two names for identity ${category}/${type}${lang ? ` (xml:lang ${lang})` : ''}`,
            query,
          )
        }
        continue
      }
      byKey.set(key, identity)
      identities.push(identity)
    } else if (child.is('feature', NS_DISCO_INFO)) {
      const v = optionalAttr(child, 'var')
      if (v !== undefined) features.add(v)
    } else if (child.is('x', NS_DATA_FORMS)) {
      forms.push(parseForm(child))
    }
  }
  if (identities.length === 0) throw new MalformedResponseError('no valid identity', query)

  const info: DiscoInfo = { identities, features: [...features], forms }
  const node = optionalAttr(query, 'node')
  if (node !== undefined) info.node = node
  return info
}

/** disco#items result -> DiscoItems. Accepts the `<query/>` or the `<iq/>` around it. */
export function parseItems(el: XmlElement): DiscoItems {
  const query = queryOf(el, NS_DISCO_ITEMS)
  const items: DiscoItem[] = []
  const seen = new Map<string, unknown>()
  for (const child of query.getChildren('item', NS_DISCO_ITEMS)) {
    const raw = child.attrs.jid
    const jid = typeof raw === 'string' ? tryNormalizeJid(raw) : undefined
    if (jid === undefined) continue
    const node = optionalAttr(child, 'node')
    if (!firstSeen(seen, jid, node)) continue
    const item: DiscoItem = { jid }
    const name = optionalAttr(child, 'name')
    if (node !== undefined) item.node = node
    if (name !== undefined) item.name = name
    items.push(item)
  }
  const result: DiscoItems = { items }
  const node = optionalAttr(query, 'node')
  if (node !== undefined) result.node = node
  return result
}

/**
 * Notes the item (jid, node) in `seen`; false when it was there already.
 * `seen` maps a JID to its node (null: none), or to the Set of its nodes
 * when it has several (a pubsub service's): no key string to build and hash
 * per item. Internal.
 */
export function firstSeen(seen: Map<string, unknown>, jid: string, node: string | undefined): boolean {
  const key = node ?? null
  const had = seen.get(jid)
  // A Set grows when the key is new to it.
  if (had instanceof Set) return had.size < had.add(key).size
  if (had === key) return false
  seen.set(jid, had === undefined ? key : new Set([had, key]))
  return true
}

/** disco#items result -> one page: the items, and the responder's `<set/>` if it sent one. */
export function parseItemsPage(el: XmlElement): DiscoItemsPage {
  const page: DiscoItemsPage = parseItems(el)
  const set = rsmOf(queryOf(el, NS_DISCO_ITEMS))
  if (set) page.rsm = parseRsmResult(set)
  return page
}

export function formToXml(form: DataForm): XmlElement {
  return xml(
    'x',
    { xmlns: NS_DATA_FORMS, type: form.type },
    ...form.fields.map((f) =>
      xml(
        'field',
        { var: f.var, type: f.type, label: f.label },
        ...f.values.map((v) => xml('value', {}, v)),
      ),
    ),
  )
}

export function infoToXml(info: DiscoInfo): XmlElement {
  return xml(
    'query',
    { xmlns: NS_DISCO_INFO, node: info.node },
    ...info.identities.map((i) =>
      xml('identity', { category: i.category, type: i.type, name: i.name, 'xml:lang': i.lang }),
    ),
    ...info.features.map((v) => xml('feature', { var: v })),
    ...info.forms.map(formToXml),
  )
}

/** A disco#items `<query/>`; a page's `rsm` becomes its `<set/>` (XEP-0059). */
export function itemsToXml(items: DiscoItems | DiscoItemsPage): XmlElement {
  const rsm = 'rsm' in items ? items.rsm : undefined
  return xml(
    'query',
    { xmlns: NS_DISCO_ITEMS, node: items.node },
    ...items.items.map((i) => xml('item', { jid: i.jid, node: i.node, name: i.name })),
    rsm === undefined ? undefined : rsmResultToXml(rsm),
  )
}

/**
 * Code point order, which is the i;octet order of the UTF-8 encodings
 * (RFC 4790 section 9.3) and Python's str order. JavaScript's default sort
 * compares UTF-16 units: it puts U+10000 and above (surrogate pairs,
 * 0xD800-0xDFFF) before U+E000-U+FFFF, where UTF-8 does not. Internal.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return codePointRank(x) - codePointRank(y)
  }
  return a.length - b.length
}

// Moves the surrogates above U+E000-U+FFFF, as their code points are.
function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800
  if (unit >= 0xd800) return unit + 0x2000
  return unit
}

/** aioxmpp's to_dict(): identities as given, features sorted (by code point, as Python does), forms as var -> values. */
export function toCapsDict(info: DiscoInfo): CapsDict {
  return {
    identities: info.identities.map((i) => {
      const out: DiscoIdentity = { category: i.category, type: i.type }
      if (i.lang !== undefined) out.lang = i.lang
      if (i.name !== undefined) out.name = i.name
      return out
    }),
    features: [...info.features].sort(compareCodePoints),
    forms: info.forms.map((form) => Object.fromEntries(form.fields.map((f) => [f.var, [...f.values]]))),
  }
}
