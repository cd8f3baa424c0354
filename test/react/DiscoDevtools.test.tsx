// <DiscoDevtools> (react-xmpp-disco/devtools): what it shows of our entity,
// the cache, peers' caps and the traffic, what its buttons do, and that it
// leaves nothing attached when unmounted.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import xml from '@xmpp/xml'
import { StrictMode } from 'react'
import { afterEach, describe, expect, it } from 'vitest'
import { DiscoEvents, DiscoServer, NS_DISCO_INFO } from '../../src/core/index.js'
import { EntityCaps, entityCaps } from '../../src/core/caps/index.js'
import { DiscoDevtools } from '../../src/devtools/index.js'
import type { DiscoDevtoolsProps } from '../../src/devtools/index.js'
import { DiscoProvider, Feature, Identity, useDiscoInfo } from '../../src/react/index.js'
import { asXmpp, newQueryClient, renderWithDisco, settle, setup } from '../helpers/renderWithDisco.js'

afterEach(cleanup)

const BOB = 'bob@example.org/b'

function AskBob() {
  const { data } = useDiscoInfo(BOB)
  return <p>{data ? `bob has ${data.features.length} features` : 'asking bob'}</p>
}

/** Bob answers (with `feature` registered), and alice renders a hook asking him beside the open devtools. */
async function askBobWithDevtools(props: DiscoDevtoolsProps = {}, feature?: string) {
  const world = setup()
  const server = DiscoServer.for(asXmpp(world.bob))
  if (feature) server.registerFeature(feature)
  renderWithDisco(
    world.alice,
    <>
      <AskBob />
      <DiscoDevtools initialIsOpen position="inline" {...props} />
    </>,
  )
  await screen.findByText(/^bob has/)
  return world
}

const traffic = (): Promise<HTMLElement> => screen.findByRole('table', { name: 'Disco traffic' })

