// CapsResolver over the in-memory network: how peers' caps answer our
// disco#info queries (counting the IQs alice actually sent). DESIGN.md
// "Entity capabilities" (incoming) is the specification.
import xml from '@xmpp/xml'
import { QueryObserver } from '@tanstack/query-core'
import { describe, expect, it, vi } from 'vitest'
import { DiscoServer, NS_CAPS, ReplyMatcher } from '../../../src/core/index.js'
import type { DiscoInfo } from '../../../src/core/index.js'
import { EntityCaps } from '../../../src/core/caps/index.js'
import { capsDataFromQuery } from '../../../src/core/caps/capsData.js'
import { CapsResolver } from '../../../src/core/caps/CapsResolver.js'
import type { CapsResolverOptions } from '../../../src/core/caps/CapsResolver.js'
import { ecaps2Hash, ecaps2HashNode } from '../../../src/core/caps/ecaps390.js'
import { EVIL, HONEST, PEER_NODE, c115, c390, gatedPeer, presenceFrom, query, rawPeer, verOf } from '../../helpers/capsPeers.js'
import { ALICE, aliceWorld, asXmpp, must, settle, sleep } from '../../helpers/capsWorld.js'

/** Alice's DiscoClient answered through peers' caps, as EntityCaps wires it. */
function setup(options: CapsResolverOptions = {}) {
  const world = aliceWorld()
  const caps = new CapsResolver(asXmpp(world.alice), options, (jid) => world.dc.forgetInfo(jid))
  const removeSource = world.dc.addInfoSource(caps)
  world.disposeAfter(() => {
    removeSource()
    caps.dispose()
  })
  return { ...world, caps }
}

