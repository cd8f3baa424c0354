// @vitest-environment jsdom
// Large directories (XEP-0059) through a real server (Prosody, or ejabberd
// with XMPP_TEST_SERVER=ejabberd): alice pages through bob's DiscoServer
// (1000 items) with queryItemsPage and useDiscoItemsPages; slixmpp walks it
// with its own RSM iterator; and what each server's MUC service does with
// RSM, as measured (README, "Large directories").
import { QueryClient } from '@tanstack/react-query'
import { act, cleanup, render, waitFor } from '@testing-library/react'
import xml from '@xmpp/xml'
import { StrictMode } from 'react'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DiscoClient, DiscoServer, NS_DISCO_ITEMS, NS_RSM, parseItemsPage } from '../../src/core/index.js'
import type { DiscoItem, DiscoItemsPage, XmlElement, XmppClient } from '../../src/core/index.js'
import { DiscoProvider, useDiscoItemsPages } from '../../src/react/index.js'
import type { UseDiscoItemsPagesResult } from '../../src/react/index.js'
import { onlyOn, serverName, startServer } from '../helpers/server.js'
import type { TestServer } from '../helpers/server.js'
import { walkItemsWithSlixmpp } from '../helpers/slixmppPeer.js'
import { connectClient, countDiscoGets, stopClient } from '../helpers/xmppClient.js'
import type { Client } from '../helpers/xmppClient.js'

const password = (username: string) => `${username}-pw`
const users = ['alice', 'bob', 'slix'].map((username) => ({ username, password: password(username) }))
const asXmpp = (c: Client) => c as unknown as XmppClient
const newQueryClient = () => new QueryClient({ defaultOptions: { queries: { retry: false } } })

/** Follows pages with after = last until the responder says there is no more; every page as it came. */
async function walk(client: DiscoClient, jid: string, max: number): Promise<DiscoItemsPage[]> {
  const pages: DiscoItemsPage[] = []
  let after: string | undefined
  for (;;) {
    const page = await client.queryItemsPage(jid, { max, after })
    pages.push(page)
    const rsm = page.rsm
    const seen = pages.reduce((n, p) => n + p.items.length, 0)
    if (!rsm?.last || page.items.length === 0 || (rsm.count !== undefined && seen >= rsm.count)) return pages
    after = rsm.last
  }
}

/** Counts the disco#items gets `xmpp` writes. */
function countItemsSent(xmpp: Client): () => number {
  let sent = 0
  xmpp.on('send', (el: XmlElement) => {
    if (el.name === 'iq' && el.attrs.type === 'get' && el.getChild('query', NS_DISCO_ITEMS)) sent++
  })
  return () => sent
}

/** Renders useDiscoItemsPages(jid, { pageSize }) for `xmpp` in StrictMode; the holder has its latest result. */
function renderPages(xmpp: Client, queryClient: QueryClient, jid: string, pageSize: number): { current?: UseDiscoItemsPagesResult } {
  const result: { current?: UseDiscoItemsPagesResult } = {}
  function Pages() {
    result.current = useDiscoItemsPages(jid, { pageSize })
    return null
  }
  render(
    <StrictMode>
      <DiscoProvider client={asXmpp(xmpp)} queryClient={queryClient}>
        <Pages />
      </DiscoProvider>
    </StrictMode>,
  )
  return result
}

