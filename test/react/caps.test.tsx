// <DiscoProvider caps>: entity capabilities from the React side.
import { cleanup, render, screen, waitFor } from '@testing-library/react'
import xml from '@xmpp/xml'
import { StrictMode } from 'react'
import type { ReactNode } from 'react'
import { describe, expect, it, vi } from 'vitest'
import { NS_CAPS, NS_DISCO_INFO, NS_SOFTWARE_INFO } from '../../src/core/index.js'
import { EntityCaps, entityCaps, verifyCapsHash } from '../../src/core/caps/index.js'
import type { CapsPlugin, EntityCapsOptions } from '../../src/core/caps/index.js'
import type { XmlElement } from '../../src/core/index.js'
import { DiscoProvider, ExtendedInfo, Feature, Identity, useDiscoInfo } from '../../src/react/index.js'
import { HONEST, c115, gatedPeer, presenceFrom, rawPeer, verOf } from '../helpers/capsPeers.js'
import { newSessionWithStreamManagement } from '../helpers/fakeNetwork.js'
import { ask, asXmpp, infoSeen, newQueryClient, settle, setup } from '../helpers/renderWithDisco.js'

const NODE = 'https://app.example'

/** A roster for `alice` with caps on: `app(rows)` is the tree to render (or rerender) with those rows, on one QueryClient. */
function rosterOf(alice: Parameters<typeof asXmpp>[0]) {
  const queryClient = newQueryClient()
  return (rows: ReactNode) => (
    <StrictMode>
      <DiscoProvider client={asXmpp(alice)} queryClient={queryClient} caps={entityCaps({ node: NODE })}>
        <ul>{rows}</ul>
      </DiscoProvider>
    </StrictMode>
  )
}
const presences = (sent: XmlElement[]) => sent.filter((s) => s.is('presence'))

