// DiscoClient and XEP-0059 over the in-memory network: queryItemsPage, and
// queryItems following a responder that pages on its own. Every assertion
// about the wire counts the disco#items gets alice actually sent, and reads
// the <set/> each carried.
import { describe, expect, it } from 'vitest'
import { QueryClient } from '@tanstack/query-core'
import xml from '@xmpp/xml'
import {
  DiscoClient,
  DiscoServer,
  InvalidInputError,
  MalformedResponseError,
  NS_DISCO_ITEMS,
  NS_RSM,
  NS_STANZAS,
  StanzaError,
  itemsToXml,
  parseRsmRequest,
} from '../../src/core/index.js'
import type { DiscoItem, RsmRequest, XmlElement, XmppClient } from '../../src/core/index.js'
import { answerDisco } from '../../src/testing/index.js'
import type { DiscoPagingSpec } from '../../src/testing/index.js'
import { FakeNetwork, checkEveryTestSettles } from '../helpers/fakeNetwork.js'
import type { FakeEntity } from '../helpers/fakeNetwork.js'

const ACCOUNT = 'alice@example.org'
const ROOMS = 'rooms.example.org'
const asXmpp = (entity: FakeEntity): XmppClient => entity as unknown as XmppClient

function rooms(count: number): DiscoItem[] {
  return Array.from({ length: count }, (_, i) => ({ jid: `room${String(i).padStart(3, '0')}@${ROOMS}`, name: `Room ${i}` }))
}

const checked = checkEveryTestSettles()

/** alice asks ROOMS, which answers `items` with `paging` (answerDisco); with `items` null the test installs its own handler. */
function setup(items: DiscoItem[] | null, paging?: DiscoPagingSpec) {
  const net = new FakeNetwork()
  const alice = net.entity(`${ACCOUNT}/a`)
  const service = net.entity(ROOMS)
  const spec = { info: { identities: [{ category: 'conference', type: 'text' }], features: [], forms: [] }, items: items ?? [], paging }
  const responder = items === null ? { spec } : answerDisco(service, spec)
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  const dc = DiscoClient.for(asXmpp(alice), { queryClient })
  checked(net, alice)
  /** The <set/> of each disco#items get alice sent (undefined: none), in order. */
  const sets = (): (RsmRequest | undefined)[] =>
    alice.sentQueries(NS_DISCO_ITEMS).map((iq) => {
      const set = iq.getChild('query')?.getChild('set', NS_RSM)
      return set ? parseRsmRequest(set) : undefined
    })
  return { net, alice, service, responder, queryClient, dc, sets, itemsSent: () => alice.sentQueries(NS_DISCO_ITEMS).length }
}