describe(`Large directories through ${serverName}`, () => {
  let server: TestServer
  let alice: Client
  let bob: Client
  let bobJid: string
  let bobGets: { info: number; items: number }
  const list: DiscoItem[] = Array.from({ length: 1000 }, (_, i) => ({
    jid: `room${String(i).padStart(4, '0')}@rooms.example.org`,
    name: `Room ${i}`,
  }))

  beforeAll(async () => {
    server = await startServer({ users, muc: true })
    const connect = (username: string) => connectClient(server, { username, password: password(username), resource: 'it' })
    ;[alice, bob] = await Promise.all([connect('alice'), connect('bob')])
    bobJid = String(bob.jid)
    bobGets = countDiscoGets(bob)
    DiscoServer.for(asXmpp(bob)).items.push(...list)
  })

  afterAll(async () => {
    cleanup()
    await Promise.all([alice, bob].map((c) => stopClient(c)))
    await server?.stop()
  })

  it("pages through another client's DiscoServer holding 1000 items with queryItemsPage: one IQ a page, every item once, in order", async () => {
    const client = DiscoClient.for(asXmpp(alice), { queryClient: newQueryClient() })
    const before = bobGets.items
    const pages = await walk(client, bobJid, 100)
    expect(pages).toHaveLength(10)
    expect(pages.flatMap((p) => p.items)).toEqual(list)
    expect(pages[3]?.rsm).toEqual({ first: list[300]?.jid, firstIndex: 300, last: list[399]?.jid, count: 1000 })
    expect(bobGets.items - before).toBe(10)
    // The last page, and a page at an index.
    expect((await client.queryItemsPage(bobJid, { max: 30, before: '' })).items).toEqual(list.slice(970))
    expect((await client.queryItemsPage(bobJid, { max: 5, index: 500 })).items).toEqual(list.slice(500, 505))
    // Cached: walking again costs nothing.
    await walk(client, bobJid, 100)
    expect(bobGets.items - before).toBe(12)
  })

  it('sends one IQ for identical page requests made at once, and for a hook asking the page a call is waiting for', async () => {
    const queryClient = newQueryClient()
    const client = DiscoClient.for(asXmpp(alice), { queryClient })
    const before = bobGets.items
    const pages = await Promise.all(Array.from({ length: 5 }, () => client.queryItemsPage(bobJid, { max: 50, after: list[99]?.jid })))
    expect(new Set(pages).size).toBe(1)
    expect(bobGets.items - before).toBe(1)
    // A hook's first page while queryItemsPage waits for the same page.
    const pending = client.queryItemsPage(bobJid, { max: 20 })
    const result = renderPages(alice, queryClient, bobJid, 20)
    expect((await pending).items).toEqual(list.slice(0, 20))
    await waitFor(() => expect(result.current?.items).toHaveLength(20))
    expect(bobGets.items - before).toBe(2)
    cleanup()
  })

  it('pages through the 1000 items with useDiscoItemsPages: fetchNextPage until hasNextPage is false', async () => {
    const before = bobGets.items
    const result = renderPages(alice, newQueryClient(), bobJid, 100)
    await waitFor(() => expect(result.current?.items).toHaveLength(100))
    expect(result.current?.count).toBe(1000)
    while (result.current?.hasNextPage) {
      const pages = result.current.data?.pages.length ?? 0
      await act(() => result.current?.fetchNextPage())
      await waitFor(() => expect(result.current?.data?.pages.length).toBe(pages + 1))
    }
    expect(result.current?.items).toEqual(list)
    expect(result.current?.data?.pages).toHaveLength(10)
    expect(bobGets.items - before).toBe(10)
    cleanup()
  })

  it('gets the 1000 items with queryItems, a page of 100 at a time, as one cached list', async () => {
    const client = DiscoClient.for(asXmpp(alice), { queryClient: newQueryClient() })
    const before = bobGets.items
    const [a, b] = await Promise.all([client.queryItems(bobJid), client.queryItems(bobJid)])
    expect(a).toEqual({ items: list })
    expect(b).toBe(a)
    expect(bobGets.items - before).toBe(10)
  })

  it("is walked by slixmpp's own RSM iterator, every item once, in order", async () => {
    const before = bobGets.items
    const pages = await walkItemsWithSlixmpp(server, { username: 'slix', password: password('slix') }, bobJid, 37)
    expect(pages.flatMap((p) => p.items)).toEqual(list.map((i) => i.jid))
    // 27 pages of 37 and the last of 1; slixmpp stops on first index + page size = count.
    expect(pages).toHaveLength(28)
    expect(pages.at(-1)).toMatchObject({ first_index: '999', count: '1000' })
    expect(bobGets.items - before).toBe(28)
  })

  onlyOn('prosody')("shows Prosody 0.12 ignoring RSM: its MUC answers a page request with every room and no <set/>", async () => {
    const muc = server.mucService as string
    const rooms = ['alpha', 'beta', 'gamma'].map((name) => `${name}@${muc}`)
    for (const room of rooms) await alice.send(xml('presence', { to: `${room}/alice` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })))
    const client = DiscoClient.for(asXmpp(alice), { queryClient: newQueryClient() })
    await waitFor(async () => expect((await client.queryItems(muc, { requireFresh: true })).items).toHaveLength(3), { timeout: 5000 })
    const page = await client.queryItemsPage(muc, { max: 1 })
    expect(page.rsm).toBeUndefined()
    expect(page.items.map((i) => i.jid).sort()).toEqual(rooms)
  })

  onlyOn('ejabberd')(
    "pages through 300 rooms of ejabberd 23.01's MUC service, whose plain disco#items lists only the occupied ones",
    async () => {
      const muc = server.mucService as string
      const api = server.api as NonNullable<TestServer['api']>
      const names = Array.from({ length: 300 }, (_, i) => `room${String(i).padStart(3, '0')}`)
      // The admin API over HTTP, ~5 ms a room (ejabberdctl starts an Erlang VM per call, ~1.4 s).
      for (const name of names) {
        await api('create_room_with_opts', { name, service: muc, host: server.host, options: [{ name: 'persistent', value: 'true' }] })
      }
      // Two of them occupied.
      for (const name of ['room007', 'room250']) {
        await alice.send(xml('presence', { to: `${name}@${muc}/alice` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })))
      }
      const client = DiscoClient.for(asXmpp(alice), { queryClient: newQueryClient() })
      const itemsGetsSent = countItemsSent(alice)
      const iqCaller = (alice as unknown as { iqCaller: { get(el: XmlElement, to: string): Promise<XmlElement> } }).iqCaller
      // A plain disco#items, without RSM and above max_rooms_discoitems (100): the occupied rooms only, and no <set/> to say so.
      const plain = async () => parseItemsPage(await iqCaller.get(xml('query', { xmlns: NS_DISCO_ITEMS }), muc))
      await waitFor(async () => expect((await plain()).items).toHaveLength(2), { timeout: 5000 })
      expect((await plain()).items.map((i) => i.jid)).toEqual([`room007@${muc}`, `room250@${muc}`])
      expect((await plain()).rsm).toBeUndefined()
      // queryItems asks with <max/> from the first request: every room, in 3 requests.
      const sentBefore = itemsGetsSent()
      expect((await client.queryItems(muc)).items.map((i) => i.jid)).toEqual(names.map((n) => `${n}@${muc}`))
      expect(itemsGetsSent() - sentBefore).toBe(3)
      // With RSM: every room, by name, 100 a page; <first> has no index, <count> is there.
      const pages = await walk(client, muc, 100)
      expect(pages.flatMap((p) => p.items.map((i) => i.jid))).toEqual(names.map((n) => `${n}@${muc}`))
      expect(pages[1]?.rsm).toEqual({ first: 'room100', last: 'room199', count: 300 })
      // Pages of 100 again with the hook's walk (itemsPagesQueryOptions through TanStack).
      const queryClient = newQueryClient()
      const options = DiscoClient.for(asXmpp(alice), { queryClient }).itemsPagesQueryOptions(muc, undefined, { pageSize: 100 })
      const data = await queryClient.fetchInfiniteQuery({ ...options, pages: 5 })
      expect(data.pages).toHaveLength(3)
      expect(data.pages.flatMap((p) => p.items)).toHaveLength(300)
      // What ejabberd does with a page request without <max> (or above 100): the LAST 100 of the range.
      const reply = await iqCaller.get(xml('query', { xmlns: NS_DISCO_ITEMS }, xml('set', { xmlns: NS_RSM })), muc)
      const last = parseItemsPage(reply)
      expect(last.items).toHaveLength(100)
      expect(last.items[0]?.jid).toBe(`room200@${muc}`)
    },
    120_000,
  )

  onlyOn('ejabberd')(
    "walks every room of ejabberd's MUC service with useDiscoItemsPages while rooms behind the cursor are destroyed (its count goes down, <first> has no index)",
    async () => {
      const muc = server.mucService as string
      const api = server.api as NonNullable<TestServer['api']>
      // 330 rooms, with the other test's 300 (or alone) a total whose last page boundary below the count minus 30
      // falls inside the directory.
      const names = Array.from({ length: 330 }, (_, i) => `dir${String(i).padStart(3, '0')}`)
      for (let i = 0; i < names.length; i += 10) {
        await Promise.all(
          names.slice(i, i + 10).map((name) => api('create_room_with_opts', { name, service: muc, host: server.host, options: [{ name: 'persistent', value: 'true' }] })),
        )
      }
      const result = renderPages(alice, newQueryClient(), muc, 100)
      await waitFor(() => expect(result.current?.items).toHaveLength(100))
      // 30 rooms of the first page go away: a walk that counts what arrived against the new count stops 30 rooms short.
      const destroyed = new Set(names.slice(10, 40))
      for (const name of destroyed) await api('destroy_room', { name, service: muc })
      while (result.current?.hasNextPage) {
        const pages = result.current.data?.pages.length ?? 0
        await act(() => result.current?.fetchNextPage())
        await waitFor(() => expect(result.current?.data?.pages.length).toBe(pages + 1))
      }
      const seen = result.current?.items.map((i) => i.jid) ?? []
      expect(new Set(seen).size).toBe(seen.length)
      // Every room the service still has (the other test's too), as its admin API lists them.
      const live = (await api('muc_online_rooms', { service: muc })) as string[]
      expect(live.length).toBeGreaterThanOrEqual(300)
      expect(live.filter((jid) => !seen.includes(jid))).toEqual([])
      cleanup()
    },
    120_000,
  )
})
