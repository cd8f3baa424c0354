// What a real app goes through, in React (StrictMode at the root): a stream
// resumption, flushes with hooks watching, logout/login on one QueryClient,
// live props, disabled hooks, the cache bound with observed entries, and a
// render that installs nothing. DESIGN.md "Sessions and lifetime".
import { QueryClient } from '@tanstack/react-query'
import { act, cleanup, render, screen, waitFor } from '@testing-library/react'
import type { UseQueryResult } from '@tanstack/react-query'
import { renderToString } from 'react-dom/server'
import xml from '@xmpp/xml'
import { useState } from 'react'
import type { ReactNode } from 'react'
import { afterEach, describe, expect, it } from 'vitest'
import { ClientHooks } from '../../src/core/ClientHooks.js'
import { DiscoClient, NS_CAPS, NS_DISCO_INFO, NS_DISCO_ITEMS, ReplyMatcher } from '../../src/core/index.js'
import { EntityCaps, entityCaps } from '../../src/core/caps/index.js'
import type { CapsPlugin } from '../../src/core/caps/index.js'
import type { DiscoInfo, XmlElement } from '../../src/core/index.js'
import { DiscoProvider, Feature, FeatureGate, useDiscoInfo, useDiscoItems } from '../../src/react/index.js'
import { FakeNetwork } from '../helpers/fakeNetwork.js'
import type { FakeEntity } from '../helpers/fakeNetwork.js'
import { asXmpp, latest, newQueryClient, renderWithDisco, settle, setup } from '../helpers/renderWithDisco.js'

afterEach(cleanup)

const BOB = 'bob@example.org/b'

function Show({ jid, label = 'info', timeout }: { jid: string | null; label?: string; timeout?: number }) {
  const { status, fetchStatus, data, error } = useDiscoInfo(jid, { timeout })
  const features = data?.features.filter((f) => f.startsWith('urn:example:')).join(',') ?? ''
  return <output aria-label={label}>{`${status}/${fetchStatus}:${error ? error.name : features}`}</output>
}

const text = (label = 'info') => screen.getByLabelText(label).textContent

/** Mounts its child on click, by its own state: the provider above does not render again. */
function Later({ children }: { children: ReactNode }) {
  const [shown, setShown] = useState(false)
  return shown ? (
    <>{children}</>
  ) : (
    <button type="button" onClick={() => setShown(true)}>
      mount later
    </button>
  )
}

/** Bob declaring urn:example:a and carol urn:example:c, and `ui` rendered for alice. */
function aliceAsking(ui: ReactNode) {
  const world = setup()
  const { alice, bob, network, queryClient } = world
  renderWithDisco(bob, <Feature var="urn:example:a" />)
  renderWithDisco(network.entity('carol@example.org/c'), <Feature var="urn:example:c" />)
  renderWithDisco(alice, <>{ui}</>, queryClient)
  return world
}

describe('a stream resumption', () => {
  it('keeps hooks working: data shown through the gap, a hook mounted afterwards fetches', async () => {
    const { alice } = aliceAsking(
      <>
        <Show jid={BOB} />
        <Later>
          <Show jid="carol@example.org/c" label="after" />
        </Later>
      </>,
    )
    await waitFor(() => expect(text()).toBe('success/idle:urn:example:a'))

    act(() => alice.dropConnection())
    expect(text()).toBe('success/idle:urn:example:a')
    // xmpp.js resumes silently: no status event, only 'resumed' on streamManagement.
    await act(async () => alice.resume())
    act(() => screen.getByRole('button', { name: 'mount later' }).click())
    await waitFor(() => expect(text('after')).toBe('success/idle:urn:example:c'))
    expect(text()).toBe('success/idle:urn:example:a')
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(2)
  })
})

