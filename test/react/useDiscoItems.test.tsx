import { cleanup, screen, waitFor } from '@testing-library/react'
import type { UseQueryResult } from '@tanstack/react-query'
import { afterEach, describe, expect, it } from 'vitest'
import { DiscoClient, InvalidJidError, NS_DISCO_ITEMS, StanzaError, TimeoutError } from '../../src/core/index.js'
import type { DiscoItems } from '../../src/core/index.js'
import { DiscoNode, Identity, Item, useDiscoItems } from '../../src/react/index.js'
import type { UseDiscoItemsOptions } from '../../src/react/index.js'
import { asXmpp, latest, renderWithDisco, settle, setup } from '../helpers/renderWithDisco.js'

afterEach(cleanup)

const BOB = 'bob@example.org/b'

function ShowItems<T = DiscoItems>({
  jid,
  options,
  onResult,
}: {
  jid: string | null | undefined
  options?: UseDiscoItemsOptions<T>
  onResult?: (result: UseQueryResult<T, Error>) => void
}) {
  const result = useDiscoItems(jid, options)
  onResult?.(result)
  return (
    <p data-testid="items">
      {result.status}/{result.fetchStatus}:{JSON.stringify(result.data ?? null)}
    </p>
  )
}


function BobItems() {
  return (
    <>
      <Item jid="pubsub.example.org" name="PubSub" />
      <Item jid="muc.example.org" />
    </>
  )
}

describe('useDiscoItems', () => {
  it('is pending and fetching until the peer answers, then succeeds with its items', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <BobItems />)
    const result = latest<UseQueryResult<DiscoItems, Error>>()
    renderWithDisco(alice, <ShowItems jid={BOB} onResult={result.record} />, queryClient)
    expect(result.current?.status).toBe('pending')
    expect(result.current?.fetchStatus).toBe('fetching')
    await waitFor(() => expect(result.current?.isSuccess).toBe(true))
    expect(result.current?.data).toEqual({
      items: [{ jid: 'pubsub.example.org', name: 'PubSub' }, { jid: 'muc.example.org' }],
    })
  })

  it('sends exactly one IQ for 100 components asking the same jid', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <BobItems />)
    renderWithDisco(
      alice,
      <>
        {Array.from({ length: 100 }, (_, i) => (
          <ShowItems key={i} jid={BOB} />
        ))}
      </>,
      queryClient,
    )
    await waitFor(() => expect(screen.getAllByText(/^success\/idle:.*pubsub/)).toHaveLength(100))
    await settle(10)
    expect(alice.sentQueries(NS_DISCO_ITEMS)).toHaveLength(1)
  })

  it('sends nothing and stays pending/idle with a null jid', async () => {
    const { alice, queryClient } = setup()
    const result = latest<UseQueryResult<DiscoItems, Error>>()
    renderWithDisco(alice, <ShowItems jid={null} onResult={result.record} />, queryClient)
    await settle(20)
    expect(result.current?.status).toBe('pending')
    expect(result.current?.fetchStatus).toBe('idle')
    expect(alice.sentQueries()).toHaveLength(0)
  })

  it('fails with InvalidJidError and sends nothing for an invalid jid', async () => {
    const { alice, queryClient } = setup()
    const result = latest<UseQueryResult<DiscoItems, Error>>()
    renderWithDisco(alice, <ShowItems jid="a@b@c" onResult={result.record} />, queryClient)
    await waitFor(() => expect(result.current?.isError).toBe(true))
    expect(result.current?.error).toBeInstanceOf(InvalidJidError)
    expect(alice.sentQueries()).toHaveLength(0)
  })

  it('queries the node given in options and gets that node’s items, node echoed', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(
      bob,
      <DiscoNode node="n">
        <Identity category="hierarchy" type="branch" />
        <Item jid="leaf.example.org" node="l" />
      </DiscoNode>,
    )
    const result = latest<UseQueryResult<DiscoItems, Error>>()
    renderWithDisco(alice, <ShowItems jid={BOB} options={{ node: 'n' }} onResult={result.record} />, queryClient)
    await waitFor(() => expect(result.current?.isSuccess).toBe(true))
    expect(result.current?.data).toEqual({ node: 'n', items: [{ jid: 'leaf.example.org', node: 'l' }] })
    expect(alice.sentQueries(NS_DISCO_ITEMS)[0]?.getChild('query', NS_DISCO_ITEMS)?.attrs.node).toBe('n')
  })

  it('returns what select makes of the items', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <BobItems />)
    const result = latest<UseQueryResult<string[], Error>>()
    renderWithDisco(
      alice,
      <ShowItems<string[]> jid={BOB} options={{ select: (items) => items.items.map((i) => i.jid) }} onResult={result.record} />,
      queryClient,
    )
    await waitFor(() => expect(result.current?.isSuccess).toBe(true))
    expect(result.current?.data).toEqual(['pubsub.example.org', 'muc.example.org'])
  })

  it('fails with TimeoutError after the timeout option when the peer never answers', async () => {
    const { network, alice, bob, queryClient } = setup()
    renderWithDisco(bob, <BobItems />)
    network.interceptor = (stanza, from) => (from === bob ? null : stanza)
    const result = latest<UseQueryResult<DiscoItems, Error>>()
    renderWithDisco(alice, <ShowItems jid={BOB} options={{ timeout: 50 }} onResult={result.record} />, queryClient)
    await settle(20)
    expect(result.current?.status).toBe('pending')
    await waitFor(() => expect(result.current?.isError).toBe(true))
    expect(result.current?.error).toBeInstanceOf(TimeoutError)
  })

  it('exposes the peer’s stanza error (item-not-found for an unknown node) as error', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <BobItems />)
    const result = latest<UseQueryResult<DiscoItems, Error>>()
    renderWithDisco(alice, <ShowItems jid={BOB} options={{ node: 'nope' }} onResult={result.record} />, queryClient)
    await waitFor(() => expect(result.current?.isError).toBe(true))
    expect(result.current?.error).toBeInstanceOf(StanzaError)
    expect((result.current?.error as StanzaError).condition).toBe('item-not-found')
  })

  it('shares its cache entry with DiscoClient.queryItems: after the hook, queryItems sends nothing', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <BobItems />)
    const result = latest<UseQueryResult<DiscoItems, Error>>()
    renderWithDisco(alice, <ShowItems jid={BOB} onResult={result.record} />, queryClient)
    await waitFor(() => expect(result.current?.isSuccess).toBe(true))
    const items = await DiscoClient.for(asXmpp(alice), { queryClient }).queryItems(BOB)
    expect(items).toEqual(result.current?.data)
    expect(alice.sentQueries(NS_DISCO_ITEMS)).toHaveLength(1)
  })
})
