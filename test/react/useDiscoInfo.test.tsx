import { act, cleanup, screen, waitFor } from '@testing-library/react'
import type { UseQueryResult } from '@tanstack/react-query'
import { afterEach, describe, expect, it } from 'vitest'
import {
  DiscoClient,
  InvalidInputError,
  InvalidJidError,
  NS_DISCO_INFO,
  NS_DISCO_ITEMS,
  StanzaError,
  TimeoutError,
} from '../../src/core/index.js'
import type { DiscoInfo } from '../../src/core/index.js'
import { DiscoNode, Feature, Identity, useDiscoInfo } from '../../src/react/index.js'
import type { UseDiscoInfoOptions } from '../../src/react/index.js'
import { asXmpp, latest, renderWithDisco, settle, setup } from '../helpers/renderWithDisco.js'

afterEach(cleanup)

const BOB = 'bob@example.org/b'

/** Renders the query's state as text and hands the latest result to `onResult`. */
function ShowInfo<T = DiscoInfo>({
  jid,
  options,
  onResult,
}: {
  jid: string | null | undefined
  options?: UseDiscoInfoOptions<T>
  onResult?: (result: UseQueryResult<T, Error>) => void
}) {
  const result = useDiscoInfo(jid, options)
  onResult?.(result)
  return (
    <p data-testid="info">
      {result.status}/{result.fetchStatus}:{JSON.stringify(result.data ?? null)}
    </p>
  )
}


