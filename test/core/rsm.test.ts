// XEP-0059 <set/> both ways, the app's page requests, and the page a
// responder cuts from its list (src/core/rsm.ts).
import xml from '@xmpp/xml'
import { describe, expect, it } from 'vitest'
import { InvalidInputError, StanzaError } from '../../src/core/errors.js'
import { itemsToXml, parseItemsPage } from '../../src/core/model.js'
import { NS_DISCO_ITEMS, NS_RSM } from '../../src/core/namespaces.js'
import {
  MAX_PAGE_SIZE,
  checkPageRequest,
  itemUid,
  parseRsmRequest,
  parseRsmResult,
  rsmRequestToXml,
  rsmResultToXml,
  selectPage,
} from '../../src/core/rsm.js'
import type { RsmRequest } from '../../src/core/rsm.js'

const set = (...children: ReturnType<typeof xml>[]) => xml('set', { xmlns: NS_RSM }, ...children)
const el = (name: string, text?: string, attrs: Record<string, string> = {}) => xml(name, attrs, text)

describe('rsm: requests', () => {
  it('writes max, after, before and index as XEP-0059 says, an empty before as <before/>', () => {
    expect(rsmRequestToXml({ max: 10 }).toString()).toBe(`<set xmlns="${NS_RSM}"><max>10</max></set>`)
    expect(rsmRequestToXml({ max: 10, after: 'a@b' }).toString()).toBe(`<set xmlns="${NS_RSM}"><max>10</max><after>a@b</after></set>`)
    expect(rsmRequestToXml({ max: 5, before: '' }).toString()).toBe(`<set xmlns="${NS_RSM}"><max>5</max><before/></set>`)
    expect(rsmRequestToXml({ max: 5, before: 'x' }).toString()).toBe(`<set xmlns="${NS_RSM}"><max>5</max><before>x</before></set>`)
    expect(rsmRequestToXml({ max: 0, index: 20 }).toString()).toBe(`<set xmlns="${NS_RSM}"><max>0</max><index>20</index></set>`)
  })

  it('reads back what it writes', () => {
    const requests: RsmRequest[] = [{ max: 10 }, { max: 10, after: 'a b' }, { max: 3, before: '' }, { max: 3, before: 'z' }, { max: 7, index: 4 }, {}]
    for (const request of requests) expect(parseRsmRequest(rsmRequestToXml(request))).toEqual(request)
  })

  it('answers bad-request for a max or index that is not a non-negative integer, or two of after, before and index', () => {
    const bad = [
      set(el('max', 'ten')),
      set(el('max', '-1')),
      set(el('max', '1.5')),
      set(el('index', '')),
      set(el('after', 'a'), el('before', 'b')),
      set(el('after', 'a'), el('index', '2')),
      set(el('before'), el('index', '2')),
    ]
    for (const s of bad) {
      expect(() => parseRsmRequest(s), s.toString()).toThrow(StanzaError)
      expect(() => parseRsmRequest(s)).toThrow(expect.objectContaining({ condition: 'bad-request', type: 'modify' }))
    }
  })

  it('checks the app page request before anything is sent: max 0 to 100 (default 100), one of after, before, index', () => {
    expect(checkPageRequest({})).toEqual({ max: MAX_PAGE_SIZE })
    expect(checkPageRequest({ max: 0, index: 3 })).toEqual({ max: 0, index: 3 })
    expect(checkPageRequest({ max: 20, before: '' })).toEqual({ max: 20, before: '' })
    expect(checkPageRequest({ after: 'x', before: undefined })).toEqual({ max: 100, after: 'x' })
    const invalid: unknown[] = [
      { max: 101 },
      { max: -1 },
      { max: 2.5 },
      { max: Number.NaN },
      { max: '10' },
      { after: '' },
      { after: 'a\u0000' },
      { after: 'a\ud800' },
      { before: 5 },
      { index: -1 },
      { index: 1.5 },
      { after: 'a', before: 'b' },
      { before: '', index: 0 },
    ]
    for (const request of invalid) {
      expect(() => checkPageRequest(request as RsmRequest), JSON.stringify(request)).toThrow(InvalidInputError)
    }
  })
})

