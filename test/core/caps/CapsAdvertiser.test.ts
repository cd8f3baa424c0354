// CapsAdvertiser over the in-memory network: what our client puts on its
// presences and answers at its caps nodes. DESIGN.md "Entity capabilities"
// (outgoing) is the specification.
import xml from '@xmpp/xml'
import { describe, expect, it, vi } from 'vitest'
import {
  DiscoServer,
  NS_CAPS,
  NS_CAPS2,
  NS_DISCO_INFO,
  NS_DISCO_ITEMS,
  NS_HASHES,
  NS_SOFTWARE_INFO,
  NS_STANZAS,
  extendedInfoForm,
  parseInfo,
  softwareInfoForm,
} from '../../../src/core/index.js'
import type { DiscoInfo, XmlElement } from '../../../src/core/index.js'
import { CapsAdvertiser } from '../../../src/core/caps/CapsAdvertiser.js'
import { capsDataFromQuery } from '../../../src/core/caps/capsData.js'
import { capsVer } from '../../../src/core/caps/ecaps115.js'
import { ecaps2Hash, ecaps2HashNode } from '../../../src/core/caps/ecaps390.js'
import { verifyCapsHash } from '../../../src/core/caps/verifyCapsHash.js'
import { ALICE, NODE, aliceWorld, asXmpp, must, presences, settle, sleep, tick } from '../../helpers/capsWorld.js'
import { FakeEntity, FakeNetwork, rawQuery } from '../../helpers/fakeNetwork.js'

function setup(options: { ecaps2?: boolean } = {}) {
  const world = aliceWorld()
  const caps = new CapsAdvertiser(asXmpp(world.alice), world.server, { node: NODE, ecaps2: options.ecaps2 ?? true, history: 3 })
  world.disposeAfter(() => caps.dispose())
  return { ...world, caps }
}

describe('CapsAdvertiser: what our presences carry', () => {
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
    const many = alice as FakeEntity & { sendMany?: (stanzas: XmlElement[]) => Promise<void> }
    many.sendMany = async (stanzas) => {
      for (const stanza of stanzas) await FakeEntity.prototype.send.call(alice, stanza)
    }
    const caps = new CapsAdvertiser(asXmpp(alice), DiscoServer.for(asXmpp(alice)), { node: NODE, ecaps2: true, history: 3 })
    await must(many.sendMany)([xml('presence', { id: 'x' }, xml('status', {}, 'hi')), xml('message', { to: 'bob@example.org/b' })])
    expect(alice.sent.map((s) => s.name)).toEqual(['presence', 'message'])
    expect(must(alice.sent[0]?.getChild('c', NS_CAPS)).attrs.ver).toBe(caps.ver)
    expect(alice.sent[1]?.getChild('c', NS_CAPS)).toBeUndefined()
    caps.dispose()
    expect(alice.send).toBe(FakeEntity.prototype.send)
    net.close()
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

  it("hashes identities without xml:lang, for XEP-0390, in the language the server's stream header gives our stanzas", async () => {
    const { net, alice, server, caps } = setup()
    server.registerIdentity('client', 'web', { names: { '': 'Chat', de: 'Plaudern' } })
    await caps.update()
    const withoutLang = must(caps.hashes[0]).value
    expect(withoutLang).toBe(await ecaps2Hash(server.toInfo(), 'sha-256'))
    const ver = caps.ver
    // A new stream: the server says its stanzas default to English (RFC 6120 section 4.7.4).
    alice.emit('status', 'open', xml('stream:stream', { 'xml:lang': 'en' }))
    await caps.update()
    const info = server.toInfo()
    const expected = {
      ...info,
      identities: info.identities.map((i) => (i.lang === undefined ? { ...i, lang: 'en' } : i)),
    }
    expect(must(caps.hashes[0]).value).toBe(await ecaps2Hash(expected, 'sha-256'))
    expect(must(caps.hashes[0]).value).not.toBe(withoutLang)
    // XEP-0115 hashes each identity's own xml:lang only.
    expect(caps.ver).toBe(ver)
    // What a peer reads at the hash node through that server (which stamps our reply) verifies strictly.
    await alice.send(xml('presence'))
    const hash = must(presences(alice)[0]?.getChild('c', NS_CAPS2)?.getChild('hash', NS_HASHES)).getText()
    const reply = await rawQuery(net.entity('bob@example.org/b'), ALICE, NS_DISCO_INFO, { node: ecaps2HashNode('sha-256', hash) })
    reply.attrs['xml:lang'] = 'en'
    const q = must(reply.getChild('query', NS_DISCO_INFO))
    expect(await ecaps2Hash(capsDataFromQuery(q, { inheritLang: true }), 'sha-256')).toBe(hash)
  })

  it('learns the language from our own presence the server sends back when it missed the stream header, and announces the new hashes', async () => {
    const { alice, server, caps } = setup()
    server.registerIdentity('client', 'web', { names: { '': 'Chat' } })
    await alice.send(xml('presence', {}, xml('show', {}, 'away')))
    const first = must(presences(alice)[0]?.getChild('c', NS_CAPS2)?.getChild('hash', NS_HASHES)).getText()
    expect(first).toBe(await ecaps2Hash(server.toInfo(), 'sha-256'))
    const ver = caps.ver
    // RFC 6121 section 4.2.2: the server sends our broadcast presence to us too, in the language it gives our stanzas.
    alice.receive(xml('presence', { from: ALICE, 'xml:lang': 'en' }, xml('show', {}, 'away')))
    await settle()
    await caps.update()
    const info = server.toInfo()
    const expected = await ecaps2Hash({ ...info, identities: info.identities.map((i) => ({ ...i, lang: i.lang ?? 'en' })) }, 'sha-256')
    expect(must(caps.hashes[0]).value).toBe(expected)
    // Same XEP-0115 ver, new XEP-0390 hashes: the presence goes out again with them, as the app sent it.
    expect(caps.ver).toBe(ver)
    const again = must(presences(alice)[1])
    expect(again.getChildText('show')).toBe('away')
    expect(must(again.getChild('c', NS_CAPS2)?.getChild('hash', NS_HASHES)).getText()).toBe(expected)
    // Read once: another presence of ours in another language changes nothing.
    alice.receive(xml('presence', { from: ALICE, 'xml:lang': 'de' }))
    await settle()
    await caps.update()
    expect(must(caps.hashes[0]).value).toBe(expected)
    expect(presences(alice)).toHaveLength(2)
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

})

describe('CapsAdvertiser: the forms we publish (XEP-0128 in XEP-0115 and XEP-0390)', () => {
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
