// The Suspense hooks and the React-side query options (StrictMode at the
// root, a Suspense boundary inside an error boundary): they suspend until
// the answer is in, throw failures to the boundary, wait for the session
// within their timeout, and share cache entries with useDiscoInfo,
// useQueries, prefetchQuery and ensureQueryData.
import { useQueries } from '@tanstack/react-query'
import { JID } from '@xmpp/jid'
import { act, cleanup, render, screen, waitFor } from '@testing-library/react'
import { Component, Suspense } from 'react'
import type { ReactNode } from 'react'
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest'
import { DiscoClient, InvalidInputError, InvalidJidError, NS_DISCO_INFO, NS_DISCO_ITEMS } from '../../src/core/index.js'
import type { DiscoInfo, DiscoItems } from '../../src/core/index.js'
import {
  DiscoProvider,
  Feature,
  Item,
  discoInfoQueryOptions,
  discoItemsQueryOptions,
  useDiscoInfo,
  useSuspenseDiscoInfo,
  useSuspenseDiscoItems,
} from '../../src/react/index.js'
import { answerDisco } from '../../src/testing/index.js'
import type { FakeEntity } from '../helpers/fakeNetwork.js'
import { asXmpp, renderWithDisco, settle, setup } from '../helpers/renderWithDisco.js'

afterEach(cleanup)

const BOB = 'bob@example.org/b'

class Boundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null }
  static getDerivedStateFromError(error: Error) {
    return { error }
  }
  override render() {
    return this.state.error ? <p role="alert">{`${this.state.error.name}: ${this.state.error.message}`}</p> : this.props.children
  }
}

/** Renders `ui` as alice's app: StrictMode at the root, a Suspense boundary inside an error boundary. */
function renderApp(alice: FakeEntity, ui: ReactNode, queryClient = setup().queryClient) {
  return render(
    <DiscoProvider client={asXmpp(alice)} queryClient={queryClient}>
      <Boundary>
        <Suspense fallback={<p>suspended</p>}>{ui}</Suspense>
      </Boundary>
    </DiscoProvider>,
    // The boundary shows what it caught; React need not log it too.
    { reactStrictMode: true, onCaughtError: () => {} },
  )
}

const features = (info: DiscoInfo) => info.features.filter((f) => f.startsWith('urn:example:')).join(',')

function SuspenseInfo({ jid, label = 'info', timeout }: { jid: string; label?: string; timeout?: number }) {
  const { data } = useSuspenseDiscoInfo(jid, timeout === undefined ? {} : { timeout })
  return <output aria-label={label}>{features(data)}</output>
}

function SuspenseItems({ jid }: { jid: string }) {
  const { data } = useSuspenseDiscoItems(jid)
  return <output aria-label="items">{data.items.map((i) => i.jid).join(',')}</output>
}

function PlainInfo({ jid }: { jid: string }) {
  const { data } = useDiscoInfo(jid)
  return <output aria-label="plain">{data ? features(data) : 'none'}</output>
}

const shown = (label: string) => screen.getByLabelText(label).textContent

describe('useSuspenseDiscoInfo and useSuspenseDiscoItems', () => {
  it('suspend until the answer is in, then render it; one IQ per target, shared with useDiscoInfo', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(
      bob,
      <>
        <Feature var="urn:example:a" />
        <Item jid="room@conference.example.org" />
      </>,
    )
    renderApp(
      alice,
      <>
        <SuspenseInfo jid={BOB} />
        <SuspenseInfo jid={BOB} label="again" />
        <SuspenseItems jid={BOB} />
        <PlainInfo jid={BOB} />
      </>,
      queryClient,
    )
    expect(screen.getByText('suspended')).toBeDefined()
    await waitFor(() => expect(shown('items')).toBe('room@conference.example.org'))
    expect(shown('info')).toBe('urn:example:a')
    expect(shown('again')).toBe('urn:example:a')
    expect(shown('plain')).toBe('urn:example:a')
    await settle(10)
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(1)
    expect(alice.sentQueries(NS_DISCO_ITEMS)).toHaveLength(1)
  })

  it("throw a failure to the error boundary: the peer's StanzaError, an InvalidJidError for a null jid (nothing sent)", async () => {
    const { alice, network } = setup()
    answerDisco(network.entity('broken.example.org'), { error: { condition: 'internal-server-error', type: 'wait' } })
    renderApp(alice, <SuspenseInfo jid="broken.example.org" />)
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/^StanzaError: internal-server-error/))
    cleanup()

    const sent = alice.sentQueries().length
    renderApp(alice, <SuspenseInfo jid={null as unknown as string} />)
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/^InvalidJidError/))
    expect(alice.sentQueries()).toHaveLength(sent)
  })

  it('wait for the session while it is down, then render the answer', async () => {
    const { alice, bob } = setup()
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    alice.goOffline()
    renderApp(alice, <SuspenseInfo jid={BOB} />)
    await settle(20)
    expect(screen.getByText('suspended')).toBeDefined()
    expect(alice.sent).toHaveLength(0)
    act(() => alice.goOnline())
    await waitFor(() => expect(shown('info')).toBe('urn:example:a'))
  })

  it('tell the error boundary (DisconnectedError) when the session is not up within the timeout, nothing sent', async () => {
    const { alice } = setup()
    alice.goOffline()
    renderApp(alice, <SuspenseInfo jid={BOB} timeout={50} />)
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/^DisconnectedError: Not connected within 50 ms/))
    expect(alice.sent).toHaveLength(0)
  })

  it('fetch again once a new session is up, rather than keep showing what the old one flushed', async () => {
    const { alice, bob } = setup()
    const bobTree = renderWithDisco(bob, <Feature var="urn:example:a" />)
    renderApp(alice, <SuspenseInfo jid={BOB} />)
    await waitFor(() => expect(shown('info')).toBe('urn:example:a'))
    bobTree.rerender(<Feature var="urn:example:b" />)
    act(() => alice.goOffline())
    expect(shown('info')).toBe('urn:example:a')
    act(() => alice.goOnline())
    await waitFor(() => expect(shown('info')).toBe('urn:example:b'))
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(2)
  })

  it('suspend with a client that has no JID yet (no username), ask once it is bound, and then show the entry of the account', async () => {
    const { alice, bob, queryClient } = setup()
    const bobTree = renderWithDisco(bob, <Feature var="urn:example:a" />)
    const jid = alice.jid
    alice.goOffline()
    ;(alice as { jid: unknown }).jid = null
    renderApp(alice, <SuspenseInfo jid={BOB} />, queryClient)
    await settle(20)
    expect(screen.getByText('suspended')).toBeDefined()
    act(() => {
      alice.jid = jid
      alice.goOnline()
    })
    await waitFor(() => expect(shown('info')).toBe('urn:example:a'))
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(1)
    // The hook follows the account's entry now: what a fresh query stores there shows.
    bobTree.rerender(<Feature var="urn:example:b" />)
    await act(() => DiscoClient.for(asXmpp(alice), { queryClient }).queryInfo(BOB, { requireFresh: true }))
    await waitFor(() => expect(shown('info')).toBe('urn:example:b'))
  })

  it("never show another account's answer: bound to a new account, they suspend on that account's entry", async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    renderApp(alice, <SuspenseInfo jid={BOB} />, queryClient)
    await waitFor(() => expect(shown('info')).toBe('urn:example:a'))
    // Logged out, then in as another account on the same xmpp client.
    act(() => alice.goOffline())
    alice.jid = new JID('carol', 'example.org', 'c')
    act(() => alice.goOnline())
    // Suspended: the account's answer is not shown (React keeps it hidden under the fallback).
    await waitFor(() => expect(screen.getByText('suspended')).toBeDefined())
  })
})

