// EntityCaps, the facade: both directions on and off together, one per
// client, and the plugin DiscoProvider takes.
import xml from '@xmpp/xml'
import { QueryClient, QueryObserver } from '@tanstack/query-core'
import { describe, expect, it, vi } from 'vitest'
import { ClientHooks } from '../../../src/core/ClientHooks.js'
import { PRESENCE_WAIT } from '../../../src/core/caps/PresenceWindow.js'
import { DiscoClient, NS_CAPS, NS_CAPS2, NS_DISCO_INFO } from '../../../src/core/index.js'
import { EntityCaps, entityCaps } from '../../../src/core/caps/index.js'
import type { XmlElement } from '../../../src/core/index.js'
import { HONEST, PEER_NODE, c115, presenceFrom, rawPeer, verOf } from '../../helpers/capsPeers.js'
import { ALICE, NODE, aliceWorld, asXmpp, must, presences, settle, sleep } from '../../helpers/capsWorld.js'
import { FakeNetwork, newSessionWithStreamManagement, rawQuery } from '../../helpers/fakeNetwork.js'

function setup() {
  const world = aliceWorld()
  const caps = EntityCaps.for(asXmpp(world.alice), { node: NODE, discoClient: world.dc })
  world.disposeAfter(() => caps.dispose())
  return { ...world, caps }
}

describe('EntityCaps: one per client', () => {
  it('refuses a second EntityCaps for one client with other options', () => {
    const { alice, caps, dc } = setup()
    expect(EntityCaps.for(asXmpp(alice), { node: NODE, discoClient: dc })).toBe(caps)
    expect(() => EntityCaps.for(asXmpp(alice), { node: 'https://other.example' })).toThrow(/other options/)
  })
})

describe('EntityCaps: a new session', () => {
  /** `n` contacts whose presences with caps came, each observed (a roster's rows), answered through one caps query. */
  async function roster(n: number) {
    const world = setup()
    const { net, alice, dc, queryClient, infoQueries } = world
    const ver = await verOf(HONEST)
    const peers = Array.from({ length: n }, (_, i) => rawPeer(net, `peer${i}@example.org/r`, () => HONEST))
    const presences = (): void => {
      for (const p of peers) presenceFrom(alice, p.jid, c115(ver))
    }
    presences()
    await settle()
    const rows = peers.map((p) => new QueryObserver(queryClient, dc.infoQueryOptions(p.jid)))
    const stops = rows.map((row) => row.subscribe(() => {}))
    await vi.waitFor(() => expect(rows.every((row) => row.getCurrentResult().data)).toBe(true))
    expect(infoQueries()).toHaveLength(1)
    const fresh = (): boolean => rows.every((row) => !row.getCurrentQuery().state.isInvalidated)
    return { alice, peers, presences, rows, fresh, infoQueries, unmount: () => stops.forEach((stop) => stop()) }
  }

  it('asks none of 20 observed contacts again in a new session: their entries wait for their presences, whose known caps answer', async () => {
    const { alice, peers, presences, fresh, infoQueries, unmount } = await roster(20)
    newSessionWithStreamManagement(alice)
    await sleep(50)
    // Before: one disco#info query to each of them, before their presences were in.
    expect(infoQueries()).toHaveLength(1)
    expect(fresh()).toBe(false)
    presences()
    await vi.waitFor(() => expect(fresh()).toBe(true))
    expect(infoQueries()).toHaveLength(1)
    expect(peers.map((p) => p.asked.length)).toEqual([1, ...peers.slice(1).map(() => 0)])
    unmount()
  })

  it('fetches at once, once stream management is enabled, the contacts whose presences came before it was', async () => {
    const { alice, presences, fresh, infoQueries, unmount } = await roster(5)
    // The app's presence went before <enable/>: the contacts' presences are in before <enabled/>.
    newSessionWithStreamManagement(alice, presences)
    // Not PRESENCE_WAIT later: now.
    await vi.waitFor(() => expect(fresh()).toBe(true), { timeout: 1000 })
    expect(infoQueries()).toHaveLength(1)
    unmount()
  })
})

