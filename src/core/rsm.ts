/**
 * XEP-0059 Result Set Management: the `<set/>` of a request and of a result,
 * both ways, and the page a responder cuts from its list.
 *
 * XEP-0059 section 2.1 (max), 2.2 (after; the result's first with its index,
 *   last and count; no first or last in an empty page), 2.3 (before), 2.4
 *   (item-not-found for a UID that names no item), 2.5 (an empty before asks
 *   for the last page), 2.6 (index; at or past the end, an empty page),
 *   section 2.2 again: UIDs are opaque to the requester.
 * What real responders do with it (ejabberd 23.01, Prosody 0.12, measured):
 *   README, "Large directories".
 */
import xml from '@xmpp/xml'
import { InvalidInputError, StanzaError } from './errors.js'
import type { DiscoItem } from './model.js'
import { NS_RSM } from './namespaces.js'
import { assertText } from './validate.js'
import type { XmlElement } from './xml.js'

/** A page as a requester asks for it. `before: ''` asks for the last page. */
export interface RsmRequest {
  max?: number | undefined
  after?: string | undefined
  before?: string | undefined
  index?: number | undefined
}

/** What a responder says of the page it sent (all optional: responders differ). */
export interface RsmResult {
  /** UID of the first item of the page. */
  first?: string
  /** Position of that item in the whole set (`<first index>`). */
  firstIndex?: number
  /** UID of the last item of the page: what `after` takes to go on. */
  last?: string
  /** Items in the whole set (may be approximate). */
  count?: number
}

/**
 * The most items one page may ask for. ejabberd 23.01 answers a request for
 * more (or one without `<max>`) with the LAST 100 items of the range,
 * silently skipping the others; 100 is also what this library's responders
 * give at most by default.
 */
export const MAX_PAGE_SIZE = 100

const COUNT = /^\d+$/

function text(value: string | number): string {
  return String(value)
}

/** `<set xmlns='http://jabber.org/protocol/rsm'>` for a request. */
export function rsmRequestToXml(request: RsmRequest): XmlElement {
  const { max, after, before, index } = request
  return xml(
    'set',
    { xmlns: NS_RSM },
    max === undefined ? undefined : xml('max', {}, text(max)),
    after === undefined ? undefined : xml('after', {}, after),
    before === undefined ? undefined : before === '' ? xml('before') : xml('before', {}, before),
    index === undefined ? undefined : xml('index', {}, text(index)),
  )
}

/** `<set/>` for a result: count always, first and last when the page has items. */
export function rsmResultToXml(result: RsmResult): XmlElement {
  const { first, firstIndex, last, count } = result
  return xml(
    'set',
    { xmlns: NS_RSM },
    first === undefined ? undefined : xml('first', { index: firstIndex === undefined ? undefined : text(firstIndex) }, first),
    last === undefined ? undefined : xml('last', {}, last),
    count === undefined ? undefined : xml('count', {}, text(count)),
  )
}

function readCount(value: string | null | undefined): number | undefined {
  const trimmed = value?.trim()
  return trimmed !== undefined && COUNT.test(trimmed) ? Number(trimmed) : undefined
}

/**
 * A result's `<set/>`, liberally: a count or index that is not a
 * non-negative integer, and an empty first or last, are left out (they only
 * help to page; the items are what counts).
 */
export function parseRsmResult(set: XmlElement): RsmResult {
  const result: RsmResult = {}
  const first = set.getChild('first')
  const firstText = first?.getText()
  if (first && firstText) {
    result.first = firstText
    const index = readCount(first.attrs.index)
    if (index !== undefined) result.firstIndex = index
  }
  const last = set.getChildText('last')
  if (last) result.last = last
  const count = readCount(set.getChildText('count'))
  if (count !== undefined) result.count = count
  return result
}

/** The `<set/>` child of a `<query/>`, if any. */
export function rsmOf(query: XmlElement): XmlElement | undefined {
  return query.getChild('set', NS_RSM)
}

/**
 * A request's `<set/>` as a responder reads it. A max or index that is not a
 * non-negative integer, or more than one of after, before and index, is a
 * bad-request.
 */
