// EntityCaps over the in-memory network: what our client puts on its
// presences and answers at its caps nodes, and how a peer's caps answer our
// disco#info queries (counting the IQs alice actually sent). DESIGN.md
// "Entity capabilities" is the specification.
import xml from '@xmpp/xml'
import { QueryClient, QueryObserver } from '@tanstack/query-core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  DiscoClient,
  DiscoServer,
  EntityCaps,
  NS_DISCO_ITEMS,
  NS_SOFTWARE_INFO,
  NS_CAPS,
  NS_CAPS2,
  NS_DISCO_INFO,
  NS_HASHES,
  NS_STANZAS,
  ReplyMatcher,
  capsDataFromQuery,
  capsVer,
  ecaps2Hash,
  ecaps2HashNode,
  extendedInfoForm,
  softwareInfoForm,
  parseInfo,
  verifyCapsHash,
} from '../../src/core/index.js'
import type { DiscoInfo, XmlElement, XmppClient } from '../../src/core/index.js'
import { EVIL, HONEST, PEER_NODE, c115, c390, presenceFrom, query, rawPeer, verOf } from '../helpers/capsPeers.js'
import { FakeEntity, FakeNetwork, rawQuery } from '../helpers/fakeNetwork.js'

const ALICE = 'alice@example.org/a'
const NODE = 'https://app.example'

const asXmpp = (entity: FakeEntity): XmppClient => entity as unknown as XmppClient
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await tick()
}
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function must<T>(value: T | undefined | null): T {
  if (value === undefined || value === null) throw new Error('expected a value')
  return value
}

let current: { net: FakeNetwork; alice: FakeEntity } | undefined

afterEach(() => {
  // A test that failed on the fake clock must not leave it to the next ones.
  vi.useRealTimers()
  const ctx = current
  current = undefined
  if (!ctx) return
  // Nothing may be left waiting in the matcher, and nothing may crash a client.
  expect(ReplyMatcher.for(asXmpp(ctx.alice)).pendingCount).toBe(0)
  expect(ctx.net.errors).toEqual([])
  ctx.net.close()
})

function setup(options: { maxJids?: number; maxHashes?: number; maxVersPerMinute?: number; ecaps2?: boolean } = {}) {
  const net = new FakeNetwork()
  const alice = net.entity(ALICE)
  const server = DiscoServer.for(asXmpp(alice))
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  const dc = DiscoClient.for(asXmpp(alice), { queryClient })
  const caps = EntityCaps.for(asXmpp(alice), { node: NODE, discoClient: dc, ...options })
  current = { net, alice }
  const infoQueries = (): XmlElement[] => alice.sentQueries(NS_DISCO_INFO)
  return { net, alice, server, queryClient, dc, caps, infoQueries }
}

/** The presences an entity sent. */
const presences = (entity: FakeEntity): XmlElement[] => entity.sent.filter((s) => s.is('presence'))