describe('EntityCaps: a new session, PRESENCE_WAIT', () => {
  it('asks a row whose contact sent no presence PRESENCE_WAIT after the session is up, and a new question at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const world = setup()
    const { net, alice, dc, queryClient, infoQueries } = world
    const ver = await verOf(HONEST)
    const gone = rawPeer(net, 'gone@example.org/r', () => HONEST)
    const fresh = rawPeer(net, 'fresh@example.org/r', () => HONEST)
    presenceFrom(alice, gone.jid, c115(ver))
    await settle()
    const row = new QueryObserver(queryClient, dc.infoQueryOptions(gone.jid))
    const stop = row.subscribe(() => {})
    await vi.waitFor(() => expect(row.getCurrentResult().data).toBeDefined())
    expect(infoQueries()).toHaveLength(1)
    alice.dropConnection()
    alice.goOnline()
    await settle()
    // A question nobody showed an answer to is not held back.
    await dc.queryInfo(fresh.jid)
    expect(fresh.asked).toEqual([undefined])
    // Asked once, at its caps node, in the first session.
    expect(gone.asked).toEqual([`${PEER_NODE}#${ver}`])
    await vi.advanceTimersByTimeAsync(PRESENCE_WAIT - 100)
    expect(gone.asked).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(200)
    await vi.waitFor(() => expect(gone.asked).toEqual([`${PEER_NODE}#${ver}`, undefined]))
    await vi.waitFor(() => expect(row.getCurrentQuery().state.isInvalidated).toBe(false))
    stop()
  })
})