describe('rsm: results', () => {
  it('writes first with its index, last and count; an empty page only the count', () => {
    expect(rsmResultToXml({ first: 'a', firstIndex: 0, last: 'c', count: 3 }).toString()).toBe(
      `<set xmlns="${NS_RSM}"><first index="0">a</first><last>c</last><count>3</count></set>`,
    )
    expect(rsmResultToXml({ count: 3 }).toString()).toBe(`<set xmlns="${NS_RSM}"><count>3</count></set>`)
  })

  it('reads first, its index, last and count, liberally leaving out what is unusable', () => {
    expect(parseRsmResult(rsmResultToXml({ first: 'a', firstIndex: 10, last: 'c', count: 800 }))).toEqual({
      first: 'a',
      firstIndex: 10,
      last: 'c',
      count: 800,
    })
    // ejabberd 23.01: <first> without index.
    expect(parseRsmResult(set(el('count', '150'), el('first', 'probe0'), el('last', 'room0009')))).toEqual({
      first: 'probe0',
      last: 'room0009',
      count: 150,
    })
    expect(parseRsmResult(set(el('first', 'a', { index: 'x' }), el('last', ''), el('count', '-4')))).toEqual({ first: 'a' })
    expect(parseRsmResult(set(el('count', ' 12 ')))).toEqual({ count: 12 })
    expect(parseRsmResult(set())).toEqual({})
  })

  it('carries a page through disco#items: items and <set/> out, the same back in', () => {
    const page = { node: 'n', items: [{ jid: 'a@example.org' }, { jid: 'b@example.org', node: 'x', name: 'B' }], rsm: { first: 'a', firstIndex: 0, last: 'b', count: 9 } }
    const query = itemsToXml(page)
    expect(query.getChild('set', NS_RSM)).toBeDefined()
    expect(parseItemsPage(query)).toEqual(page)
    // A result without <set/> is a page without rsm.
    expect(parseItemsPage(xml('query', { xmlns: NS_DISCO_ITEMS }, xml('item', { jid: 'a@example.org' })))).toEqual({ items: [{ jid: 'a@example.org' }] })
  })
})

describe('rsm: item UIDs', () => {
  it('names an item by its JID, and its node after a space, never two items alike', () => {
    expect(itemUid({ jid: 'room@conference.example.org' })).toBe('room@conference.example.org')
    expect(itemUid({ jid: 'pubsub.example.org', node: 'news' })).toBe('pubsub.example.org news')
    const tricky = [
      { jid: 'a@b/c d' },
      { jid: 'a@b/c', node: 'd' },
      { jid: 'a@b/c', node: 'd e' },
      { jid: 'a@b/c d', node: 'e' },
      { jid: 'a@b/%20' },
      { jid: 'a@b/ ' },
    ]
    expect(new Set(tricky.map(itemUid)).size).toBe(tricky.length)
  })
})

describe('rsm: selectPage', () => {
  const list = Array.from({ length: 35 }, (_, i) => `item${String(i).padStart(2, '0')}`)
  const uid = (s: string) => s
  const page = (request: RsmRequest, cap = 10) => selectPage(list, request, cap, uid)

  it('gives the first page with first (index 0), last and count', () => {
    expect(page({ max: 3 })).toEqual({
      items: ['item00', 'item01', 'item02'],
      rsm: { first: 'item00', firstIndex: 0, last: 'item02', count: 35 },
    })
  })

  it('gives the page after a UID', () => {
    expect(page({ max: 3, after: 'item02' })).toEqual({
      items: ['item03', 'item04', 'item05'],
      rsm: { first: 'item03', firstIndex: 3, last: 'item05', count: 35 },
    })
    expect(page({ max: 3, after: 'item33' }).items).toEqual(['item34'])
    expect(page({ max: 3, after: 'item34' })).toEqual({ items: [], rsm: { count: 35 } })
  })

  it('gives the last page for an empty before, and the page ending just before a UID', () => {
    expect(page({ max: 4, before: '' })).toEqual({
      items: ['item31', 'item32', 'item33', 'item34'],
      rsm: { first: 'item31', firstIndex: 31, last: 'item34', count: 35 },
    })
    expect(page({ max: 4, before: 'item31' }).items).toEqual(['item27', 'item28', 'item29', 'item30'])
    expect(page({ max: 4, before: 'item02' })).toEqual({
      items: ['item00', 'item01'],
      rsm: { first: 'item00', firstIndex: 0, last: 'item01', count: 35 },
    })
  })

  it('gives the page starting at an index, and an empty page at or past the end', () => {
    expect(page({ max: 2, index: 20 })).toEqual({
      items: ['item20', 'item21'],
      rsm: { first: 'item20', firstIndex: 20, last: 'item21', count: 35 },
    })
    expect(page({ max: 2, index: 35 })).toEqual({ items: [], rsm: { count: 35 } })
    expect(page({ max: 2, index: 99 })).toEqual({ items: [], rsm: { count: 35 } })
  })

  it('caps a page at the responder maximum, also without max, and gives only the count for max 0', () => {
    expect(page({ max: 500 }).items).toHaveLength(10)
    expect(page({}).items).toHaveLength(10)
    expect(page({ max: 500, before: '' }).items).toEqual(list.slice(25))
    expect(page({ max: 0 })).toEqual({ items: [], rsm: { count: 35 } })
  })

  it('answers item-not-found for an after or before that names no item', () => {
    for (const request of [{ max: 3, after: 'nope' }, { max: 3, before: 'nope' }, { max: 3, after: '' }]) {
      expect(() => page(request)).toThrow(expect.objectContaining({ condition: 'item-not-found', type: 'cancel' }))
    }
  })

  it('visits every item once, in order, walking with after = the last UID', () => {
    const seen: string[] = []
    let after: string | undefined
    for (let pages = 0; pages < 100; pages++) {
      const { items, rsm } = page(after === undefined ? { max: 10 } : { max: 10, after })
      seen.push(...items)
      if (rsm.last === undefined) break
      after = rsm.last
    }
    expect(seen).toEqual(list)
  })
})