describe('EntityCaps: what our presences carry', () => {
  it('adds <c/> to available presences, broadcast and directed, and not to others', async () => {
    const { alice, caps } = setup()
    // Sent at once: the first presence waits for the first ver rather than going without.
    await Promise.all([
      alice.send(xml('presence')),
      alice.send(xml('presence', { to: 'bob@example.org/b' })),
      alice.send(xml('presence', { type: 'unavailable' })),
      alice.send(xml('presence', { to: 'bob@example.org', type: 'subscribe' })),
      alice.send(xml('presence', { to: 'bob@example.org/b', type: 'unavailable' })),
    ])
    const sent = presences(alice)
    expect(sent.map((p) => [p.attrs.to, p.attrs.type])).toEqual([
      [undefined, undefined],
      ['bob@example.org/b', undefined],
      [undefined, 'unavailable'],
      ['bob@example.org', 'subscribe'],
      ['bob@example.org/b', 'unavailable'],
    ])
    for (const p of sent.slice(0, 2)) {
      const c = must(p.getChild('c', NS_CAPS))
      expect(c.attrs).toMatchObject({ hash: 'sha-1', node: NODE, ver: caps.ver })
      const hashes = must(p.getChild('c', NS_CAPS2)).getChildren('hash', NS_HASHES)
      expect(hashes.map((h) => [h.attrs.algo, h.getText()])).toContainEqual(['sha-256', caps.hashes[0]?.value])
    }
    for (const p of sent.slice(2)) {
      expect(p.getChild('c', NS_CAPS)).toBeUndefined()
      expect(p.getChild('c', NS_CAPS2)).toBeUndefined()
    }
  })

  it('keeps the order of stanzas sent while the first ver is computed', async () => {
    const { alice } = setup()
    await Promise.all([alice.send(xml('presence')), alice.send(xml('message', { to: 'bob@example.org/b' }, xml('body', {}, 'hi')))])
    expect(alice.sent.map((s) => s.name)).toEqual(['presence', 'message'])
  })

  it('annotates presences sent with sendMany too', async () => {
    const net = new FakeNetwork()
    const alice = net.entity(ALICE)
    current = { net, alice }
    const many = alice as FakeEntity & { sendMany?: (stanzas: XmlElement[]) => Promise<void> }
    many.sendMany = async (stanzas) => {
      for (const stanza of stanzas) await FakeEntity.prototype.send.call(alice, stanza)
    }
    const caps = EntityCaps.for(asXmpp(alice), { node: NODE })
    await must(many.sendMany)([xml('presence', { id: 'x' }, xml('status', {}, 'hi')), xml('message', { to: 'bob@example.org/b' })])
    expect(alice.sent.map((s) => s.name)).toEqual(['presence', 'message'])
    expect(must(alice.sent[0]?.getChild('c', NS_CAPS)).attrs.ver).toBe(caps.ver)
    expect(alice.sent[1]?.getChild('c', NS_CAPS)).toBeUndefined()
  })

  it("advertises a ver that is the hash of the root node's info", async () => {
    const { alice, server, caps } = setup()
    server.registerFeature('urn:example:jingle')
    server.registerIdentity('client', 'web', { names: { '': 'Chat', de: 'Plaudern' } })
    await caps.update()
    await alice.send(xml('presence'))
    const info = server.toInfo()
    // Caps are advertised as a feature (XEP-0115 section 7, XEP-0390 section 5.1).
    expect(info.features).toEqual(expect.arrayContaining([NS_CAPS, NS_CAPS2, 'urn:example:jingle']))
    const c = must(presences(alice)[0]?.getChild('c', NS_CAPS))
    expect(c.attrs.ver).toBe(await capsVer(info))
    const hash = must(presences(alice)[0]?.getChild('c', NS_CAPS2)?.getChild('hash', NS_HASHES))
    expect(hash.getText()).toBe(await ecaps2Hash(info, 'sha-256'))
  })

  it('sends no XEP-0390 hash set with ecaps2: false', async () => {
    const { alice, server } = setup({ ecaps2: false })
    await alice.send(xml('presence'))
    expect(presences(alice)[0]?.getChild('c', NS_CAPS)).toBeDefined()
    expect(presences(alice)[0]?.getChild('c', NS_CAPS2)).toBeUndefined()
    expect(server.toInfo().features).not.toContain(NS_CAPS2)
  })

  it('re-sends the last broadcast presence once for a burst of 1000 registrations, show/status/priority intact', async () => {
    const { alice, server, caps } = setup()
    await alice.send(
      xml('presence', { id: 'p1' }, xml('show', {}, 'away'), xml('status', {}, 'Out to lunch'), xml('priority', {}, '5')),
    )
    await alice.send(xml('presence', { to: 'bob@example.org/b' })) // directed: not the one re-sent
    const firstVer = caps.ver
    // The clock the burst is measured on; hashing (Web Crypto) still runs for real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    // One batch (what a non-React app does) ...
    server.batch(() => {
      for (let i = 0; i < 1000; i++) server.registerFeature(`urn:example:f${i}`)
    })
    // ... goes out within 100 ms of its last change: no later timer is needed.
    await vi.advanceTimersByTimeAsync(100)
    // Hashing 1000 features takes real time (longer on a busy machine); the fake clock stands still meanwhile.
    const started = performance.now()
    while (presences(alice).length < 3 && performance.now() - started < 10_000) await tick()
    expect(presences(alice)).toHaveLength(3)
    await vi.advanceTimersByTimeAsync(1000)
    await settle()
    vi.useRealTimers()
    const sent = presences(alice)
    expect(sent).toHaveLength(3)
    const again = must(sent[2])
    expect(again.attrs.to).toBeUndefined()
    expect(again.attrs.id).toBeUndefined()
    expect(again.getChildText('show')).toBe('away')
    expect(again.getChildText('status')).toBe('Out to lunch')
    expect(again.getChildText('priority')).toBe('5')
    expect(again.getChildren('c', NS_CAPS)).toHaveLength(1)
    expect(must(again.getChild('c', NS_CAPS)).attrs.ver).toBe(caps.ver)
    expect(caps.ver).not.toBe(firstVer)
    expect(caps.ver).toBe(await capsVer(server.toInfo()))

    // ... the claims of one React commit (coalesced), and 1000 plain registrations in one tick.
    const releases: (() => void)[] = []
    for (let i = 0; i < 1000; i++) releases.push(server.coalesce(() => server.claimFeature(`urn:example:g${i}`)))
    await vi.waitFor(() => expect(presences(alice)).toHaveLength(4), { timeout: 1000 })
    for (let i = 0; i < 1000; i++) server.unregisterFeature(`urn:example:f${i}`)
    await vi.waitFor(() => expect(presences(alice)).toHaveLength(5), { timeout: 1000 })
    await sleep(100)
    expect(presences(alice)).toHaveLength(5)
    expect(must(presences(alice)[4]?.getChild('c', NS_CAPS)).attrs.ver).toBe(await capsVer(server.toInfo()))
  })

  it('gives a presence sent during a burst the new ver, and sends no second one for it', async () => {
    const { alice, server, caps } = setup()
    await caps.update()
    const releases = Array.from({ length: 100 }, (_, i) => server.coalesce(() => server.claimFeature(`urn:example:c${i}`)))
    await Promise.resolve() // the commit's changes are announced at the end of its task
    await alice.send(xml('presence', {}, xml('show', {}, 'chat')))
    await sleep(150)
    expect(presences(alice)).toHaveLength(1)
    expect(must(presences(alice)[0]?.getChild('c', NS_CAPS)).attrs.ver).toBe(await capsVer(server.toInfo()))
    for (const release of releases) release()
  })

  it('sends nothing when a burst leaves the info as it was, or after a broadcast unavailable', async () => {
    const { alice, server } = setup()
    await alice.send(xml('presence'))
    const release = server.claimFeature('urn:example:brief')
    release()
    await sleep(100)
    expect(presences(alice)).toHaveLength(1)
    await alice.send(xml('presence', { type: 'unavailable' }))
    server.registerFeature('urn:example:later')
    await sleep(100)
    expect(presences(alice)).toHaveLength(2)
  })

  it('answers node#ver (and the hash node) for the current and 3 previous vers, item-not-found for older', async () => {
    const { net, alice, server, caps } = setup()
    const bob = net.entity('bob@example.org/b')
    const vers: string[] = []
    const infos: DiscoInfo[] = []
    const hashNodes: string[] = []
    await caps.update()
    for (let i = 0; i < 6; i++) {
      if (i > 0) server.registerFeature(`urn:example:v${i}`)
      await caps.update()
      vers.push(must(caps.ver))
      infos.push(server.toInfo())
      hashNodes.push(ecaps2HashNode('sha-256', must(caps.hashes[0]).value))
    }
    expect(new Set(vers).size).toBe(6)
    for (let i = 0; i < 6; i++) {
      const reply = await rawQuery(bob, ALICE, NS_DISCO_INFO, { node: `${NODE}#${vers[i]}` })
      const byHash = await rawQuery(bob, ALICE, NS_DISCO_INFO, { node: must(hashNodes[i]) })
      if (i < 2) {
        expect(reply.attrs.type).toBe('error')
        expect(reply.getChild('error')?.getChild('item-not-found', NS_STANZAS)).toBeDefined()
        expect(byHash.attrs.type).toBe('error')
        continue
      }
      expect(reply.attrs.type).toBe('result')
      const q = must(reply.getChild('query', NS_DISCO_INFO))
      expect(q.attrs.node).toBe(`${NODE}#${vers[i]}`)
      // Each answers the info it was computed from, which verifies against its hash.
      expect(parseInfo(q).features).toEqual(must(infos[i]).features)
      expect(await verifyCapsHash(q, { kind: 'caps', algo: 'sha-1', value: must(vers[i]) })).toBe('verified')
      const hq = must(byHash.getChild('query', NS_DISCO_INFO))
      expect(await verifyCapsHash(hq, { kind: 'ecaps2', algo: 'sha-256', value: must(hashNodes[i]).split('.').pop() ?? '' })).toBe(
        'verified',
      )
    }
    // The caps nodes are phantom nodes: not listed in disco#items.
    const items = await rawQuery(bob, ALICE, 'http://jabber.org/protocol/disco#items')
    expect(items.getChild('query')?.getChildren('item')).toHaveLength(0)
    expect(alice.sent.filter((s) => s.is('iq') && s.attrs.type === 'error')).toHaveLength(4)
  })

  it('refuses a second EntityCaps for one client with other options', () => {
    const { alice, caps, dc } = setup()
    expect(EntityCaps.for(asXmpp(alice), { node: NODE, discoClient: dc })).toBe(caps)
    expect(() => EntityCaps.for(asXmpp(alice), { node: 'https://other.example' })).toThrow(/other options/)
  })
})