describe('<DiscoDevtools>', () => {
  it('logs a query and its answer, and lists the entry in the cache with its observer', async () => {
    await askBobWithDevtools({}, 'urn:example:x')
    await screen.findByText('bob has 3 features')
    const log = await traffic()
    await waitFor(() => expect(within(log).getAllByRole('row')[1]?.textContent).toMatch(/→ info.*bob@example\.org\/b.*\d+ ms/))
    fireEvent.click(screen.getByRole('tab', { name: /Cache/ }))
    const info = await screen.findByRole('region', { name: 'disco#info entries' })
    const row = within(info).getByText(BOB).closest('tr')
    expect(row?.textContent).toContain('client/bot · 3 features')
    expect(row?.textContent).toContain('cached')
    // One observer: the hook (StrictMode's double mount left one).
    expect(row?.children[4]?.textContent).toMatch(/^1$/)
  })

  it('refetches an entry from the cache tab, and forgets one: the observing hook asks again', async () => {
    const { alice } = await askBobWithDevtools({ initialTab: 'cache' })
    const asked = () => alice.sentQueries(NS_DISCO_INFO).length
    expect(asked()).toBe(1)
    fireEvent.click(await screen.findByRole('button', { name: `Refetch info of ${BOB}` }))
    await waitFor(() => expect(asked()).toBe(2))
    fireEvent.click(screen.getByRole('button', { name: `Forget the info of ${BOB}` }))
    await waitFor(() => expect(asked()).toBe(3))
    fireEvent.click(screen.getByRole('tab', { name: /Traffic/ }))
    const log = await traffic()
    expect(log.textContent).toContain(`forgot the info of ${BOB}`)
    expect(log.textContent).toContain(`refetch info of ${BOB}`)
  })

  it('leaves out of the cache tab a hook that has no JID to ask yet', async () => {
    function AskNobody() {
      const { status } = useDiscoInfo(null)
      return <p>nobody asked: {status}</p>
    }
    const { alice, bob } = setup()
    DiscoServer.for(asXmpp(bob))
    renderWithDisco(
      alice,
      <>
        <AskNobody />
        <AskBob />
        <DiscoDevtools initialIsOpen position="inline" initialTab="cache" />
      </>,
    )
    await screen.findByText(/^bob has/)
    const info = await screen.findByRole('region', { name: 'disco#info entries' })
    await waitFor(() => expect(within(info).getAllByRole('row')).toHaveLength(2))
    expect(within(info).getAllByRole('row')[1]?.textContent).toContain(BOB)
  })

  it('flushes the cache: the observed entry is fetched again', async () => {
    const { alice } = await askBobWithDevtools()
    fireEvent.click(screen.getByRole('button', { name: 'Flush cache' }))
    await waitFor(() => expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(2))
    await waitFor(async () => expect((await traffic()).textContent).toContain('flushed the cache'))
  })

  it('shows our identities, features and caps vers, and logs a feature we declare', async () => {
    const { alice } = setup()
    function App({ video }: { video: boolean }) {
      return (
        <DiscoProvider client={asXmpp(alice)} queryClient={newQueryClient()} caps={entityCaps({ node: 'https://app.example', ecaps2: false })}>
          <Identity category="client" type="web" name="Chat" />
          {video && <Feature var="urn:xmpp:jingle:apps:rtp:video" />}
          <DiscoDevtools initialIsOpen position="inline" />
        </DiscoProvider>
      )
    }
    const { rerender } = render(<App video={false} />, { reactStrictMode: true })
    const caps = () => EntityCaps.find(asXmpp(alice))
    await waitFor(() => expect(caps()?.ver).toBeDefined())
    const first = caps()?.ver ?? ''
    rerender(<App video />)
    await waitFor(async () => expect((await traffic()).textContent).toContain('+ urn:xmpp:jingle:apps:rtp:video'))
    await waitFor(() => expect(caps()?.ver).not.toBe(first))
    await waitFor(async () => expect((await traffic()).textContent).toContain(`our ver is now ${caps()?.ver ?? ''} (was ${first})`))
    fireEvent.click(screen.getByRole('tab', { name: 'Us' }))
    const identities = await screen.findByRole('region', { name: 'Our identities' })
    expect(identities.textContent).toContain('client/web “Chat”')
    expect(screen.getByRole('region', { name: 'Our features' }).textContent).toContain('urn:xmpp:jingle:apps:rtp:video')
    const vers = screen.getByRole('region', { name: 'Our entity capabilities' })
    expect(vers.textContent).toContain(`current ${caps()?.ver ?? ''}`)
    expect(vers.textContent).toContain(`previous ${first}`)
  })

  it('shows peers’ verified caps with the JIDs using them, one query for three peers of one client', async () => {
    const { network, alice } = setup()
    const node = 'https://peer.example'
    const peers = ['p1', 'p2', 'p3'].map((name) => {
      const peer = network.entity(`${name}@example.org/web`)
      DiscoServer.for(asXmpp(peer)).registerFeature('urn:xmpp:jingle:1')
      EntityCaps.for(asXmpp(peer), { node })
      network.subscribe(alice.jid.toString(), peer.jid.toString())
      return peer
    })
    for (const peer of peers) await peer.send(xml('presence'))
    function Peer({ jid }: { jid: string }) {
      const { data } = useDiscoInfo(jid)
      return <li>{data ? `${jid} ready` : `${jid}…`}</li>
    }
    function Roster() {
      return <ul>{peers.map((p) => <Peer key={p.jid.toString()} jid={p.jid.toString()} />)}</ul>
    }
    const { rerender } = render(
      <StrictMode>
        <DiscoProvider client={asXmpp(alice)} queryClient={newQueryClient()} caps={entityCaps({ node: 'https://alice.example' })}>
          <DiscoDevtools initialIsOpen position="inline" initialTab="caps" />
        </DiscoProvider>
      </StrictMode>,
    )
    // Our first presence brings the peers' (with their caps); then the roster asks.
    await alice.send(xml('presence'))
    await waitFor(() => expect(EntityCaps.find(asXmpp(alice))?.stats.jids).toBe(3))
    rerender(
      <StrictMode>
        <DiscoProvider client={asXmpp(alice)} queryClient={newQueryClient()} caps={entityCaps({ node: 'https://alice.example' })}>
          <Roster />
          <DiscoDevtools initialIsOpen position="inline" initialTab="caps" />
        </DiscoProvider>
      </StrictMode>,
    )
    for (const p of peers) await screen.findByText(`${p.jid.toString()} ready`)
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(1)
    const hashes = await screen.findByRole('region', { name: 'Verified caps hashes' })
    await waitFor(() => expect(within(hashes).getAllByRole('row')).toHaveLength(3))
    const [, ecaps2, caps115] = within(hashes).getAllByRole('row')
    for (const row of [ecaps2, caps115]) for (const p of peers) expect(row?.textContent).toContain(p.jid.toString())
  })

  it('follows the session in its bar: reconnecting while a resumable stream is down, online once resumed, offline when it ends', async () => {
    const { alice } = await askBobWithDevtools()
    const session = screen.getByRole('status', { name: 'session' })
    const dot = (): string | null | undefined => document.querySelector('.rxd-dt-dot')?.getAttribute('data-status')
    expect(session.textContent).toBe('online')
    alice.dropConnection()
    await waitFor(() => expect(session.textContent).toBe('reconnecting'))
    expect(dot()).toBe('reconnecting')
    alice.resume()
    await waitFor(() => expect(session.textContent).toBe('online'))
    expect(dot()).toBe('online')
    alice.goOffline()
    await waitFor(() => expect(session.textContent).toBe('offline'))
    expect(dot()).toBe('offline')
  })

  it('shows each cache entry’s age since its data came, moving on while nothing else changes', async () => {
    await askBobWithDevtools({ initialTab: 'cache' })
    const info = await screen.findByRole('region', { name: 'disco#info entries' })
    const ageOfBob = (): string | undefined => within(info).getByText(BOB).closest('tr')?.children[5]?.textContent ?? undefined
    await waitFor(() => expect(ageOfBob()).toBe('now'))
    await waitFor(() => expect(ageOfBob()).toBe('2 s'), { timeout: 4000 })
  }, 10_000)

  it('removes every listener when unmounted', async () => {
    const { alice } = setup()
    const { unmount } = renderWithDisco(alice, <DiscoDevtools />)
    await screen.findByRole('button', { name: 'Open the disco devtools' })
    const events = DiscoEvents.of(asXmpp(alice))
    expect(events.listening).toBe(true)
    unmount()
    await settle(10)
    expect(events.listening).toBe(false)
  })
})