describe('<DiscoProvider caps>', () => {
  it('puts <c/> on our presence and re-sends it once for 1000 <Feature>s mounted in one commit', async () => {
    const { alice, bob } = setup()
    const features = (n: number) => Array.from({ length: n }, (_, i) => <Feature key={i} var={`urn:example:f${i}`} />)
    const { rerender } = render(
      <StrictMode>
        <DiscoProvider client={asXmpp(bob)} queryClient={newQueryClient()} caps={entityCaps({ node: NODE })} />
      </StrictMode>,
    )
    await bob.send(xml('presence', {}, xml('show', {}, 'away'), xml('status', {}, 'lunch'), xml('priority', {}, '5')))
    const first = presences(bob.sent)
    expect(first).toHaveLength(1)
    const ver = EntityCaps.for(asXmpp(bob), { node: NODE }).ver
    expect(first[0]?.getChild('c', NS_CAPS)?.attrs).toMatchObject({ node: NODE, hash: 'sha-1', ver })

    rerender(
      <StrictMode>
        <DiscoProvider client={asXmpp(bob)} queryClient={newQueryClient()} caps={entityCaps({ node: NODE })}>
          {features(1000)}
        </DiscoProvider>
      </StrictMode>,
    )
    await settle(300)
    const all = presences(bob.sent)
    expect(all).toHaveLength(2)
    const resent = all[1]
    const newVer = resent?.getChild('c', NS_CAPS)?.attrs.ver
    expect(newVer).toBeDefined()
    expect(newVer).not.toBe(ver)
    expect(resent?.getChildText('show')).toBe('away')
    expect(resent?.getChildText('status')).toBe('lunch')
    expect(resent?.getChildText('priority')).toBe('5')

    // The advertised ver answers at node#ver with what it was computed from.
    const atVer = await infoSeen(alice, bob, `${NODE}#${newVer}`)
    expect(atVer.features).toContain('urn:example:f999')
  })

  it('advertises the XEP-0115 complex example ver, q07IKJEyjvHSyhy//CH0CxmKi8w=, from <Identity>, <Feature> and <ExtendedInfo>', async () => {
    const { alice, bob } = setup()
    render(
      <StrictMode>
        <DiscoProvider client={asXmpp(bob)} queryClient={newQueryClient()} caps={entityCaps({ node: NODE, ecaps2: false })}>
          <Identity category="client" type="pc" names={{ en: 'Psi 0.11', el: 'Ψ 0.11' }} />
          <Feature var="http://jabber.org/protocol/muc" />
          <ExtendedInfo
            formType={NS_SOFTWARE_INFO}
            fields={{ ip_version: ['ipv4', 'ipv6'], os: 'Mac', os_version: '10.5.1', software: 'Psi', software_version: '0.11' }}
          />
        </DiscoProvider>
      </StrictMode>,
    )
    await settle()
    await bob.send(xml('presence'))
    const c = presences(bob.sent).at(-1)?.getChild('c', NS_CAPS)
    expect(c?.attrs.ver).toBe('q07IKJEyjvHSyhy//CH0CxmKi8w=')
    const reply = await ask(alice, bob, NS_DISCO_INFO, `${NODE}#q07IKJEyjvHSyhy//CH0CxmKi8w=`)
    const query = reply.getChild('query', NS_DISCO_INFO)
    expect(query && (await verifyCapsHash(query, { kind: 'caps', algo: 'sha-1', value: 'q07IKJEyjvHSyhy//CH0CxmKi8w=' }))).toBe('verified')
  })

  it('keeps the caps it verified across a reload (caps.storage): loaded again, it asks the peer nothing', async () => {
    const storage = new Map<string, string>()
    // One object for the app's lifetime, as the README says.
    const caps = entityCaps({ node: NODE, storage })
    function Show({ jid }: { jid: string }) {
      const { data } = useDiscoInfo(jid)
      return <output aria-label="features">{data?.features.filter((f) => f.startsWith('urn:example:')).join(',')}</output>
    }
    const strict = (ui: ReactNode) => <StrictMode>{ui}</StrictMode>

    /** One page load: bob (a client of this library with caps) and alice, fresh but for the storage. */
    async function load() {
      const { alice, bob } = setup()
      render(
        strict(
          <DiscoProvider client={asXmpp(bob)} queryClient={newQueryClient()} caps={entityCaps({ node: 'https://bob.example' })}>
            <Feature var="urn:example:bob" />
          </DiscoProvider>,
        ),
      )
      const queryClient = newQueryClient()
      const page = (ui: ReactNode) => strict(<DiscoProvider client={asXmpp(alice)} queryClient={queryClient} caps={caps}>{ui}</DiscoProvider>)
      const view = render(page(null))
      await settle(5)
      await bob.send(xml('presence', { to: alice.jid.toString() }))
      await settle(5)
      view.rerender(page(<Show jid={bob.jid.toString()} />))
      await waitFor(() => expect(screen.getByLabelText('features').textContent).toBe('urn:example:bob'))
      return { capsQueries: bob.requests.filter((r) => r.ns === NS_DISCO_INFO).map((r) => r.node) }
    }

    const first = await load()
    expect(first.capsQueries).toHaveLength(1)
    expect(first.capsQueries[0]).toMatch(/^https:\/\/bob\.example#/)
    await waitFor(() => expect(storage.has('index')).toBe(true))
    cleanup()

    const second = await load()
    expect(second.capsQueries).toEqual([])
  })

  it('attaches caps once for equal options however often it renders, again for other options, never after caps={undefined}', async () => {
    const { bob } = setup()
    const queryClient = newQueryClient()
    const attached: string[] = []
    /** entityCaps(options), counting its attachments: a plugin of the app's own. */
    const counted = (options: Omit<EntityCapsOptions, 'discoClient'>): CapsPlugin => {
      const plugin = entityCaps(options)
      return {
        key: plugin.key,
        attach: (xmpp, client) => {
          attached.push(options.node)
          return plugin.attach(xmpp, client)
        },
      }
    }
    // A new plugin object on every render, as `caps={entityCaps({ node })}` written inline makes.
    const view = (node: string | undefined) => (
      <StrictMode>
        <DiscoProvider client={asXmpp(bob)} queryClient={queryClient} caps={node === undefined ? undefined : counted({ node })} />
      </StrictMode>
    )
    const lastNode = async (): Promise<string | undefined> => {
      await bob.send(xml('presence'))
      return presences(bob.sent).at(-1)?.getChild('c', NS_CAPS)?.attrs.node
    }
    const { rerender } = render(view(NODE))
    const mounted = attached.length
    expect(mounted).toBeGreaterThan(0)
    for (let i = 0; i < 5; i++) rerender(view(NODE))
    expect(attached).toHaveLength(mounted)
    expect(await lastNode()).toBe(NODE)
    rerender(view('https://other.example'))
    expect(attached.at(-1)).toBe('https://other.example')
    expect(await lastNode()).toBe('https://other.example')
    const before = attached.length
    rerender(view(undefined))
    rerender(view(undefined))
    await settle(1)
    expect(attached).toHaveLength(before)
    expect(await lastNode()).toBeUndefined()
  })

  it('sends no <c/> on a presence the app sends in the very tick caps={undefined} is committed', async () => {
    const { bob } = setup()
    const queryClient = newQueryClient()
    const view = (caps: CapsPlugin | undefined) => (
      <StrictMode>
        <DiscoProvider client={asXmpp(bob)} queryClient={queryClient} caps={caps} />
      </StrictMode>
    )
    const { rerender } = render(view(entityCaps({ node: NODE })))
    await bob.send(xml('presence'))
    expect(presences(bob.sent).at(-1)?.getChild('c', NS_CAPS)?.attrs.node).toBe(NODE)
    rerender(view(undefined))
    // No await between turning caps off and the presence.
    const sent = bob.send(xml('presence', {}, xml('status', {}, 'caps off')))
    await sent
    const last = presences(bob.sent).at(-1)
    expect(last?.getChildText('status')).toBe('caps off')
    expect(last?.getChild('c', NS_CAPS)).toBeUndefined()
  })

  it('asks a peer once when its caps come while the hook’s plain query to it is in flight: the answer verifies them', async () => {
    const { network, alice } = setup()
    const juliet = gatedPeer(network, 'juliet@example.org/balcony', () => HONEST)
    function Show() {
      const { data } = useDiscoInfo(juliet.jid)
      return <output aria-label="juliet's features">{data?.features.filter((f) => f.startsWith('urn:example:')).join(',')}</output>
    }
    render(
      <StrictMode>
        <DiscoProvider client={asXmpp(alice)} queryClient={newQueryClient()} caps={entityCaps({ node: NODE })}>
          <Show />
        </DiscoProvider>
      </StrictMode>,
    )
    await waitFor(() => expect(juliet.asked).toEqual([undefined]))
    presenceFrom(alice, juliet.jid, c115(await verOf(HONEST)))
    await settle(5)
    juliet.answer()
    await waitFor(() => expect(screen.getByLabelText("juliet's features").textContent).toBe('urn:example:jingle'))
    await vi.waitFor(() => expect(EntityCaps.find(asXmpp(alice))?.stats.hashes).toBe(1))
    await settle(20)
    expect(juliet.asked).toEqual([undefined])
  })

  it("refreshes a roster's rows after a new session through their contacts' caps, asking none of them", async () => {
    const { network, alice } = setup()
    const ver = await verOf(HONEST)
    const peers = Array.from({ length: 20 }, (_, i) => rawPeer(network, `peer${i}@example.org/r`, () => HONEST))
    function Row({ jid }: { jid: string }) {
      const { data, isStale } = useDiscoInfo(jid)
      return <li>{data ? `${data.features.includes('urn:example:jingle') ? 'jingle' : 'no'}${isStale ? ' stale' : ''}` : '…'}</li>
    }
    const app = rosterOf(alice)
    // The contacts' presences, then a row for each (a roster shows the resources it knows of).
    const { rerender } = render(app(null))
    for (const p of peers) presenceFrom(alice, p.jid, c115(ver))
    await settle(20)
    rerender(app(peers.map((p) => <Row key={p.jid} jid={p.jid} />)))
    await waitFor(() => expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(peers.map(() => 'jingle')))
    const asked = () => alice.sentQueries(NS_DISCO_INFO).length
    expect(asked()).toBe(1)
    // A new session: at its 'online' the hooks are enabled again and fetch on their own.
    newSessionWithStreamManagement(alice)
    await settle(50)
    // Before: 20 queries here, one per row, before the contacts' presences were in.
    expect(asked()).toBe(1)
    for (const p of peers) presenceFrom(alice, p.jid, c115(ver))
    await waitFor(() => expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(peers.map(() => 'jingle')))
    expect(asked()).toBe(1)
    expect(peers.map((p) => p.asked.length)).toEqual([1, ...peers.slice(1).map(() => 0)])
  })

  it("shows a contact's info in its row's first render when its caps hash is verified already: never pending, nothing sent", async () => {
    const { network, alice } = setup()
    const ver = await verOf(HONEST)
    const romeo = rawPeer(network, 'romeo@example.org/r', () => HONEST)
    const juliet = rawPeer(network, 'juliet@example.org/r', () => HONEST)
    const seen: string[] = []
    function Row({ jid }: { jid: string }) {
      const { status, data } = useDiscoInfo(jid)
      seen.push(`${jid} ${status}`)
      return <li>{data ? (data.features.includes('urn:example:jingle') ? 'jingle' : 'no') : '…'}</li>
    }
    const app = rosterOf(alice)
    const { container, rerender } = render(app(null))
    const rows = () => [...container.querySelectorAll('li')].map((li) => li.textContent)
    presenceFrom(alice, romeo.jid, c115(ver))
    presenceFrom(alice, juliet.jid, c115(ver))
    await settle(20)
    // Romeo's row verifies the hash (one query, at node#ver).
    rerender(app(<Row jid={romeo.jid} />))
    await waitFor(() => expect(rows()).toEqual(['jingle']))
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(1)
    // Juliet runs the same client: her row renders with the answer at once.
    seen.length = 0
    rerender(app([<Row key="r" jid={romeo.jid} />, <Row key="j" jid={juliet.jid} />]))
    expect(rows()).toEqual(['jingle', 'jingle'])
    expect(seen.filter((s) => s.startsWith(juliet.jid))).not.toContain(`${juliet.jid} pending`)
    await settle(20)
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(1)
    expect(juliet.asked).toEqual([])
  })

  it('says what caps takes when given the options themselves', () => {
    const { bob } = setup()
    const options = { node: NODE } as unknown as CapsPlugin
    expect(() =>
      render(
        <StrictMode>
          <DiscoProvider client={asXmpp(bob)} queryClient={newQueryClient()} caps={options} />
        </StrictMode>,
      ),
    ).toThrow("DiscoProvider's caps takes entityCaps({ node }) from 'react-xmpp-disco/caps'")
  })
})
