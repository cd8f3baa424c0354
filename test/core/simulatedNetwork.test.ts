// The simulated network of the ./testing entry, as a Node user of it sees it.
import xml from '@xmpp/xml'
import { describe, expect, it } from 'vitest'
import { DiscoClient, NS_DISCO_INFO, NS_DISCO_ITEMS, StanzaError, TimeoutError } from '../../src/core/index.js'
import type { XmlElement } from '../../src/core/index.js'
import { EXAMPLE_JIDS, SimulatedNetwork, answerDisco, exampleNetwork } from '../../src/testing/index.js'
import type { SimulatedEntity } from '../../src/testing/index.js'

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

describe('SimulatedNetwork presence broadcast (RFC 6121)', () => {
  /** The presences `entity` receives, as "from type show". */
  function presencesOf(entity: SimulatedEntity): string[] {
    const seen: string[] = []
    entity.on('element', (stanza: XmlElement) => {
      if (stanza.is('presence')) seen.push([stanza.attrs.from, stanza.attrs.type ?? 'available', stanza.getChildText('show') ?? ''].join(' ').trim())
    })
    return seen
  }
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
  }

  it('delivers a broadcast presence to every available resource of the subscribed watchers only', async () => {
    const net = new SimulatedNetwork()
    const juliet = net.entity('juliet@example.org/balcony')
    const romeoA = net.entity('romeo@example.org/orchard')
    const romeoB = net.entity('romeo@example.org/phone')
    const romeoC = net.entity('romeo@example.org/silent')
    const tybalt = net.entity('tybalt@example.org/sword')
    net.entity('example.org')
    const seen = [romeoA, romeoB, romeoC, tybalt].map(presencesOf)
    net.subscribe('romeo@example.org', juliet.jid.toString())
    net.subscribe('tybalt@example.org', 'romeo@example.org')
    for (const entity of [romeoA, romeoB, tybalt]) await entity.send(xml('presence'))
    await juliet.send(xml('presence', {}, xml('show', {}, 'chat')))
    await settle()
    const fromJuliet = 'juliet@example.org/balcony available chat'
    // romeo@…/silent never said it is available: a server sends it no presence.
    expect(seen.map((s) => s.filter((p) => p.startsWith('juliet')))).toEqual([[fromJuliet], [fromJuliet], [], []])
    expect(net.isSubscribed('romeo@example.org/orchard', 'juliet@example.org')).toBe(true)
    expect(net.isSubscribed('tybalt@example.org', 'juliet@example.org')).toBe(false)
    net.close()
  })

  it('brings an initial presence the current presence of its contacts, and a new subscription the contact’s', async () => {
    const net = new SimulatedNetwork()
    const juliet = net.entity('juliet@example.org/balcony')
    const nurse = net.entity('nurse@example.org/kitchen')
    const romeo = net.entity('romeo@example.org/orchard')
    const seen = presencesOf(romeo)
    net.subscribe(romeo.jid.toString(), juliet.jid.toString())
    await juliet.send(xml('presence', {}, xml('show', {}, 'away')))
    await nurse.send(xml('presence'))
    await settle()
    // Romeo is not available yet: his initial presence brings him what he missed.
    expect(seen).toEqual([])
    await romeo.send(xml('presence'))
    await settle()
    expect(seen).toEqual(['juliet@example.org/balcony available away'])
    net.subscribe(romeo.jid.toString(), nurse.jid.toString())
    await settle()
    expect(seen).toEqual(['juliet@example.org/balcony available away', 'nurse@example.org/kitchen available'])
    net.close()
  })

  it('tells the watchers a contact went unavailable when its session ends', async () => {
    const net = new SimulatedNetwork()
    const juliet = net.entity('juliet@example.org/balcony')
    const romeo = net.entity('romeo@example.org/orchard')
    const seen = presencesOf(romeo)
    net.subscribe(romeo.jid.toString(), juliet.jid.toString())
    await romeo.send(xml('presence'))
    await juliet.send(xml('presence'))
    juliet.goOffline()
    await settle()
    expect(seen).toEqual(['juliet@example.org/balcony available', 'juliet@example.org/balcony unavailable'])
    // Back online, she is announced again only when she says so.
    juliet.goOnline()
    await settle()
    expect(seen).toHaveLength(2)
    net.close()
  })
})