describe('DiscoClient.queryItemsPage', () => {
  it('asks for one page with <set/> (max always sent) and gives the items with the responder’s first, index, last and count', async () => {
    const list = rooms(250)
    const { dc, sets } = setup(list)
    const page = await dc.queryItemsPage(ROOMS, { max: 10 })
    expect(page.items).toEqual(list.slice(0, 10))
    expect(page.rsm).toEqual({ first: list[0]?.jid, firstIndex: 0, last: list[9]?.jid, count: 250 })
    const next = await dc.queryItemsPage(ROOMS, { max: 10, after: page.rsm?.last })
    expect(next.items).toEqual(list.slice(10, 20))
    const last = await dc.queryItemsPage(ROOMS, { max: 7, before: '' })
    expect(last.items).toEqual(list.slice(243))
    const atIndex = await dc.queryItemsPage(ROOMS, { index: 200 })
    expect(atIndex.items).toEqual(list.slice(200, 250))
    expect(sets()).toEqual([{ max: 10 }, { max: 10, after: list[9]?.jid }, { max: 7, before: '' }, { max: 100, index: 200 }])
  })

  it('sends one IQ for concurrent identical page requests, caches each page, and asks again for another page', async () => {
    const { dc, itemsSent } = setup(rooms(50))
    const pages = await Promise.all(Array.from({ length: 10 }, () => dc.queryItemsPage(ROOMS, { max: 5, after: `room004@${ROOMS}` })))
    expect(itemsSent()).toBe(1)
    expect(new Set(pages).size).toBe(1)
    expect(await dc.queryItemsPage(ROOMS, { max: 5, after: `room004@${ROOMS}` })).toBe(pages[0])
    expect(itemsSent()).toBe(1)
    await dc.queryItemsPage(ROOMS, { max: 6, after: `room004@${ROOMS}` })
    expect(itemsSent()).toBe(2)
    // A page is not the list: queryItems has its own entry.
    await dc.queryItems(ROOMS)
    expect(itemsSent()).toBe(3)
  })

  it('gives every item and no rsm when the responder ignores RSM (as Prosody 0.12 does)', async () => {
    const list = rooms(250)
    const { dc } = setup(list, { ignoreRsm: true })
    const page = await dc.queryItemsPage(ROOMS, { max: 10 })
    expect(page).toEqual({ items: list })
  })

  it('refuses bad page requests with InvalidInputError before anything is sent', async () => {
    const { dc, itemsSent } = setup(rooms(5))
    for (const options of [{ max: 101 }, { max: -1 }, { after: '' }, { after: 'a', before: 'b' }, { index: 1.5 }, { node: '' }]) {
      await expect(dc.queryItemsPage(ROOMS, options), JSON.stringify(options)).rejects.toBeInstanceOf(InvalidInputError)
    }
    expect(itemsSent()).toBe(0)
  })

  it('surfaces item-not-found for an unknown after, caching nothing', async () => {
    const { dc, itemsSent, queryClient } = setup(rooms(5))
    const error = await dc.queryItemsPage(ROOMS, { max: 2, after: 'gone@rooms.example.org' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StanzaError)
    expect(error).toMatchObject({ condition: 'item-not-found' })
    await expect(dc.queryItemsPage(ROOMS, { max: 2, after: 'gone@rooms.example.org' })).rejects.toBeInstanceOf(StanzaError)
    expect(itemsSent()).toBe(2)
    expect(queryClient.getQueryCache().findAll({ predicate: (q) => q.state.data !== undefined })).toHaveLength(0)
  })

  it('rejects a page echoing another node with MalformedResponseError, never cached', async () => {
    const { dc, service, queryClient } = setup(null)
    service.iqCallee.get(NS_DISCO_ITEMS, 'query', () => itemsToXml({ node: 'other', items: [] }))
    await expect(dc.queryItemsPage(ROOMS, { node: 'mine', max: 3 })).rejects.toBeInstanceOf(MalformedResponseError)
    expect(queryClient.getQueryCache().findAll({ predicate: (q) => q.state.data !== undefined })).toHaveLength(0)
  })
})

describe('DiscoClient.queryItems and a responder that pages on its own', () => {
  it('follows a proactive <set/>: 35 items in pages of 10 are 4 IQs, in order, one cached list', async () => {
    const list = rooms(35)
    const { dc, sets, itemsSent } = setup(list, { proactive: 10, maxPageSize: 10 })
    const [a, b] = await Promise.all([dc.queryItems(ROOMS), dc.queryItems(ROOMS)])
    expect(a).toBe(b)
    expect(a).toEqual({ items: list })
    // Asked with <max/> from the first request (a responder may truncate a plain one silently), then after = the last UID.
    expect(sets()).toEqual([
      { max: 100 },
      { max: 100, after: list[9]?.jid },
      { max: 100, after: list[19]?.jid },
      { max: 100, after: list[29]?.jid },
    ])
    expect(await dc.queryItems(ROOMS)).toBe(a)
    expect(itemsSent()).toBe(4)
  })

  it('stops at maxItems with complete: false and the count, and a caller asking for more goes on from there', async () => {
    const list = rooms(35)
    const { dc, sets, itemsSent } = setup(list, { proactive: 10, maxPageSize: 10 })
    const first = await dc.queryItems(ROOMS, { maxItems: 20 })
    expect(first).toEqual({ items: list.slice(0, 20), complete: false, count: 35, last: list[19]?.jid })
    expect(itemsSent()).toBe(2)
    // Asks only for what is missing.
    expect(sets()[1]).toEqual({ max: 10, after: list[9]?.jid })
    // A caller content with fewer is served by the cached list.
    expect(await dc.queryItems(ROOMS, { maxItems: 15 })).toBe(first)
    expect(itemsSent()).toBe(2)
    // A caller wanting them all continues after the 20th: 2 more IQs, not 4.
    const all = await dc.queryItems(ROOMS)
    expect(all).toEqual({ items: list })
    expect(sets().slice(2)).toEqual([
      { max: 100, after: list[19]?.jid },
      { max: 100, after: list[29]?.jid },
    ])
    // Served from the cache now (TanStack's structural sharing keeps the first 20 items' objects).
    expect(await dc.queryItems(ROOMS)).toEqual(all)
    expect(itemsSent()).toBe(4)
  })

  it('refuses a maxItems that is not a positive integer or Infinity, before anything is sent', async () => {
    const { dc, itemsSent } = setup(rooms(3))
    for (const maxItems of [0, -5, 2.5, Number.NaN]) await expect(dc.queryItems(ROOMS, { maxItems })).rejects.toBeInstanceOf(InvalidInputError)
    expect(itemsSent()).toBe(0)
    await expect(dc.queryItems(ROOMS, { maxItems: Infinity })).resolves.toHaveProperty('items')
  })

  it('derives "more to come" from the count when <first> has no index (ejabberd 23.01)', async () => {
    const list = rooms(25)
    const { dc, service, itemsSent } = setup(null)
    // Pages of 10 by name, <first> without index, as ejabberd's MUC answers.
    service.iqCallee.get(NS_DISCO_ITEMS, 'query', (ctx) => {
      const set = ctx.element?.getChild('set', NS_RSM)
      const after = set?.getChildText('after')
      const start = after ? list.findIndex((i) => i.jid === after) + 1 : 0
      const page = list.slice(start, start + 10)
      return xml(
        'query',
        { xmlns: NS_DISCO_ITEMS },
        ...page.map((i) => xml('item', { jid: i.jid })),
        xml('set', { xmlns: NS_RSM }, xml('count', {}, '25'), xml('first', {}, page[0]?.jid ?? ''), xml('last', {}, page.at(-1)?.jid ?? '')),
      )
    })
    expect((await dc.queryItems(ROOMS)).items.map((i) => i.jid)).toEqual(list.map((i) => i.jid))
    expect(itemsSent()).toBe(3)
  })

  it('stops when a responder returns the same page for every after (a loop), or a page that brings nothing new', async () => {
    const list = rooms(10)
    const { dc, service, itemsSent } = setup(null)
    let answered = 0
    service.iqCallee.get(NS_DISCO_ITEMS, 'query', () => {
      answered++
      // Claims 1000 items and always sends the first 5, with the same last; from the 3rd answer on, a new last id.
      const last = answered >= 3 ? `id-${answered}` : 'id-0'
      return xml(
        'query',
        { xmlns: NS_DISCO_ITEMS },
        ...list.slice(0, 5).map((i) => xml('item', { jid: i.jid })),
        xml('set', { xmlns: NS_RSM }, xml('first', { index: '0' }, 'id-first'), xml('last', {}, last), xml('count', {}, '1000')),
      )
    })
    const result = await dc.queryItems(ROOMS)
    expect(result.items).toHaveLength(5)
    // Repeated last: stop after the second page.
    expect(itemsSent()).toBe(2)
    dc.flushCache()
    expect((await dc.queryItems(ROOMS)).items).toHaveLength(5)
    // A new last but nothing new: stop after the second page as well.
    expect(itemsSent()).toBe(4)
  })

  it('stops when a page repeats a last, even one with new items (a responder that ignores after)', async () => {
    const list = rooms(100)
    const { dc, service, itemsSent } = setup(null)
    let answered = 0
    service.iqCallee.get(NS_DISCO_ITEMS, 'query', () => {
      const page = list.slice(answered * 5, ++answered * 5)
      return itemsToXml({ items: page, rsm: { first: 'same-first', last: 'same-last', count: 100 } })
    })
    expect((await dc.queryItems(ROOMS)).items).toEqual(list.slice(0, 10))
    expect(itemsSent()).toBe(2)
  })

  it('follows a proactive <set/> without count until an empty page', async () => {
    const list = rooms(12)
    const { dc, service, itemsSent } = setup(null)
    service.iqCallee.get(NS_DISCO_ITEMS, 'query', (ctx) => {
      const after = ctx.element?.getChild('set', NS_RSM)?.getChildText('after')
      const start = after ? list.findIndex((i) => i.jid === after) + 1 : 0
      const page = list.slice(start, start + 5)
      const set = page.length ? [xml('first', {}, page[0]?.jid ?? ''), xml('last', {}, page.at(-1)?.jid ?? '')] : []
      return xml('query', { xmlns: NS_DISCO_ITEMS }, ...page.map((i) => xml('item', { jid: i.jid })), xml('set', { xmlns: NS_RSM }, ...set))
    })
    expect((await dc.queryItems(ROOMS)).items).toHaveLength(12)
    expect(itemsSent()).toBe(4)
  })

  it('shares a failing follow-up page among the callers and caches nothing', async () => {
    const list = rooms(30)
    const { dc, service, itemsSent, queryClient } = setup(null)
    let answered = 0
    // The first page, then the service breaks.
    service.iqCallee.get(NS_DISCO_ITEMS, 'query', () =>
      ++answered === 1
        ? itemsToXml({ items: list.slice(0, 10), rsm: { first: list[0]?.jid as string, firstIndex: 0, last: list[9]?.jid as string, count: 30 } })
        : xml('error', { type: 'cancel' }, xml('internal-server-error', { xmlns: NS_STANZAS })),
    )
    const outcomes = await Promise.allSettled([dc.queryItems(ROOMS), dc.queryItems(ROOMS)])
    for (const outcome of outcomes) expect(outcome).toMatchObject({ status: 'rejected', reason: { condition: 'internal-server-error' } })
    expect(itemsSent()).toBe(2)
    expect(queryClient.getQueryCache().findAll({ predicate: (q) => q.state.data !== undefined })).toHaveLength(0)
  })

  it('stops following when the last caller aborts, and stores nothing', async () => {
    const list = rooms(100)
    const { dc, itemsSent, queryClient, net } = setup(list, { proactive: 10, maxPageSize: 10 })
    const controller = new AbortController()
    const pending = dc.queryItems(ROOMS, { signal: controller.signal })
    // Leave as soon as the second page is asked for.
    while (itemsSent() < 2) await new Promise((resolve) => setImmediate(resolve))
    controller.abort()
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' })
    const sent = itemsSent()
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve))
    expect(itemsSent()).toBe(sent)
    expect(sent).toBe(2)
    expect(queryClient.getQueryCache().findAll({ predicate: (q) => q.state.data !== undefined })).toHaveLength(0)
    net.close()
  })

  it('walks our own DiscoServer page by page: 300 items in 3 IQs of 100, in order', async () => {
    const net = new FakeNetwork()
    const alice = net.entity(`${ACCOUNT}/a`)
    const bob = net.entity('bob@example.org/b')
    checked(net, alice)
    DiscoServer.for(asXmpp(bob)).items.push(...rooms(300))
    const dc = DiscoClient.for(asXmpp(alice), { queryClient: new QueryClient() })
    expect((await dc.queryItems('bob@example.org/b')).items).toEqual(rooms(300))
    expect(alice.sentQueries(NS_DISCO_ITEMS)).toHaveLength(3)
    const page = await dc.queryItemsPage('bob@example.org/b', { max: 100, after: `room099@${ROOMS}` })
    expect(page.rsm).toMatchObject({ firstIndex: 100, count: 300 })
  })
})

/** The <query/> element type, for handlers above. */
export type { XmlElement }