describe('EntityCaps: the forms we publish (XEP-0128 in XEP-0115 and XEP-0390)', () => {
  it('advertises the XEP-0115 complex example ver, q07IKJEyjvHSyhy//CH0CxmKi8w=, from declared identities, features and form', async () => {
    // XEP-0115 section 5.3: Psi with names in two languages and a software information form.
    const { net, alice, server, caps } = setup({ ecaps2: false })
    server.claimIdentity('client', 'pc', { names: { en: 'Psi 0.11', el: 'Ψ 0.11' } })
    server.registerFeature('http://jabber.org/protocol/muc')
    server.registerForm(
      extendedInfoForm(NS_SOFTWARE_INFO, {
        ip_version: ['ipv4', 'ipv6'],
        os: 'Mac',
        os_version: '10.5.1',
        software: 'Psi',
        software_version: '0.11',
      }),
    )
    // caps (claimed by EntityCaps), disco#info and disco#items (the root's own) complete the example's features.
    expect([...server.toInfo().features].sort()).toEqual([NS_CAPS, NS_DISCO_INFO, NS_DISCO_ITEMS, 'http://jabber.org/protocol/muc'])
    await caps.update()
    expect(caps.ver).toBe('q07IKJEyjvHSyhy//CH0CxmKi8w=')
    await alice.send(xml('presence'))
    expect(must(presences(alice)[0]?.getChild('c', NS_CAPS)).attrs.ver).toBe('q07IKJEyjvHSyhy//CH0CxmKi8w=')
    // What a peer reads at node#ver verifies, form and all.
    const reply = await rawQuery(net.entity('bob@example.org/b'), ALICE, NS_DISCO_INFO, { node: `${NODE}#${caps.ver}` })
    const q = must(reply.getChild('query', NS_DISCO_INFO))
    expect(q.getChildren('x')).toHaveLength(1)
    expect(await verifyCapsHash(q, { kind: 'caps', algo: 'sha-1', value: 'q07IKJEyjvHSyhy//CH0CxmKi8w=' })).toBe('verified')
  })

  it('hashes a published form into our XEP-0390 hash set, which verifies at its hash node', async () => {
    const { net, server, caps } = setup()
    server.claimForm(softwareInfoForm({ name: 'Chat', version: '1.2', os: 'Linux' }))
    await caps.update()
    const hash = must(caps.hashes.find((h) => h.algo === 'sha-256'))
    expect(hash.value).toBe(await ecaps2Hash(server.toInfo(), 'sha-256'))
    const reply = await rawQuery(net.entity('bob@example.org/b'), ALICE, NS_DISCO_INFO, { node: ecaps2HashNode('sha-256', hash.value) })
    const q = must(reply.getChild('query', NS_DISCO_INFO))
    expect(parseInfo(q).forms).toStrictEqual([softwareInfoForm({ name: 'Chat', version: '1.2', os: 'Linux' })])
    expect(await verifyCapsHash(q, { kind: 'ecaps2', algo: 'sha-256', value: hash.value })).toBe('verified')
    expect(await verifyCapsHash(q, { kind: 'caps', algo: 'sha-1', value: must(caps.ver) })).toBe('verified')
  })

  it('re-sends the broadcast presence once for a burst of form changes, with the ver of the final info', async () => {
    const { alice, server, caps } = setup()
    await alice.send(xml('presence', {}, xml('status', {}, 'here')))
    await caps.update()
    const firstVer = caps.ver
    // Unbatched, in one tick: each change notifies on its own; caps make one burst of them.
    server.registerForm(extendedInfoForm('urn:example:a', { n: '1' }))
    const releaseB = server.claimForm(extendedInfoForm('urn:example:b'))
    server.unregisterForm('urn:example:a')
    releaseB()
    server.claimForm(softwareInfoForm({ name: 'Chat', version: '1.2' }))
    server.claimForm(softwareInfoForm({ name: 'Chat', version: '1.3' }))
    await caps.update()
    const sent = presences(alice)
    expect(sent).toHaveLength(2)
    const ver = must(sent[1]?.getChild('c', NS_CAPS)).attrs.ver
    expect(ver).not.toBe(firstVer)
    expect(ver).toBe(await capsVer(server.toInfo()))
    expect(sent[1]?.getChildText('status')).toBe('here')
    expect(server.toInfo().forms).toStrictEqual([softwareInfoForm({ name: 'Chat', version: '1.3' })])
  })
})

describe('EntityCaps: what peers advertise', () => {
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
    const { entityCapsFor } = await import('../../src/core/caps/EntityCaps.js')
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
