// Verified entity capabilities kept across reloads (EntityCaps `storage`),
// in Node with an in-memory store (a Map). A "reload" is a fresh network,
// client, QueryClient, DiscoClient and EntityCaps given the same storage.
// The storage is untrusted input: every stored entry is verified again.
import { QueryClient } from '@tanstack/query-core'
import { afterEach, describe, expect, it } from 'vitest'
import { DiscoClient, NS_DISCO_INFO } from '../../../src/core/index.js'
import { EntityCaps, ecaps2Hash } from '../../../src/core/caps/index.js'
import type { CapsStorage } from '../../../src/core/caps/index.js'
import { capsDataFromQuery } from '../../../src/core/caps/capsData.js'
import { EVIL, HONEST, PEER_NODE, c115, c390, presenceFrom, query, rawPeer, verOf } from '../../helpers/capsPeers.js'
import { ALICE, NODE, asXmpp, settle } from '../../helpers/capsWorld.js'
import { FakeNetwork } from '../../helpers/fakeNetwork.js'
import type { FakeEntity } from '../../helpers/fakeNetwork.js'

const JULIET = 'juliet@example.org/balcony'

interface World {
  net: FakeNetwork
  alice: FakeEntity
  dc: DiscoClient
  caps: EntityCaps
  /** The disco#info queries alice sent. */
  infoQueries: () => number
  close: () => void
}

let worlds: World[] = []

afterEach(() => {
  for (const world of worlds) {
    world.close()
    // Nothing the storage did may crash a client.
    expect(world.net.errors).toEqual([])
  }
  worlds = []
})

/** A page load: everything fresh but the storage. */
function load(storage: CapsStorage, options: { maxHashes?: number } = {}): World {
  const net = new FakeNetwork()
  const alice = net.entity(ALICE)
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  const dc = DiscoClient.for(asXmpp(alice), { queryClient })
  const caps = EntityCaps.for(asXmpp(alice), { node: NODE, discoClient: dc, storage, ...options })
  const world: World = {
    net,
    alice,
    dc,
    caps,
    infoQueries: () => alice.sentQueries(NS_DISCO_INFO).length,
    close: () => {
      caps.dispose()
      dc.dispose()
      net.close()
    },
  }
  worlds.push(world)
  return world
}

/** Waits for the storage writes, then closes the page. */
async function unload(world: World): Promise<void> {
  await world.caps.saved()
  world.close()
  worlds = worlds.filter((w) => w !== world)
}

/** A peer answering `body`, whose caps (made by `caps`) alice has seen. */
async function peer(world: World, jid: string, body: string, ...caps: ReturnType<typeof c115>[]) {
  const p = rawPeer(world.net, jid, () => body)
  presenceFrom(world.alice, jid, ...caps)
  await settle()
  return p
}

/** The stored entries, without the index. */
const entries = (storage: Map<string, unknown>): [string, unknown][] => [...storage].filter(([key]) => key !== 'index')

describe('verified caps across a reload', () => {
  it('sends no caps query after a reload for a peer whose ver was verified before', async () => {
    const storage = new Map<string, string>()
    const ver = await verOf(HONEST)
    const before = load(storage)
    await peer(before, JULIET, HONEST, c115(ver))
    expect((await before.dc.queryInfo(JULIET)).features).toContain('urn:example:jingle')
    expect(before.infoQueries()).toBe(1)
    await unload(before)

    const after = load(storage)
    const juliet = await peer(after, JULIET, HONEST, c115(ver))
    const romeo = await peer(after, 'romeo@example.org/r', HONEST, c115(ver))
    const [forJuliet, forRomeo] = await Promise.all([after.dc.queryInfo(JULIET), after.dc.queryInfo(romeo.jid)])
    expect(forJuliet.features).toContain('urn:example:jingle')
    expect(forRomeo).toEqual(forJuliet)
    expect(after.infoQueries()).toBe(0)
    expect(juliet.asked).toEqual([])
    expect(after.caps.stats.hashes).toBe(1)
  })

  it('keeps XEP-0390 hashes too, with the language the result inherited from its <iq/>', async () => {
    const storage = new Map<string, string>()
    // The language comes from the <iq/>: a stored <query/> must carry it to verify again.
    const body = `<identity category='client' type='pc' name='Peer'/><feature var='${NS_DISCO_INFO}'/>`
    const value = await ecaps2Hash(capsDataFromQuery(query(`<identity category='client' type='pc' name='Peer' xml:lang='en'/><feature var='${NS_DISCO_INFO}'/>`)))
    const before = load(storage)
    rawPeer(before.net, JULIET, () => body)
    before.net.interceptor = (stanza, from) => {
      if (from.jid.toString() === JULIET && stanza.is('iq')) stanza.attrs['xml:lang'] = 'en'
      return stanza
    }
    presenceFrom(before.alice, JULIET, c390(['sha-256', value]))
    await settle()
    await before.dc.queryInfo(JULIET)
    expect(before.caps.stats.hashes).toBe(1)
    await unload(before)

    const after = load(storage)
    await peer(after, JULIET, body, c390(['sha-256', value]))
    expect((await after.dc.queryInfo(JULIET)).identities).toEqual([{ category: 'client', type: 'pc', name: 'Peer' }])
    expect(after.infoQueries()).toBe(0)
  })

  it('asks again for a tampered stored entry, and stores the honest answer in its place', async () => {
    const storage = new Map<string, string>()
    const ver = await verOf(HONEST)
    const before = load(storage)
    await peer(before, JULIET, HONEST, c115(ver))
    await before.dc.queryInfo(JULIET)
    await unload(before)
    const [key, value] = entries(storage)[0] as [string, string]
    storage.set(key, value.replace('urn:example:jingle', 'urn:example:evil'))

    const after = load(storage)
    const juliet = await peer(after, JULIET, HONEST, c115(ver))
    const info = await after.dc.queryInfo(JULIET)
    expect(info.features).toContain('urn:example:jingle')
    expect(info.features).not.toContain('urn:example:evil')
    expect(juliet.asked).toEqual([`${PEER_NODE}#${ver}`])
    await unload(after)
    expect(storage.get(key)).toBe(value)
  })

  it('drops corrupt entries and a broken index without crashing, and asks the peer', async () => {
    const ver = await verOf(HONEST)
    const key = `caps sha-1 ${ver}`
    const corrupt: unknown[] = [
      42,
      { features: ['urn:example:evil'] },
      'not xml at all',
      '<query xmlns="http://jabber.org/protocol/disco#info"><identity',
      '<iq xmlns="jabber:client"/>',
      `<query xmlns='${NS_DISCO_INFO}'>${EVIL}</query>`,
      `<query xmlns='${NS_DISCO_INFO}'>${HONEST}${'<feature var="urn:example:padding"/>'.repeat(5000)}</query>`,
    ]
    for (const value of corrupt) {
      const storage = new Map<string, unknown>([
        [key, value],
        ['index', '{"not": "an array"'],
      ])
      const world = load(storage)
      const juliet = await peer(world, JULIET, HONEST, c115(ver))
      expect((await world.dc.queryInfo(JULIET)).features).toContain('urn:example:jingle')
      expect(juliet.asked).toEqual([`${PEER_NODE}#${ver}`])
      await unload(world)
      // Replaced by the verified answer; the index rebuilt.
      expect(storage.get(key)).toBe(query(HONEST).toString())
      expect(JSON.parse(storage.get('index') as string)).toEqual([key])
    }
  })
})