describe('a stream resumption after a long gap', () => {
  // A phone in a tunnel: the reply cannot come before the hook's timeout.
  // Hooks are disabled while the session is down; enabled again once it is
  // resumed, a hook whose entry failed meanwhile fetches (TanStack fetches a
  // stale entry when its observer is enabled), as after the browser's network
  // comes back (refetchOnReconnect).
  it('asks again, once resumed, what a hook lost to a timeout during the gap, and nothing else', async () => {
    const { alice, bob, network, queryClient } = aliceAsking(
      <>
        <Show jid={BOB} timeout={100} />
        <Show jid="carol@example.org/c" label="answered" />
      </>,
    )
    await waitFor(() => expect(text('answered')).toBe('success/idle:urn:example:c'))
    await waitFor(() => expect(text()).toBe('success/idle:urn:example:a'))
    // A fresh question to bob goes out just as the connection dies.
    network.interceptor = (stanza, from) => (from === bob ? null : stanza)
    act(() => {
      void queryClient.refetchQueries({ queryKey: ['xmpp-disco', 'alice@example.org', 'info', BOB] })
    })
    act(() => alice.dropConnection())
    await waitFor(() => expect(text()).toBe('error/idle:TimeoutError'))
    network.interceptor = undefined
    await act(async () => alice.resume())
    await waitFor(() => expect(text()).toBe('success/idle:urn:example:a'))
    expect(alice.sentQueries(NS_DISCO_INFO).filter((q) => q.attrs.to === BOB)).toHaveLength(3)
    // What had its answer is not asked again.
    expect(alice.sentQueries(NS_DISCO_INFO).filter((q) => q.attrs.to === 'carol@example.org/c')).toHaveLength(1)
  })
})

describe('flushCache with hooks watching', () => {
  it('sends one new IQ per observed target and shows the fresh data', async () => {
    const { alice, bob, network, queryClient } = setup()
    const bobTree = renderWithDisco(bob, <Feature var="urn:example:a" />)
    renderWithDisco(network.entity('carol@example.org/c'), <Feature var="urn:example:c" />)
    renderWithDisco(
      alice,
      <>
        <Show jid={BOB} />
        <Show jid={BOB} label="again" />
        <Show jid="carol@example.org/c" label="carol" />
      </>,
      queryClient,
    )
    await waitFor(() => expect(text('carol')).toBe('success/idle:urn:example:c'))
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(2)
    bobTree.rerender(<Feature var="urn:example:b" />)
    await settle(5)

    act(() => DiscoClient.for(asXmpp(alice), { queryClient }).flushCache())
    await waitFor(() => expect(text()).toBe('success/idle:urn:example:b'))
    expect(text('again')).toBe('success/idle:urn:example:b')
    await settle(10)
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(4)
  })

  it('ends a hook whose fetch was in flight at the flush in success', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    bob.latency = 30
    renderWithDisco(alice, <Show jid={BOB} />, queryClient)
    expect(text()).toBe('pending/fetching:')
    act(() => DiscoClient.for(asXmpp(alice), { queryClient }).flushCache())
    await waitFor(() => expect(text()).toBe('success/idle:urn:example:a'))
    await settle(80)
    expect(text()).toBe('success/idle:urn:example:a')
  })
})

describe('logout and login on one QueryClient', () => {
  it('leaves no QueryCache listener, pending request or routed middleware behind after 20 account switches', async () => {
    const network = new FakeNetwork()
    const bob = network.entity(BOB)
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    const queryClient = newQueryClient()
    const listeners = () => (queryClient.getQueryCache() as unknown as { listeners: Set<unknown> }).listeners.size
    const baseline = listeners()
    const accounts: FakeEntity[] = []

    function App({ account }: { account: FakeEntity }) {
      return (
        <DiscoProvider client={asXmpp(account)} queryClient={queryClient} caps={entityCaps({ node: 'https://app.example' })}>
          <Show jid={BOB} />
        </DiscoProvider>
      )
    }
    const first = network.entity('user0@example.org/app')
    accounts.push(first)
    const { rerender, unmount } = render(<App account={first} />, { reactStrictMode: true })
    await waitFor(() => expect(text()).toBe('success/idle:urn:example:a'))
    for (let i = 1; i <= 20; i++) {
      const previous = accounts.at(-1) as FakeEntity
      await act(async () => previous.stop())
      const next = network.entity(`user${i}@example.org/app`)
      accounts.push(next)
      rerender(<App account={next} />)
      await waitFor(() => expect(text()).toBe('success/idle:urn:example:a'))
    }
    await settle(5)
    const live = accounts.at(-1) as FakeEntity
    for (const old of accounts.slice(0, -1)) {
      expect(ReplyMatcher.for(asXmpp(old)).pendingCount).toBe(0)
      expect(ClientHooks.of(asXmpp(old)).attached).toEqual({ taps: 0, interceptors: 0 })
      expect(old.send).toBe(Object.getPrototypeOf(old).send)
      expect(['status', 'online', 'disconnect', 'offline', 'nonza'].map((e) => old.listenerCount(e))).toEqual([0, 0, 0, 0, 0])
    }
    // One account's worth: its DiscoClient's two bounds, its index of entries
    // and its watch on writes (OwnEntries, EntryFetches), nothing per old account.
    expect(listeners() - baseline).toBe(4)
    // Old accounts' entries are gone; the live one keeps its own.
    const accountsInCache = new Set(queryClient.getQueryCache().getAll().map((q) => q.queryKey[1]))
    expect([...accountsInCache]).toEqual(['user20@example.org'])
    unmount()
    await settle(1)
    expect(listeners()).toBe(baseline)
    expect(ClientHooks.of(asXmpp(live)).attached).toEqual({ taps: 0, interceptors: 0 })
  })
})