describe('CapsResolver: what peers advertise', () => {
  it('sends nothing on presence, then one query to the full JID at node#ver on first ask', async () => {
    const { net, alice, dc, infoQueries } = setup()
    const ver = await verOf(HONEST)
    const juliet = rawPeer(net, 'juliet@example.org/balcony', () => HONEST)
    presenceFrom(alice, juliet.jid, c115(ver))
    await settle()
    expect(infoQueries()).toHaveLength(0)
    const info = await dc.queryInfo(juliet.jid)
    expect(info.features).toContain('urn:example:jingle')
    expect(info.node).toBeUndefined()
    expect(infoQueries()).toHaveLength(1)
    expect(infoQueries()[0]?.attrs.to).toBe(juliet.jid)
    expect(juliet.asked).toEqual([`${PEER_NODE}#${ver}`])
    // Cached under the JID like any result: asked again, nothing is sent.
    await dc.queryInfo(juliet.jid)
    expect(infoQueries()).toHaveLength(1)
  })

  it('sends one query for 20 peers with one ver asked concurrently, and shares the verified result', async () => {
    const { net, alice, dc, infoQueries, caps } = setup()
    const ver = await verOf(HONEST)
    const peers = Array.from({ length: 20 }, (_, i) => rawPeer(net, `peer${i}@example.org/r`, () => HONEST))
    for (const p of peers) presenceFrom(alice, p.jid, c115(ver))
    await settle()
    const infos = await Promise.all(peers.map((p) => dc.queryInfo(p.jid)))
    expect(infoQueries()).toHaveLength(1)
    for (const info of infos) expect(info).toEqual(infos[0])
    expect(infos[0]?.features).toContain('urn:example:jingle')
    expect(peers.reduce((n, p) => n + p.asked.length, 0)).toBe(1)
    expect(caps.stats).toEqual({ jids: 20, hashes: 1, flights: 0 })
    // A 21st peer with that ver later: answered from the verified hash.
    const late = rawPeer(net, 'late@example.org/r', () => HONEST)
    presenceFrom(alice, late.jid, c115(ver))
    await settle()
    expect((await dc.queryInfo(late.jid)).features).toContain('urn:example:jingle')
    expect(infoQueries()).toHaveLength(1)
  })

  it('sends M queries for N peers with M distinct vers', async () => {
    const { net, alice, dc, infoQueries } = setup()
    const bodies = [0, 1, 2].map((m) => `${HONEST}<feature var='urn:example:m${m}'/>`)
    const vers = await Promise.all(bodies.map(verOf))
    const peers = Array.from({ length: 30 }, (_, i) => ({ ...rawPeer(net, `p${i}@example.org/r`, () => bodies[i % 3]), m: i % 3 }))
    for (const p of peers) presenceFrom(alice, p.jid, c115(must(vers[p.m])))
    await settle()
    const infos = await Promise.all(peers.map((p) => dc.queryInfo(p.jid)))
    expect(infoQueries()).toHaveLength(3)
    peers.forEach((p, i) => expect(infos[i]?.features).toContain(`urn:example:m${p.m}`))
  })

  it('serves a mismatching result to that JID only; the next peer with the ver queries itself', async () => {
    const { net, alice, dc, infoQueries, caps } = setup()
    const ver = await verOf(HONEST)
    const mallory = rawPeer(net, 'mallory@example.org/m', () => EVIL)
    const juliet = rawPeer(net, 'juliet@example.org/j', () => HONEST)
    const romeo = rawPeer(net, 'romeo@example.org/r', () => HONEST)
    for (const p of [mallory, juliet, romeo]) presenceFrom(alice, p.jid, c115(ver))
    await settle()
    expect((await dc.queryInfo(mallory.jid)).features).toContain('urn:example:evil')
    expect(caps.stats.hashes).toBe(0)
    expect((await dc.queryInfo(juliet.jid)).features).toContain('urn:example:jingle')
    expect(infoQueries().map((q) => q.attrs.to)).toEqual([mallory.jid, juliet.jid])
    expect((await dc.queryInfo(romeo.jid)).features).toContain('urn:example:jingle')
    expect(infoQueries()).toHaveLength(2)
  })

  it('lets peers waiting on a mismatching query query themselves, once between them', async () => {
    const { net, alice, dc, infoQueries } = setup()
    const ver = await verOf(HONEST)
    const mallory = rawPeer(net, 'mallory@example.org/m', () => EVIL)
    const honest = Array.from({ length: 5 }, (_, i) => rawPeer(net, `h${i}@example.org/r`, () => HONEST))
    for (const p of [mallory, ...honest]) presenceFrom(alice, p.jid, c115(ver))
    await settle()
    const [evil, ...good] = await Promise.all([mallory, ...honest].map((p) => dc.queryInfo(p.jid)))
    expect(evil?.features).toContain('urn:example:evil')
    for (const info of good) expect(info.features).toContain('urn:example:jingle')
    expect(infoQueries()).toHaveLength(2)
  })

  it('is not poisoned by a peer advertising a verified ver with other info', async () => {
    const { net, alice, dc, infoQueries } = setup()
    const ver = await verOf(HONEST)
    const juliet = rawPeer(net, 'juliet@example.org/j', () => HONEST)
    const mallory = rawPeer(net, 'mallory@example.org/m', () => EVIL)
    const romeo = rawPeer(net, 'romeo@example.org/r', () => HONEST)
    presenceFrom(alice, juliet.jid, c115(ver))
    await settle()
    await dc.queryInfo(juliet.jid)
    presenceFrom(alice, mallory.jid, c115(ver))
    presenceFrom(alice, romeo.jid, c115(ver))
    await settle()
    // Mallory's claim resolves to the verified info (mallory is never asked), not to mallory's.
    expect((await dc.queryInfo(mallory.jid)).features).not.toContain('urn:example:evil')
    expect((await dc.queryInfo(romeo.jid)).features).toContain('urn:example:jingle')
    expect((await dc.queryInfo(juliet.jid, { requireFresh: true })).features).toContain('urn:example:jingle')
    expect(mallory.asked).toEqual([])
    expect(infoQueries()).toHaveLength(2)
  })

  it("does not share a result that forges a ver with '<' (XEP-0115's ambiguity)", async () => {
    const { net, alice, dc, infoQueries, caps } = setup()
    const honestBody = `<identity category='client' type='pc'/><feature var='urn:a'/><feature var='urn:b'/>`
    const forgedBody = `<identity category='client' type='pc'/><feature var='urn:a&lt;urn:b'/>`
    const ver = await verOf(honestBody)
    expect(await verOf(forgedBody)).toBe(ver)
    const mallory = rawPeer(net, 'mallory@example.org/m', () => forgedBody)
    const juliet = rawPeer(net, 'juliet@example.org/j', () => honestBody)
    presenceFrom(alice, mallory.jid, c115(ver))
    presenceFrom(alice, juliet.jid, c115(ver))
    await settle()
    expect((await dc.queryInfo(mallory.jid)).features).toContain('urn:a<urn:b')
    expect(caps.stats.hashes).toBe(0)
    expect((await dc.queryInfo(juliet.jid)).features).toEqual(['urn:a', 'urn:b'])
    expect(infoQueries()).toHaveLength(2)
  })

  it('does not share an ill-formed result (duplicates hidden by the parser)', async () => {
    const { net, alice, dc, infoQueries, caps } = setup()
    // The ver is the hash of exactly what is sent, duplicate included: only the check stops it.
    const body = `${HONEST}<feature var='urn:example:jingle'/>`
    const ver = await verOf(body)
    const dup = rawPeer(net, 'dup@example.org/d', () => body)
    const other = rawPeer(net, 'other@example.org/o', () => body)
    presenceFrom(alice, dup.jid, c115(ver))
    presenceFrom(alice, other.jid, c115(ver))
    await settle()
    expect((await dc.queryInfo(dup.jid)).features).toContain('urn:example:jingle')
    expect(caps.stats.hashes).toBe(0)
    await dc.queryInfo(other.jid)
    expect(infoQueries()).toHaveLength(2)
  })

  it('uses legacy caps (no hash) and unknown algorithms for that JID only', async () => {
    const { net, alice, dc, infoQueries, caps } = setup()
    const a = rawPeer(net, 'a@example.org/r', () => HONEST)
    const b = rawPeer(net, 'b@example.org/r', () => EVIL)
    presenceFrom(alice, a.jid, c115('1.0', { hash: null }))
    presenceFrom(alice, b.jid, c115('1.0', { hash: null }))
    await settle()
    expect((await dc.queryInfo(a.jid)).features).toContain('urn:example:jingle')
    expect((await dc.queryInfo(b.jid)).features).toContain('urn:example:evil')
    // Legacy: a plain query (node#ver would miss the 'ext' bundles).
    expect(a.asked).toEqual([undefined])
    expect(b.asked).toEqual([undefined])
    const x = rawPeer(net, 'x@example.org/r', () => HONEST)
    const y = rawPeer(net, 'y@example.org/r', () => EVIL)
    presenceFrom(alice, x.jid, c115('opaque', { hash: 'md5' }))
    presenceFrom(alice, y.jid, c115('opaque', { hash: 'md5' }))
    await settle()
    await Promise.all([dc.queryInfo(x.jid), dc.queryInfo(y.jid)])
    expect((await dc.queryInfo(y.jid)).features).toContain('urn:example:evil')
    expect(x.asked).toEqual([`${PEER_NODE}#opaque`])
    expect(infoQueries()).toHaveLength(4)
    expect(caps.stats.hashes).toBe(0)
  })

  it('verifies a XEP-0390 hash set at its hash node and shares it', async () => {
    const { net, alice, dc, infoQueries, caps } = setup()
    const value = await ecaps2Hash(capsDataFromQuery(query(HONEST)), 'sha-256')
    const peers = Array.from({ length: 3 }, (_, i) => rawPeer(net, `e${i}@example.org/r`, () => HONEST))
    for (const p of peers) presenceFrom(alice, p.jid, c390(['sha-256', value], ['blake2b-256', 'AAAA']))
    await settle()
    await Promise.all(peers.map((p) => dc.queryInfo(p.jid)))
    expect(infoQueries()).toHaveLength(1)
    expect(peers.flatMap((p) => p.asked)).toEqual([ecaps2HashNode('sha-256', value)])
    expect(caps.stats.hashes).toBe(1)
  })

  it('verifies both hashes of a peer sending XEP-0115 and XEP-0390 caps, asking node#ver', async () => {
    const { net, alice, dc, infoQueries, caps } = setup()
    const ver = await verOf(HONEST)
    const value = await ecaps2Hash(capsDataFromQuery(query(HONEST)), 'sha-256')
    const both = rawPeer(net, 'both@example.org/r', () => HONEST)
    const old = rawPeer(net, 'old@example.org/r', () => HONEST)
    presenceFrom(alice, both.jid, c115(ver), c390(['sha-256', value]))
    presenceFrom(alice, old.jid, c115(ver))
    await settle()
    await dc.queryInfo(both.jid)
    expect(both.asked).toEqual([`${PEER_NODE}#${ver}`])
    expect(caps.stats.hashes).toBe(2)
    // A XEP-0115-only peer with that ver shares the result.
    await dc.queryInfo(old.jid)
    expect(infoQueries()).toHaveLength(1)
  })

  it('works for peers running EntityCaps themselves, through the hooks\' queryFn too', async () => {
    const { net, dc, queryClient, infoQueries } = setup()
    const peers = Array.from({ length: 4 }, (_, i) => net.entity(`bob@example.org/r${i}`))
    for (const peer of peers) {
      DiscoServer.for(asXmpp(peer)).registerFeature('urn:example:jingle')
      EntityCaps.for(asXmpp(peer), { node: PEER_NODE })
      await peer.send(xml('presence', { to: ALICE }))
    }
    await settle()
    const infos = await Promise.all(peers.map((p) => queryClient.fetchQuery(dc.infoQueryOptions(p.jid.toString()))))
    expect(infoQueries()).toHaveLength(1)
    for (const info of infos) expect(info.features).toEqual(expect.arrayContaining([NS_CAPS, 'urn:example:jingle']))
  })

  it('bypasses caps with requireFresh', async () => {
    const { net, alice, dc } = setup()
    const juliet = rawPeer(net, 'juliet@example.org/j', () => HONEST)
    presenceFrom(alice, juliet.jid, c115(await verOf(HONEST)))
    await settle()
    await dc.queryInfo(juliet.jid, { requireFresh: true })
    expect(juliet.asked).toEqual([undefined])
  })

  it('falls back to a plain query when the peer does not answer its caps node', async () => {
    const { net, alice, dc } = setup()
    const juliet = rawPeer(net, 'juliet@example.org/j', (node) => (node === undefined ? HONEST : undefined))
    presenceFrom(alice, juliet.jid, c115(await verOf(HONEST)))
    await settle()
    expect((await dc.queryInfo(juliet.jid)).features).toContain('urn:example:jingle')
    expect(juliet.asked).toEqual([`${PEER_NODE}#${await verOf(HONEST)}`, undefined])
  })

  it('drops the mapping when the JID goes unavailable', async () => {
    const { net, alice, dc, caps } = setup()
    const ver = await verOf(HONEST)
    const juliet = rawPeer(net, 'juliet@example.org/j', () => HONEST)
    const romeo = rawPeer(net, 'romeo@example.org/r', () => HONEST)
    presenceFrom(alice, juliet.jid, c115(ver))
    await settle()
    await dc.queryInfo(juliet.jid)
    presenceFrom(alice, romeo.jid, c115(ver))
    alice.receive(xml('presence', { from: romeo.jid, to: ALICE, type: 'unavailable' }))
    await settle()
    // romeo's caps are gone: a plain query, not the verified hash.
    await dc.queryInfo(romeo.jid)
    expect(romeo.asked).toEqual([undefined])
    expect(caps.stats.hashes).toBe(1)
  })

  it('replaces the mapping on a new ver and flushes the cached info (observers refetch)', async () => {
    const { net, alice, dc, queryClient, infoQueries } = setup()
    let body = HONEST
    const juliet = rawPeer(net, 'juliet@example.org/j', () => body)
    presenceFrom(alice, juliet.jid, c115(await verOf(body)))
    await settle()
    const observer = new QueryObserver(queryClient, dc.infoQueryOptions(juliet.jid))
    const seen: (DiscoInfo | undefined)[] = []
    const unsubscribe = observer.subscribe((result) => seen.push(result.data))
    await vi.waitFor(() => expect(seen.at(-1)?.features).toContain('urn:example:jingle'))
    body = `${HONEST}<feature var='urn:example:video'/>`
    const newVer = await verOf(body)
    presenceFrom(alice, juliet.jid, c115(newVer))
    await vi.waitFor(() => expect(seen.at(-1)?.features).toContain('urn:example:video'))
    expect(juliet.asked).toEqual([`${PEER_NODE}#${await verOf(HONEST)}`, `${PEER_NODE}#${newVer}`])
    // The same caps again change nothing.
    presenceFrom(alice, juliet.jid, c115(newVer))
    await sleep(20)
    expect(infoQueries()).toHaveLength(2)
    unsubscribe()
  })

  it('verifies caps that come while a plain query to that JID is in flight with its answer: one IQ, shared with the next JID', async () => {
    const { net, alice, dc, queryClient, infoQueries, caps } = setup()
    const juliet = gatedPeer(net, 'juliet@example.org/j', () => HONEST)
    const observer = new QueryObserver(queryClient, dc.infoQueryOptions(juliet.jid))
    const seen: (DiscoInfo | undefined)[] = []
    const unsubscribe = observer.subscribe((result) => seen.push(result.data))
    const asked = dc.queryInfo(juliet.jid)
    await vi.waitFor(() => expect(juliet.asked).toEqual([undefined]))
    presenceFrom(alice, juliet.jid, c115(await verOf(HONEST)))
    await settle()
    juliet.answer()
    expect((await asked).features).toContain('urn:example:jingle')
    await vi.waitFor(() => expect(seen.at(-1)?.features).toContain('urn:example:jingle'))
    await vi.waitFor(() => expect(caps.stats.hashes).toBe(1))
    await settle()
    expect(juliet.asked).toEqual([undefined])
    // Verified: a peer advertising the same ver is answered without a query.
    const romeo = rawPeer(net, 'romeo@example.org/r', () => HONEST)
    presenceFrom(alice, romeo.jid, c115(await verOf(HONEST)))
    await settle()
    expect((await dc.queryInfo(romeo.jid)).features).toContain('urn:example:jingle')
    expect(romeo.asked).toEqual([])
    expect(infoQueries()).toHaveLength(1)
    unsubscribe()
  })

  it('asks node#ver when the plain answer in flight as the caps came does not match them', async () => {
    const { net, alice, dc, queryClient, caps } = setup()
    // The plain query was answered with the info before a change; its presence announces the new one.
    const newer = `${HONEST}<feature var='urn:example:video'/>`
    const juliet = gatedPeer(net, 'juliet@example.org/j', (node) => (node === undefined ? HONEST : newer))
    const observer = new QueryObserver(queryClient, dc.infoQueryOptions(juliet.jid))
    const seen: (DiscoInfo | undefined)[] = []
    const unsubscribe = observer.subscribe((result) => seen.push(result.data))
    await vi.waitFor(() => expect(juliet.asked).toEqual([undefined]))
    const ver = await verOf(newer)
    presenceFrom(alice, juliet.jid, c115(ver))
    await settle()
    juliet.answer()
    await vi.waitFor(() => expect(seen.at(-1)?.features).toContain('urn:example:video'))
    expect(juliet.asked).toEqual([undefined, `${PEER_NODE}#${ver}`])
    expect(caps.snapshot().hashes.map((h) => h.hash)).toEqual([`caps sha-1 ${ver}`])
    unsubscribe()
  })

  it('rate-limits a peer flooding vers, and bounds every store', async () => {
    const { net, alice, dc, caps } = setup({ maxJids: 50, maxHashes: 5, maxVersPerMinute: 10 })
    const flood = rawPeer(net, 'flood@example.org/f', () => HONEST)
    for (let i = 0; i < 1000; i++) presenceFrom(alice, flood.jid, c115(`ver${i}`))
    await settle()
    // The excess is ignored; the flooder's info now comes from plain queries.
    await dc.queryInfo(flood.jid)
    expect(flood.asked).toEqual([undefined])
    expect(caps.stats.jids).toBe(1)
    // 1000 JIDs: at most 50 remembered.
    for (let i = 0; i < 1000; i++) presenceFrom(alice, `many${i}@example.org/r`, c115(`v${i}`))
    await settle()
    expect(caps.stats.jids).toBe(50)
    // 8 verified hashes: at most 5 kept.
    for (let i = 0; i < 8; i++) {
      const body = `${HONEST}<feature var='urn:example:h${i}'/>`
      const p = rawPeer(net, `h${i}@example.org/r`, () => body)
      presenceFrom(alice, p.jid, c115(await verOf(body)))
      await settle()
      await dc.queryInfo(p.jid)
    }
    expect(caps.stats.hashes).toBe(5)
    expect(caps.stats.flights).toBe(0)
  })

  it('ignores oversized caps', async () => {
    const { net, alice, dc } = setup()
    const juliet = rawPeer(net, 'juliet@example.org/j', () => HONEST)
    presenceFrom(alice, juliet.jid, c115('x'.repeat(5000)))
    await settle()
    await dc.queryInfo(juliet.jid)
    expect(juliet.asked).toEqual([undefined])
  })

  it('cancels the caps query when every caller leaves', async () => {
    const { net, alice, dc } = setup()
    const juliet = rawPeer(net, 'juliet@example.org/j', () => HONEST)
    juliet.peer.silent = true
    presenceFrom(alice, juliet.jid, c115(await verOf(HONEST)))
    await settle()
    const controller = new AbortController()
    const pending = dc.queryInfo(juliet.jid, { signal: controller.signal })
    await settle()
    expect(ReplyMatcher.for(asXmpp(alice)).pendingCount).toBe(1)
    controller.abort()
    await expect(pending).rejects.toThrow()
    await settle()
    expect(ReplyMatcher.for(asXmpp(alice)).pendingCount).toBe(0)
  })

  it('forgets peers when the session ends', async () => {
    const { net, alice, dc, caps } = setup()
    const juliet = rawPeer(net, 'juliet@example.org/j', () => HONEST)
    presenceFrom(alice, juliet.jid, c115(await verOf(HONEST)))
    await settle()
    alice.goOffline()
    alice.goOnline()
    expect(caps.stats.jids).toBe(0)
    await dc.queryInfo(juliet.jid)
    expect(juliet.asked).toEqual([undefined])
  })
})