describe('what is kept', () => {
  it('never stores per-JID results: a mismatch, legacy caps, an unknown algorithm, an ambiguous result', async () => {
    const storage = new Map<string, string>()
    const world = load(storage)
    const ver = await verOf(HONEST)
    const ambiguous = `<identity category='client' type='pc' name='a&lt;b'/><feature var='${NS_DISCO_INFO}'/>`
    const peers = [
      await peer(world, 'mallory@example.org/m', EVIL, c115(ver)),
      await peer(world, 'legacy@example.org/l', HONEST, c115(ver, { hash: null })),
      await peer(world, 'odd@example.org/o', HONEST, c115(ver, { hash: 'md5' })),
      await peer(world, 'amb@example.org/a', ambiguous, c115(await verOf(ambiguous))),
    ]
    for (const p of peers) await world.dc.queryInfo(p.jid)
    expect(world.infoQueries()).toBe(4)
    await world.caps.saved()
    expect(storage.size).toBe(0)
  })

  it('stays within maxHashes in the storage, dropping the least recently used', async () => {
    const storage = new Map<string, string>()
    const world = load(storage, { maxHashes: 3 })
    const vers: string[] = []
    for (let i = 0; i < 5; i++) {
      const body = `${HONEST}<feature var='urn:example:h${i}'/>`
      const ver = await verOf(body)
      vers.push(ver)
      const p = await peer(world, `h${i}@example.org/r`, body, c115(ver))
      await world.dc.queryInfo(p.jid)
      await world.caps.saved()
    }
    expect(entries(storage).map(([key]) => key)).toEqual(vers.slice(2).map((v) => `caps sha-1 ${v}`))
    expect(JSON.parse(storage.get('index') as string)).toEqual(vers.slice(2).map((v) => `caps sha-1 ${v}`))
  })

  it('goes on without a storage that throws, rejects or never answers', async () => {
    const failing: CapsStorage[] = [
      {
        get: () => {
          throw new Error('broken')
        },
        set: () => {
          throw new Error('full')
        },
        delete: () => {
          throw new Error('broken')
        },
      },
      { get: () => Promise.reject(new Error('broken')), set: () => Promise.reject(new Error('full')), delete: () => Promise.reject(new Error('broken')) },
      { get: () => new Promise(() => {}), set: () => new Promise(() => {}), delete: () => new Promise(() => {}) },
    ]
    const ver = await verOf(HONEST)
    for (const storage of failing) {
      const world = load(storage)
      const juliet = await peer(world, JULIET, HONEST, c115(ver))
      expect((await world.dc.queryInfo(JULIET)).features).toContain('urn:example:jingle')
      expect(juliet.asked).toEqual([`${PEER_NODE}#${ver}`])
      // Verified in memory all the same: a second peer with that ver costs nothing.
      const romeo = await peer(world, 'romeo@example.org/r', HONEST, c115(ver))
      await world.dc.queryInfo(romeo.jid)
      expect(world.infoQueries()).toBe(1)
      await unload(world)
    }
  })
})
