// EntityCaps, the facade: both directions on and off together, one per
// client, and what DiscoProvider holds.
import xml from '@xmpp/xml'
import { QueryClient } from '@tanstack/query-core'
import { describe, expect, it, vi } from 'vitest'
import { DiscoClient, NS_CAPS, NS_CAPS2, NS_DISCO_INFO } from '../../../src/core/index.js'
import { EntityCaps } from '../../../src/core/caps/index.js'
import { entityCapsFor } from '../../../src/core/caps/EntityCaps.js'
import { HONEST, c115, presenceFrom, rawPeer, verOf } from '../../helpers/capsPeers.js'
import { ALICE, NODE, aliceWorld, asXmpp, must, presences, settle, sleep } from '../../helpers/capsWorld.js'
import { FakeNetwork, rawQuery } from '../../helpers/fakeNetwork.js'

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
    const first = entityCapsFor(asXmpp(alice), { node: NODE })
    const release = [first.mount(), first.serve(dc)]
    expect(entityCapsFor(asXmpp(alice), { node: NODE })).toBe(first)
    const second = entityCapsFor(asXmpp(alice), { node: 'https://renamed.example' })
    expect(first.disposed).toBe(true)
    expect(second).not.toBe(first)
    for (const r of release) r()
    const hold = second.mount()
    hold()
    await settle(1)
    expect(second.disposed).toBe(true)
    expect(alice.send).toBe(Object.getPrototypeOf(alice).send)
    net.close()
  })
})