describe('live caps prop', () => {
  it('changes and removes entity capabilities at runtime: the next presence shows it', async () => {
    const { alice } = setup()
    const queryClient = newQueryClient()
    function App({ caps }: { caps: CapsPlugin | undefined }) {
      return (
        <DiscoProvider client={asXmpp(alice)} queryClient={queryClient} caps={caps}>
          <Feature var="urn:example:a" />
        </DiscoProvider>
      )
    }
    const { rerender } = render(<App caps={entityCaps({ node: 'https://one.example' })} />, { reactStrictMode: true })
    await settle(5)
    const lastC = async (): Promise<XmlElement | undefined> => {
      await act(async () => alice.send(xmlPresence()))
      return alice.sent.filter((s) => s.is('presence')).at(-1)?.getChild('c', NS_CAPS)
    }
    expect((await lastC())?.attrs.node).toBe('https://one.example')
    rerender(<App caps={entityCaps({ node: 'https://two.example' })} />)
    await settle(5)
    expect((await lastC())?.attrs.node).toBe('https://two.example')
    rerender(<App caps={undefined} />)
    await settle(5)
    expect(await lastC()).toBeUndefined()
    expect(alice.send).toBe(Object.getPrototypeOf(alice).send)
    rerender(<App caps={entityCaps({ node: 'https://three.example' })} />)
    await settle(5)
    expect((await lastC())?.attrs.node).toBe('https://three.example')
  })
})

const xmlPresence = (): XmlElement => xml('presence')

describe('disabled hooks', () => {
  it('never errors: refetch() on a hook with a null jid does nothing, and a gate with a null jid stays pending', async () => {
    const { alice, queryClient } = setup()
    const one = latest<UseQueryResult<DiscoInfo, Error>>()
    function Null({ record }: { record: (r: UseQueryResult<DiscoInfo, Error>) => void }) {
      const result = useDiscoInfo(null)
      record(result)
      return <output aria-label="null">{`${result.status}/${result.fetchStatus}`}</output>
    }
    function NullItems() {
      const { status, refetch } = useDiscoItems(null)
      return (
        <button type="button" onClick={() => void refetch()}>
          {status}
        </button>
      )
    }
    renderWithDisco(
      alice,
      <>
        <Null record={one.record} />
        <NullItems />
        <FeatureGate jid={null} feature="urn:example:a" pending="gate pending" fallback="gate fallback">
          gate open
        </FeatureGate>
      </>,
      queryClient,
    )
    await act(async () => {
      await one.current?.refetch()
      screen.getByRole('button').click()
    })
    await settle(10)
    expect(screen.getByLabelText('null').textContent).toBe('pending/idle')
    expect(screen.getByRole('button').textContent).toBe('pending')
    expect(screen.getByText('gate pending')).toBeDefined()
    expect(alice.sentQueries()).toHaveLength(0)
  })
})

describe('keys that are not answers', () => {
  it('makes no entry for an account before login, and queries under the account once bound', async () => {
    const { alice, bob, queryClient } = setup()
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    const jid = alice.jid
    // A client built with credentials but not bound yet: no jid, not online.
    ;(alice as { jid: unknown }).jid = null
    alice.status = 'connecting'
    renderWithDisco(alice, <Show jid={BOB} />, queryClient)
    await settle(5)
    expect(text()).toBe('pending/idle:')
    const accounts = () => queryClient.getQueryCache().getAll().map((q) => q.queryKey[1])
    expect(accounts()).not.toContain('')
    act(() => {
      ;(alice as { jid: unknown }).jid = jid
      alice.status = 'online'
      alice.emit('status', 'online')
    })
    await waitFor(() => expect(text()).toBe('success/idle:urn:example:a'))
    expect(accounts()).not.toContain('')
    expect(accounts()).toContain('alice@example.org')
  })

  it('leaves the entries of disabled and invalid hooks to TanStack, which collects them after gcTime', async () => {
    const { alice } = setup()
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: 20 } } })
    const { unmount } = renderWithDisco(
      alice,
      <>
        <Show jid={null} label="null" />
        <Show jid="not a@valid@jid" label="invalid" />
      </>,
      queryClient,
    )
    await waitFor(() => expect(text('invalid')).toBe('error/idle:InvalidJidError'))
    expect(queryClient.getQueryCache().getAll()).toHaveLength(2)
    unmount()
    await waitFor(() => expect(queryClient.getQueryCache().getAll()).toHaveLength(0))
    expect(alice.sentQueries()).toHaveLength(0)
  })
})

