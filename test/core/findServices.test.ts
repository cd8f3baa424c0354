// DiscoClient.findServices over the in-memory network: items, then the info
// of each (at most 6 in flight, counted on the wire), cached.
import { QueryClient } from '@tanstack/query-core'
import { describe, expect, it } from 'vitest'
import { DiscoClient, InvalidInputError, NS_DISCO_INFO, NS_DISCO_ITEMS, RequestQueue } from '../../src/core/index.js'
import type { XmppClient } from '../../src/core/index.js'
import { EXAMPLE_JIDS, exampleNetwork } from '../../src/testing/index.js'
import { FakeNetwork } from '../helpers/fakeNetwork.js'
import type { FakeEntity } from '../helpers/fakeNetwork.js'
import { UPLOAD, serviceWorld } from '../helpers/services.js'

const asXmpp = (entity: FakeEntity): XmppClient => entity as unknown as XmppClient

function setup(count = 20) {
  const network = new FakeNetwork()
  const alice = network.entity('alice@example.org/a')
  const world = serviceWorld(network, alice.jid.toString(), count)
  const client = DiscoClient.for(asXmpp(alice), { queryClient: new QueryClient() })
  return { network, alice, client, ...world }
}

describe('DiscoClient.findServices', () => {
  it('finds the items of our server whose info has the feature, asking at most 6 infos at once', async () => {
    const { client, uploads, info, alice } = setup()
    const found = await client.findServices(UPLOAD)
    expect(found.map((s) => s.jid)).toEqual(uploads)
    expect(found[0]).toEqual({ jid: 'service0.example.org', name: 'Service 0', info: expect.objectContaining({ features: [UPLOAD] }) })
    expect(alice.sentQueries(NS_DISCO_ITEMS)).toHaveLength(1)
    expect(info.sent).toBe(20)
    expect(info.max).toBe(6)
  })

  it('leaves out an item whose info fails, and costs nothing the second time (cached)', async () => {
    const { client, alice, info } = setup(7)
    // service4 answers internal-server-error; service6 has the feature.
    expect((await client.findServices(UPLOAD)).map((s) => s.jid)).toEqual(['service0.example.org', 'service3.example.org', 'service6.example.org'])
    const sent = alice.sent.length
    expect((await client.findServices(UPLOAD, { jid: 'example.org' })).map((s) => s.jid)).toHaveLength(3)
    // The failed info is asked again (errors are not cached); nothing else.
    expect(alice.sent.length - sent).toBe(1)
    expect(info.max).toBeLessThanOrEqual(6)
  })

  it('finds the HTTP upload service of the example network, skipping a broken and a silent service', async () => {
    const world = exampleNetwork({ slowLatency: 5 })
    const client = DiscoClient.for(world.me)
    const found = await client.findServices(UPLOAD, { timeout: 300 })
    expect(found).toEqual([
      expect.objectContaining({ jid: EXAMPLE_JIDS.upload, name: 'HTTP File Upload', info: expect.objectContaining({ features: expect.arrayContaining([UPLOAD]) }) }),
    ])
    world.network.close()
  })

  it('refuses an empty feature with InvalidInputError before anything is sent', async () => {
    const { client, alice } = setup(3)
    await expect(client.findServices('')).rejects.toBeInstanceOf(InvalidInputError)
    expect(alice.sentQueries(NS_DISCO_ITEMS)).toHaveLength(0)
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(0)
  })
})

describe('DiscoClient queries through a RequestQueue', () => {
  it('sends a queued request at its turn, and never one every caller left before its turn', async () => {
    const { client, info } = setup(5)
    const queue = new RequestQueue(1)
    const controller = new AbortController()
    const first = client.queryInfo('service0.example.org', { queue })
    const left = client.queryInfo('service1.example.org', { queue, signal: controller.signal })
    // Joining a queued request needs no turn of its own.
    const joined = client.queryInfo('service0.example.org', { queue })
    const third = client.queryInfo('service2.example.org', { queue })
    controller.abort()
    await expect(left).rejects.toMatchObject({ name: 'AbortError' })
    await Promise.all([first, joined, third])
    expect(info.sent).toBe(2)
    expect(info.max).toBe(1)
    expect(queue.running + queue.waiting).toBe(0)
  })
})
