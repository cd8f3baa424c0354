import { act, cleanup, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { DiscoClient, DiscoServer, InvalidInputError, NS_DISCO_ITEMS, NS_RSM, parseRsmRequest } from '../../src/core/index.js'
import type { DiscoItem, RsmRequest } from '../../src/core/index.js'
import { useDiscoItemsPages } from '../../src/react/index.js'
import type { UseDiscoItemsPagesOptions, UseDiscoItemsPagesResult } from '../../src/react/index.js'
import { answerDisco } from '../../src/testing/index.js'
import type { FakeEntity } from '../helpers/fakeNetwork.js'
import { asXmpp, latest, renderWithDisco, settle, setup } from '../helpers/renderWithDisco.js'

afterEach(cleanup)

const BOB = 'bob@example.org/b'

function rooms(count: number): DiscoItem[] {
  return Array.from({ length: count }, (_, i) => ({ jid: `room${String(i).padStart(3, '0')}@conference.example.org` }))
}

function Pages({
  jid,
  options,
  onResult,
}: {
  jid: string | null
  options?: UseDiscoItemsPagesOptions
  onResult: (result: UseDiscoItemsPagesResult) => void
}) {
  const result = useDiscoItemsPages(jid, options)
  onResult(result)
  return <p>{result.items.length}</p>
}

/** The <set/> of every disco#items get `entity` sent. */
function sets(entity: FakeEntity): (RsmRequest | undefined)[] {
  return entity.sentQueries(NS_DISCO_ITEMS).map((iq) => {
    const set = iq.getChild('query')?.getChild('set', NS_RSM)
    return set ? parseRsmRequest(set) : undefined
  })
}

describe('useDiscoItemsPages', () => {
  it('fetches the first page, the next on fetchNextPage while hasNextPage, with the total count', async () => {
    const { alice, bob, queryClient } = setup()
    const list = rooms(250)
    DiscoServer.for(asXmpp(bob)).items.push(...list)
    const result = latest<UseDiscoItemsPagesResult>()
    renderWithDisco(alice, <Pages jid={BOB} onResult={result.record} />, queryClient)
    await waitFor(() => expect(result.current?.isSuccess).toBe(true))
    expect(result.current?.items).toEqual(list.slice(0, 100))
    expect(result.current?.count).toBe(250)
    expect(result.current?.hasNextPage).toBe(true)
    await act(() => result.current?.fetchNextPage())
    await act(() => result.current?.fetchNextPage())
    await waitFor(() => expect(result.current?.hasNextPage).toBe(false))
    expect(result.current?.items).toEqual(list)
    expect(result.current?.data?.pages).toHaveLength(3)
    expect(sets(alice)).toEqual([{ max: 100 }, { max: 100, after: list[99]?.jid }, { max: 100, after: list[199]?.jid }])
  })

  it('asks for pageSize items a page, and shares each page with other hooks and queryItemsPage', async () => {
    const { alice, bob, queryClient } = setup()
    DiscoServer.for(asXmpp(bob)).items.push(...rooms(30))
    const a = latest<UseDiscoItemsPagesResult>()
    const b = latest<UseDiscoItemsPagesResult>()
    renderWithDisco(
      alice,
      <>
        <Pages jid={BOB} options={{ pageSize: 10 }} onResult={a.record} />
        <Pages jid={BOB} options={{ pageSize: 10 }} onResult={b.record} />
      </>,
      queryClient,
    )
    await waitFor(() => expect(a.current?.items).toHaveLength(10))
    expect(b.current?.items).toHaveLength(10)
    expect(alice.sentQueries(NS_DISCO_ITEMS)).toHaveLength(1)
    // The imperative call for the same page is served by the page's entry.
    const client = DiscoClient.for(asXmpp(alice), { queryClient })
    expect((await client.queryItemsPage(BOB, { max: 10 })).items).toEqual(a.current?.items)
    expect(alice.sentQueries(NS_DISCO_ITEMS)).toHaveLength(1)
    await act(() => a.current?.fetchNextPage())
    await waitFor(() => expect(b.current?.items).toHaveLength(20))
    expect(sets(alice)).toEqual([{ max: 10 }, { max: 10, after: 'room009@conference.example.org' }])
  })

  it('gets everything in one page, and no next page, from a responder that ignores RSM', async () => {
    const { alice, network, queryClient } = setup()
    const service = network.entity('muc.example.org')
    answerDisco(service, { items: rooms(150), paging: { ignoreRsm: true } })
    const result = latest<UseDiscoItemsPagesResult>()
    renderWithDisco(alice, <Pages jid="muc.example.org" options={{ pageSize: 20 }} onResult={result.record} />, queryClient)
    await waitFor(() => expect(result.current?.isSuccess).toBe(true))
    expect(result.current?.items).toHaveLength(150)
    expect(result.current?.hasNextPage).toBe(false)
    expect(result.current?.count).toBe(150)
  })

  it('sends nothing with a null jid, and its refetch does nothing', async () => {
    const { alice, queryClient } = setup()
    const result = latest<UseDiscoItemsPagesResult>()
    renderWithDisco(alice, <Pages jid={null} onResult={result.record} />, queryClient)
    await settle(20)
    await act(() => result.current?.refetch())
    await settle(20)
    expect(result.current?.status).toBe('pending')
    expect(result.current?.fetchStatus).toBe('idle')
    expect(alice.sentQueries()).toHaveLength(0)
  })

  it('is an InvalidInputError, nothing sent, for a pageSize outside 1-100', async () => {
    const { alice, queryClient } = setup()
    for (const pageSize of [0, 101, 2.5]) {
      const result = latest<UseDiscoItemsPagesResult>()
      renderWithDisco(alice, <Pages jid={BOB} options={{ pageSize }} onResult={result.record} />, queryClient)
      await waitFor(() => expect(result.current?.isError).toBe(true))
      expect(result.current?.error).toBeInstanceOf(InvalidInputError)
      cleanup()
    }
    expect(alice.sentQueries()).toHaveLength(0)
  })

  it('fetches its pages again after a flush', async () => {
    const { alice, bob, queryClient } = setup()
    const server = DiscoServer.for(asXmpp(bob))
    server.items.push(...rooms(15))
    const result = latest<UseDiscoItemsPagesResult>()
    renderWithDisco(alice, <Pages jid={BOB} options={{ pageSize: 10 }} onResult={result.record} />, queryClient)
    await waitFor(() => expect(result.current?.items).toHaveLength(10))
    await act(() => result.current?.fetchNextPage())
    await waitFor(() => expect(result.current?.items).toHaveLength(15))
    server.items.splice(0, 1)
    act(() => DiscoClient.for(asXmpp(alice), { queryClient }).flushCache())
    await waitFor(() => expect(result.current?.items).toHaveLength(14))
    expect(result.current?.items[0]?.jid).toBe('room001@conference.example.org')
    expect(alice.sentQueries(NS_DISCO_ITEMS)).toHaveLength(4)
  })
})