describe('discoInfoQueryOptions and discoItemsQueryOptions', () => {
  it('share the entries of the hooks: prefetchQuery, ensureQueryData and getQueryData, then useDiscoInfo asks nothing', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <Item jid="room@conference.example.org" />)
    await queryClient.prefetchQuery(discoInfoQueryOptions(asXmpp(alice), BOB, { queryClient }))
    const items = await queryClient.ensureQueryData(discoItemsQueryOptions(asXmpp(alice), BOB, { queryClient }))
    expect(items.items).toEqual([{ jid: 'room@conference.example.org' }])
    const info = queryClient.getQueryData(discoInfoQueryOptions(asXmpp(alice), BOB, { queryClient }).queryKey)
    expectTypeOf(info).toEqualTypeOf<DiscoInfo | undefined>()
    expect(info?.identities).toEqual([{ category: 'client', type: 'bot' }])

    renderApp(
      alice,
      <>
        <PlainInfo jid={BOB} />
        <SuspenseItems jid={BOB} />
      </>,
      queryClient,
    )
    expect(shown('items')).toBe('room@conference.example.org')
    expect(shown('plain')).toBe('')
    await settle(10)
    expect(alice.sentQueries()).toHaveLength(2)
  })

  it('fetch one IQ per target in useQueries, shared with useDiscoInfo', async () => {
    const { alice, network, queryClient } = setup()
    const jids = ['s1.example.org', 's2.example.org', 's3.example.org']
    for (const jid of jids) answerDisco(network.entity(jid), { info: { identities: [{ category: 'component', type: 'generic' }], features: [`urn:example:${jid}`], forms: [] } })
    function All() {
      const results = useQueries({ queries: jids.map((jid) => discoInfoQueryOptions(asXmpp(alice), jid, { queryClient })) }, queryClient)
      return <output aria-label="all">{results.map((r) => (r.data ? features(r.data) : r.status)).join(' ')}</output>
    }
    renderApp(
      alice,
      <>
        <All />
        <PlainInfo jid="s2.example.org" />
      </>,
      queryClient,
    )
    await waitFor(() => expect(shown('all')).toBe(jids.map((jid) => `urn:example:${jid}`).join(' ')))
    expect(shown('plain')).toBe('urn:example:s2.example.org')
    await settle(10)
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(3)
  })

  it('wait for the session when prefetching before it is up', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    alice.goOffline()
    const options = discoInfoQueryOptions(asXmpp(alice), BOB, { queryClient })
    const prefetched = queryClient.prefetchQuery(options)
    await settle(20)
    expect(alice.sent).toHaveLength(0)
    alice.goOnline()
    await prefetched
    expect(features(queryClient.getQueryData(options.queryKey) as DiscoInfo)).toBe('urn:example:a')
  })

  it('take a DiscoClient too (not with another QueryClient), and fail fast on bad input', () => {
    const { alice, queryClient } = setup()
    const dc = DiscoClient.for(asXmpp(alice), { queryClient })
    expect(discoInfoQueryOptions(dc, BOB).queryKey).toEqual(discoInfoQueryOptions(asXmpp(alice), BOB, { queryClient }).queryKey)
    expect(() => discoInfoQueryOptions(dc, BOB, { queryClient: setup().queryClient })).toThrow(/another QueryClient/)
    expect(() => discoInfoQueryOptions(asXmpp(alice), 'not a jid@', { queryClient })).toThrow(InvalidJidError)
    expect(() => discoItemsQueryOptions(dc, BOB, { node: '' })).toThrow(InvalidInputError)
    expectTypeOf(queryClient.getQueryData(discoItemsQueryOptions(dc, BOB).queryKey)).toEqualTypeOf<DiscoItems | undefined>()
    dc.dispose()
  })
})