describe('EntityCaps: turning off', () => {
  it('takes off everything on dispose: <c/>, the caps features, node#ver, peers caps, listeners and timers', async () => {
    vi.useRealTimers()
    const { net, alice, server, dc, caps, infoQueries } = setup()
    const originalSend = Object.getPrototypeOf(alice).send
    await alice.send(xml('presence'))
    const ver = must(caps.ver)
    const bob = net.entity('bob@example.org/b')
    expect((await rawQuery(bob, ALICE, NS_DISCO_INFO, { node: `${NODE}#${ver}` })).attrs.type).toBe('result')
    // A peer's caps answer our queries while caps are on.
    const juliet = rawPeer(net, 'juliet@example.org/balcony', () => HONEST)
    presenceFrom(alice, juliet.jid, c115(await verOf(HONEST)))
    await settle()

    server.registerFeature('urn:example:burst')
    caps.dispose()
    await sleep(150)
    expect(caps.disposed).toBe(true)
    expect(alice.send).toBe(originalSend)
    // No re-announcement of the change that came just before.
    expect(presences(alice)).toHaveLength(1)
    await alice.send(xml('presence'))
    expect(must(presences(alice).at(-1)).getChild('c', NS_CAPS)).toBeUndefined()
    expect(must(presences(alice).at(-1)).getChild('c', NS_CAPS2)).toBeUndefined()
    expect(server.toInfo().features).not.toContain(NS_CAPS)
    expect(server.toInfo().features).not.toContain(NS_CAPS2)
    expect((await rawQuery(bob, ALICE, NS_DISCO_INFO, { node: `${NODE}#${ver}` })).attrs.type).toBe('error')
    // Peers' caps no longer used: a plain query to juliet herself.
    await dc.queryInfo(juliet.jid)
    expect(juliet.asked).toEqual([undefined])
    expect(infoQueries()).toHaveLength(1)
    expect(EntityCaps.for(asXmpp(alice), { node: 'https://other.example', discoClient: dc })).not.toBe(caps)
  })

  it('is disposed when its last provider lets go, and replaced when a provider asks for other options', async () => {
    vi.useRealTimers()
    const net = new FakeNetwork()
    const alice = net.entity(ALICE)
    const dc = DiscoClient.for(asXmpp(alice), { queryClient: new QueryClient() })
    const lastNode = async (): Promise<string | undefined> => {
      await alice.send(xml('presence'))
      return presences(alice).at(-1)?.getChild('c', NS_CAPS)?.attrs.node
    }
    const releaseFirst = entityCaps({ node: NODE }).attach(asXmpp(alice), dc)
    // The same options (another plugin object, as a render makes): the same caps, held twice.
    const releaseSame = entityCaps({ node: NODE }).attach(asXmpp(alice), dc)
    expect(ClientHooks.of(asXmpp(alice)).attached.interceptors).toBe(1)
    expect(await lastNode()).toBe(NODE)
    const releaseSecond = entityCaps({ node: 'https://renamed.example' }).attach(asXmpp(alice), dc)
    expect(ClientHooks.of(asXmpp(alice)).attached.interceptors).toBe(1)
    expect(await lastNode()).toBe('https://renamed.example')
    // Letting go of the replaced caps changes nothing.
    releaseFirst()
    releaseSame()
    await settle(1)
    expect(await lastNode()).toBe('https://renamed.example')
    releaseSecond()
    await settle(1)
    expect(alice.send).toBe(Object.getPrototypeOf(alice).send)
    expect(await lastNode()).toBeUndefined()
    net.close()
  })
  it('puts no <c/> on a presence sent in the same tick as its last provider lets go, and puts it back on a remount in that tick', async () => {
    vi.useRealTimers()
    const net = new FakeNetwork()
    const alice = net.entity(ALICE)
    const dc = DiscoClient.for(asXmpp(alice), { queryClient: new QueryClient() })
    const caps = (stanza: XmlElement | undefined) => stanza?.getChild('c', NS_CAPS)
    let release = entityCaps({ node: NODE }).attach(asXmpp(alice), dc)
    await alice.send(xml('presence'))
    expect(caps(presences(alice).at(-1))).toBeDefined()
    // StrictMode's unmount and remount, then a presence, all in one tick: caps stay on.
    release()
    release = entityCaps({ node: NODE }).attach(asXmpp(alice), dc)
    const remounted = alice.send(xml('presence'))
    // Turned off, then a presence and a directed one in that same tick: neither carries our caps.
    release()
    const broadcast = alice.send(xml('presence', {}, xml('show', {}, 'away')))
    const directed = alice.send(xml('presence', { to: 'bob@example.org/b' }))
    await Promise.all([remounted, broadcast, directed])
    const [afterRemount, afterOff, directedOff] = presences(alice).slice(-3)
    expect(caps(afterRemount)?.attrs.node).toBe(NODE)
    expect(caps(afterOff)).toBeUndefined()
    expect(afterOff?.getChild('c', NS_CAPS2)).toBeUndefined()
    expect(caps(directedOff)).toBeUndefined()
    await settle(1)
    expect(EntityCaps.find(asXmpp(alice))).toBeUndefined()
    // Let go by its provider and taken by the app with EntityCaps.for in one tick: on, with <c/>.
    const taken = entityCaps({ node: NODE }).attach(asXmpp(alice), dc)
    taken()
    const held = EntityCaps.for(asXmpp(alice), { node: NODE, discoClient: dc })
    await alice.send(xml('presence'))
    await settle(1)
    expect(held.disposed).toBe(false)
    expect(caps(presences(alice).at(-1))?.attrs.node).toBe(NODE)
    held.dispose()
    net.close()
  })
})

describe('entityCaps: the plugin DiscoProvider takes', () => {
  it('has one key for equal options and another for any other option, a storage object included', () => {
    const storage = new Map<string, string>()
    const key = entityCaps({ node: NODE, storage }).key
    expect(entityCaps({ node: NODE, storage, ecaps2: true, history: 3 }).key).toBe(key)
    for (const other of [
      { node: 'https://other.example', storage },
      { node: NODE },
      { node: NODE, storage: new Map<string, string>() },
      { node: NODE, storage, ecaps2: false },
      { node: NODE, storage, history: 1 },
      { node: NODE, storage, maxJids: 5 },
      { node: NODE, storage, maxHashes: 5 },
      { node: NODE, storage, maxVersPerMinute: 5 },
    ]) {
      expect(entityCaps(other).key).not.toBe(key)
    }
  })

  it('refuses to replace caps the app turned on itself with other options', () => {
    const { alice, dc, caps } = setup()
    expect(() => entityCaps({ node: 'https://other.example' }).attach(asXmpp(alice), dc)).toThrow(/other options/)
    expect(caps.disposed).toBe(false)
    // With its options, a provider shares them and leaves them on when it lets go.
    const release = entityCaps({ node: NODE }).attach(asXmpp(alice), dc)
    release()
    expect(caps.disposed).toBe(false)
  })
})