export function parseRsmRequest(set: XmlElement): RsmRequest {
  const request: RsmRequest = {}
  const number = (name: 'max' | 'index'): void => {
    const el = set.getChild(name)
    if (!el) return
    const value = readCount(el.getText())
    if (value === undefined) throw new StanzaError('bad-request', { type: 'modify', text: `<${name}/> is not a non-negative integer` })
    request[name] = value
  }
  number('max')
  number('index')
  const after = set.getChild('after')
  const before = set.getChild('before')
  if (after) request.after = after.getText()
  if (before) request.before = before.getText()
  if ([after, before, request.index].filter((v) => v !== undefined).length > 1) {
    throw new StanzaError('bad-request', { type: 'modify', text: 'after, before and index exclude each other' })
  }
  return request
}

/**
 * A page request from the app, checked before anything is sent: `max` an
 * integer from 0 to MAX_PAGE_SIZE (default MAX_PAGE_SIZE, always sent),
 * `after` a non-empty string, `before` a string ('' = the last page), `index`
 * a non-negative integer, at most one of those three. Throws InvalidInputError.
 */
export function checkPageRequest(request: RsmRequest): RsmRequest & { max: number } {
  const { max = MAX_PAGE_SIZE, after, before, index } = request
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 0 || max > MAX_PAGE_SIZE) {
    throw new InvalidInputError(`max must be an integer from 0 to ${MAX_PAGE_SIZE}, got ${String(max)}`)
  }
  if ([after, before, index].filter((v) => v !== undefined).length > 1) {
    throw new InvalidInputError('after, before and index exclude each other: give one at most')
  }
  const checked: RsmRequest & { max: number } = { max }
  if (after !== undefined) {
    assertText(after, 'after')
    checked.after = after
  }
  if (before !== undefined) {
    // '' asks for the last page; anything else must be a UID we can send.
    if (before !== '') assertText(before, 'before')
    checked.before = before
  }
  if (index !== undefined) {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) {
      throw new InvalidInputError(`index must be a non-negative integer, got ${String(index)}`)
    }
    checked.index = index
  }
  return checked
}

/**
 * The UID of a disco item in the pages this library answers: its JID, and
 * its node after a space when it has one ('%' and ' ' escaped, so that no two
 * items share a UID). Readable, and stable while the list changes.
 */
export function itemUid(item: DiscoItem): string {
  const escape = (s: string): string => s.replace(/%/g, '%25').replace(/ /g, '%20')
  return item.node === undefined ? escape(item.jid) : `${escape(item.jid)} ${escape(item.node)}`
}

/** One page of a list and its `<set/>`. */
export interface Page<T> {
  items: T[]
  rsm: RsmResult
}

/**
 * The page of `list` that `request` asks for, at most `cap` items (also
 * when the request asks for more or gives no max). An `after` or `before`
 * that names no item is item-not-found (a StanzaError); an index at or past
 * the end gives an empty page. Walking with `after` = the previous page's
 * `last` visits every item once, in order. `indexOf` finds the item of a
 * UID (-1: none); by default a scan of the list.
 */
export function selectPage<T>(
  list: readonly T[],
  request: RsmRequest,
  cap: number,
  uid: (item: T) => string,
  indexOf: (id: string) => number = (id) => list.findIndex((item) => uid(item) === id),
): Page<T> {
  const size = Math.min(request.max ?? cap, cap)
  const find = (id: string): number => {
    const at = indexOf(id)
    if (at === -1) throw new StanzaError('item-not-found', { type: 'cancel' })
    return at
  }
  let start: number
  let end: number
  if (request.before !== undefined) {
    end = request.before === '' ? list.length : find(request.before)
    start = Math.max(0, end - size)
  } else {
    start = request.after !== undefined ? find(request.after) + 1 : Math.min(request.index ?? 0, list.length)
    end = Math.min(list.length, start + size)
  }
  const items = list.slice(start, end)
  const rsm: RsmResult = { count: list.length }
  const first = items[0]
  const last = items.at(-1)
  if (first !== undefined && last !== undefined) {
    rsm.first = uid(first)
    rsm.firstIndex = start
    rsm.last = uid(last)
  }
  return { items, rsm }
}