describe('the cache bound', () => {
  it('keeps 3 observed items targets with itemsCacheSize = 2 and serves them from the cache', async () => {
    const { alice, network, queryClient } = setup()
    const dc = DiscoClient.for(asXmpp(alice), { queryClient })
    dc.itemsCacheSize = 2
    const targets = ['s1.example.org', 's2.example.org', 's3.example.org']
    for (const jid of targets) renderWithDisco(network.entity(jid), <Feature var="urn:example:s" />)
    function Items({ jid }: { jid: string }) {
      const { status } = useDiscoItems(jid)
      return <output aria-label={jid}>{status}</output>
    }
    renderWithDisco(
      alice,
      <>
        {targets.map((jid) => (
          <Items key={jid} jid={jid} />
        ))}
      </>,
      queryClient,
    )
    await waitFor(() => expect(targets.map((jid) => screen.getByLabelText(jid).textContent)).toEqual(['success', 'success', 'success']))
    for (const jid of targets) await dc.queryItems(jid)
    expect(alice.sentQueries(NS_DISCO_ITEMS)).toHaveLength(3)
  })
})

describe('rendering', () => {
  it('installs nothing on the client and sends nothing when rendered on the server', () => {
    const network = new FakeNetwork()
    const alice = network.entity('alice@example.org/a')
    const queryClient = new QueryClient()
    const before = {
      events: ['status', 'online', 'disconnect', 'offline', 'nonza'].map((e) => alice.listenerCount(e)),
      send: alice.send,
    }
    let routes = 0
    const callee = alice.iqCallee
    const { get, set } = callee
    callee.get = (...args) => {
      routes++
      return get(...args)
    }
    callee.set = (...args) => {
      routes++
      return set(...args)
    }
    const html = renderToString(
      <DiscoProvider client={asXmpp(alice)} queryClient={queryClient} caps={entityCaps({ node: 'https://app.example' })}>
        <Feature var="urn:example:a" />
        <Show jid={BOB} />
      </DiscoProvider>,
    )
    expect(html).toContain('pending/idle')
    expect(['status', 'online', 'disconnect', 'offline', 'nonza'].map((e) => alice.listenerCount(e))).toEqual(before.events)
    expect(alice.send).toBe(before.send)
    expect(ClientHooks.of(asXmpp(alice)).attached).toEqual({ taps: 0, interceptors: 0 })
    expect(alice.sent).toHaveLength(0)
    expect(routes).toBe(0)
    expect((queryClient.getQueryCache() as unknown as { listeners: Set<unknown> }).listeners.size).toBe(0)
  })
})

describe('attaching before the children query', () => {
  it("answers a hook mounted in the provider's own commit through caps already known", async () => {
    const { alice, bob } = setup()
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    // bob runs this library too: his presence carries caps.
    const bobCaps = EntityCaps.for(asXmpp(bob), { node: 'https://bob.example' })
    await bobCaps.update()
    const aliceCaps = EntityCaps.for(asXmpp(alice), { node: 'https://app.example' })
    await act(async () => bob.send(xml('presence', { to: 'alice@example.org/a' })))
    await settle(5)
    // A fresh QueryClient: its DiscoClient learns of caps from this provider only.
    const queryClient = newQueryClient()
    render(
      <DiscoProvider client={asXmpp(alice)} queryClient={queryClient} caps={entityCaps({ node: 'https://app.example' })}>
        <Show jid={BOB} />
      </DiscoProvider>,
      { reactStrictMode: true },
    )
    await waitFor(() => expect(text()).toBe('success/idle:urn:example:a'))
    const asked = alice.sentQueries(NS_DISCO_INFO).map((q) => q.getChild('query')?.attrs.node ?? '(none)')
    expect(asked).toEqual([`https://bob.example#${bobCaps.ver ?? ''}`])
    expect(aliceCaps.disposed).toBe(false)
  })
})