describe('useDiscoInfo', () => {
  it('is pending and fetching until the peer answers, then succeeds with its info', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    renderWithDisco(alice, <ShowInfo jid={BOB} />, queryClient)
    expect(screen.getByTestId('info').textContent).toBe('pending/fetching:null')
    await waitFor(() => expect(screen.getByTestId('info').textContent).toMatch(/^success\/idle:/))
    const shown = JSON.parse(screen.getByTestId('info').textContent.replace(/^success\/idle:/, '')) as DiscoInfo
    expect(shown.features).toEqual([NS_DISCO_INFO, NS_DISCO_ITEMS, 'urn:example:a'])
    expect(shown.identities).toEqual([{ category: 'client', type: 'bot' }])
  })

  it('sends exactly one IQ for 100 components asking the same jid, and all of them get the result', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    renderWithDisco(
      alice,
      <>
        {Array.from({ length: 100 }, (_, i) => (
          <ShowInfo key={i} jid={BOB} />
        ))}
      </>,
      queryClient,
    )
    await waitFor(() => expect(screen.getAllByText(/^success\/idle:.*urn:example:a/)).toHaveLength(100))
    await settle(10)
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(1)
  })

  it('sends nothing and stays pending/idle with a null or undefined jid', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <></>)
    renderWithDisco(
      alice,
      <>
        <ShowInfo jid={null} />
        <ShowInfo jid={undefined} />
      </>,
      queryClient,
    )
    await settle(20)
    expect(screen.getAllByText('pending/idle:null')).toHaveLength(2)
    expect(alice.sentQueries()).toHaveLength(0)
  })

  it('starts the query once the jid goes from null to a JID', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <></>)
    const { rerender } = renderWithDisco(alice, <ShowInfo jid={null} />, queryClient)
    rerender(<ShowInfo jid={BOB} />)
    await waitFor(() => expect(screen.getByTestId('info').textContent).toMatch(/^success\//))
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(1)
  })

  it('fails with InvalidJidError and sends nothing for an invalid jid', async () => {
    const { alice, queryClient } = setup()
    const result = latest<UseQueryResult<DiscoInfo, Error>>()
    renderWithDisco(alice, <ShowInfo jid="a@b@c" onResult={result.record} />, queryClient)
    await waitFor(() => expect(result.current?.isError).toBe(true))
    expect(result.current?.error).toBeInstanceOf(InvalidJidError)
    expect(alice.sentQueries()).toHaveLength(0)
  })

  it('fails with InvalidInputError and sends nothing for an empty node', async () => {
    const { alice, queryClient } = setup()
    const result = latest<UseQueryResult<DiscoInfo, Error>>()
    renderWithDisco(alice, <ShowInfo jid={BOB} options={{ node: '' }} onResult={result.record} />, queryClient)
    await waitFor(() => expect(result.current?.isError).toBe(true))
    expect(result.current?.error).toBeInstanceOf(InvalidInputError)
    expect(alice.sentQueries()).toHaveLength(0)
  })

  it('queries the node given in options and gets that node’s info', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(
      bob,
      <DiscoNode node="n">
        <Identity category="hierarchy" type="leaf" />
        <Feature var="urn:example:on-node" />
      </DiscoNode>,
    )
    const result = latest<UseQueryResult<DiscoInfo, Error>>()
    renderWithDisco(alice, <ShowInfo jid={BOB} options={{ node: 'n' }} onResult={result.record} />, queryClient)
    await waitFor(() => expect(result.current?.isSuccess).toBe(true))
    expect(result.current?.data?.node).toBe('n')
    expect(result.current?.data?.features).toEqual([NS_DISCO_INFO, 'urn:example:on-node'])
    const [sent] = alice.sentQueries(NS_DISCO_INFO)
    expect(sent?.getChild('query', NS_DISCO_INFO)?.attrs.node).toBe('n')
  })

  it('keeps one cache entry per node: the root and a node are two queries', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(
      bob,
      <DiscoNode node="n">
        <Identity category="hierarchy" type="leaf" />
      </DiscoNode>,
    )
    renderWithDisco(
      alice,
      <>
        <ShowInfo jid={BOB} />
        <ShowInfo jid={BOB} options={{ node: 'n' }} />
      </>,
      queryClient,
    )
    await waitFor(() => expect(screen.getAllByText(/^success\//)).toHaveLength(2))
    expect(screen.getAllByText(/hierarchy/)).toHaveLength(1)
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(2)
  })

  it('returns what select makes of the info', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    const result = latest<UseQueryResult<string[], Error>>()
    renderWithDisco(
      alice,
      <ShowInfo<string[]> jid={BOB} options={{ select: (info) => info.features.filter((f) => !f.startsWith('http://jabber.org/protocol/disco#')) }} onResult={result.record} />,
      queryClient,
    )
    await waitFor(() => expect(result.current?.isSuccess).toBe(true))
    expect(result.current?.data).toEqual(['urn:example:a'])
  })

  it('fails with TimeoutError after the timeout option when the peer never answers', async () => {
    const { network, alice, bob, queryClient } = setup()
    renderWithDisco(bob, <></>)
    network.interceptor = (stanza, from) => (from === bob ? null : stanza)
    const result = latest<UseQueryResult<DiscoInfo, Error>>()
    renderWithDisco(alice, <ShowInfo jid={BOB} options={{ timeout: 50 }} onResult={result.record} />, queryClient)
    await settle(20)
    expect(result.current?.status).toBe('pending')
    await waitFor(() => expect(result.current?.isError).toBe(true))
    expect(result.current?.error).toBeInstanceOf(TimeoutError)
    expect((result.current?.error as TimeoutError).timeout).toBe(50)
  })

  it('exposes the peer’s stanza error (item-not-found for an unknown node) as error', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <></>)
    const result = latest<UseQueryResult<DiscoInfo, Error>>()
    renderWithDisco(alice, <ShowInfo jid={BOB} options={{ node: 'nope' }} onResult={result.record} />, queryClient)
    await waitFor(() => expect(result.current?.isError).toBe(true))
    expect(result.current?.error).toBeInstanceOf(StanzaError)
    expect((result.current?.error as StanzaError).condition).toBe('item-not-found')
    expect(result.current?.data).toBeUndefined()
  })

  it('shares its cache entry with DiscoClient.queryInfo: after the hook, queryInfo sends nothing', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    const result = latest<UseQueryResult<DiscoInfo, Error>>()
    renderWithDisco(alice, <ShowInfo jid={BOB} onResult={result.record} />, queryClient)
    await waitFor(() => expect(result.current?.isSuccess).toBe(true))
    const info = await DiscoClient.for(asXmpp(alice), { queryClient }).queryInfo(BOB)
    expect(info).toEqual(result.current?.data)
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(1)
  })

  it('shows a result DiscoClient.queryInfo fetched without sending again', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    await DiscoClient.for(asXmpp(alice), { queryClient }).queryInfo(BOB)
    const result = latest<UseQueryResult<DiscoInfo, Error>>()
    renderWithDisco(alice, <ShowInfo jid={BOB} onResult={result.record} />, queryClient)
    expect(result.current?.isSuccess).toBe(true)
    expect(result.current?.data?.features).toContain('urn:example:a')
    await settle(10)
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(1)
  })

  it('asks again in a new session after the session ended (the cache was flushed)', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    renderWithDisco(alice, <ShowInfo jid={BOB} />, queryClient)
    await waitFor(() => expect(screen.getByTestId('info').textContent).toMatch(/^success\//))

    act(() => {
      alice.goOffline()
      alice.emit('status', 'offline')
    })
    act(() => {
      alice.goOnline()
      alice.emit('status', 'online')
    })
    await waitFor(() => expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(2))
    await waitFor(() => expect(screen.getByTestId('info').textContent).toMatch(/^success\/idle:.*urn:example:a/))
  })

  it('does not query while the XMPP session is down, and queries once it is up', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <></>)
    alice.status = 'connecting'
    renderWithDisco(alice, <ShowInfo jid={BOB} />, queryClient)
    await settle(20)
    expect(screen.getByTestId('info').textContent).toBe('pending/idle:null')
    expect(alice.sentQueries()).toHaveLength(0)

    alice.status = 'online'
    alice.emit('status', 'online')
    await waitFor(() => expect(screen.getByTestId('info').textContent).toMatch(/^success\//))
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(1)
  })
})
