// The simulated network of the ./testing entry, as a Node user of it sees it.
import xml from '@xmpp/xml'
import { describe, expect, it } from 'vitest'
import { DiscoClient, NS_DISCO_INFO, NS_DISCO_ITEMS, StanzaError, TimeoutError } from '../../src/core/index.js'
import { EXAMPLE_JIDS, SimulatedNetwork, answerDisco, exampleNetwork } from '../../src/testing/index.js'

describe('SimulatedNetwork', () => {
  it('answers the example server’s disco#info and items through the production DiscoClient, counting the IQs', async () => {
    const world = exampleNetwork()
    const client = DiscoClient.for(world.me)
    const [a, b] = await Promise.all([client.queryInfo(EXAMPLE_JIDS.server), client.queryInfo(EXAMPLE_JIDS.server)])
    expect(a).toBe(b)
    expect(a.identities).toEqual([{ category: 'server', type: 'im', name: 'Example Server' }])
    expect(world.server.requestCount).toBe(1)
    expect(world.server.countRequests(NS_DISCO_INFO)).toBe(1)
    const items = await client.queryItems(EXAMPLE_JIDS.server)
    expect(items.items.map((i) => i.jid)).toContain(EXAMPLE_JIDS.conference)
    expect(world.server.requests.at(-1)).toMatchObject({ from: EXAMPLE_JIDS.me, ns: NS_DISCO_ITEMS, type: 'get' })
    world.network.close()
  })

  it('answers peers through their own DiscoServer, and nodes, errors and silence as configured', async () => {
    const world = exampleNetwork({ slowLatency: 30 })
    const client = DiscoClient.for(world.me)
    expect((await client.queryInfo(EXAMPLE_JIDS.peer)).features).toContain('urn:xmpp:jingle:1')
    expect((await client.queryItems(EXAMPLE_JIDS.pubsub, { node: 'news' })).items).toEqual([
      { jid: EXAMPLE_JIDS.pubsub, node: 'news/verona', name: 'News from Verona' },
    ])
    await expect(client.queryInfo(EXAMPLE_JIDS.server, { node: 'nope' })).rejects.toMatchObject({ condition: 'item-not-found' })
    await expect(client.queryInfo(EXAMPLE_JIDS.broken)).rejects.toBeInstanceOf(StanzaError)
    await expect(client.queryInfo(EXAMPLE_JIDS.silent, { timeout: 50 })).rejects.toBeInstanceOf(TimeoutError)
    expect(world.silent.requestCount).toBe(1)
    const started = Date.now()
    await client.queryInfo(EXAMPLE_JIDS.slow)
    expect(Date.now() - started).toBeGreaterThanOrEqual(25)
    expect(world.network.errors).toEqual([])
    world.network.close()
  })

  it('emits status events as xmpp.js does and drops stanzas for an offline entity', async () => {
    const net = new SimulatedNetwork()
    const me = net.entity('me@example.org/a')
    const responder = answerDisco(net.entity('example.org'), {
      info: { identities: [{ category: 'server', type: 'im' }], features: [], forms: [] },
    })
    const events: string[] = []
    me.on('status', (status: string) => events.push(status))
    me.goOffline()
    me.goOnline()
    await me.stop()
    expect(events).toEqual(['disconnect', 'offline', 'online', 'disconnecting', 'disconnect', 'offline'])
    await expect(me.send(xml('presence'))).rejects.toThrow(/not connected/)
    await me.start()
    responder.spec = { error: { condition: 'forbidden', type: 'auth' } }
    await expect(DiscoClient.for(me).queryInfo('example.org')).rejects.toMatchObject({ condition: 'forbidden', type: 'auth' })
  })
})
