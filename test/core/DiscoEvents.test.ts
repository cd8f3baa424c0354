// DiscoEvents: what the devtools and an app's logging see of disco on the wire
// (README "Events"). Over the in-memory network, so the events are those of
// real requests, replies, spoofs and answers.
import xml from '@xmpp/xml'
import { describe, expect, it } from 'vitest'
import {
  DiscoClient,
  DiscoEvents,
  DiscoServer,
  DisconnectedError,
  NS_DISCO_INFO,
  StanzaError,
  infoToXml,
} from '../../src/core/index.js'
import type { DiscoEvent, XmlElement } from '../../src/core/index.js'
import { EntityCaps } from '../../src/core/caps/index.js'
import { EVIL, HONEST, PEER_NODE, c115, presenceFrom, rawPeer, verOf } from '../helpers/capsPeers.js'
import { ALICE, aliceWorld, asXmpp, settle } from '../helpers/capsWorld.js'

const BOB = 'bob@example.org/b'

/** Alice's world with every event she emits recorded. */
function recorded() {
  const world = aliceWorld()
  const events: DiscoEvent[] = []
  const unsubscribe = DiscoEvents.of(asXmpp(world.alice)).subscribe((event) => events.push(event))
  world.disposeAfter(unsubscribe)
  const types = (): string[] => events.map((e) => e.type)
  return { ...world, events, types }
}

/** Holds alice's IQ gets to `to` instead of routing them, so the test answers them. */
function captureGets(world: ReturnType<typeof recorded>, to: string): XmlElement[] {
  const held: XmlElement[] = []
  world.net.interceptor = (stanza) => {
    if (stanza.is('iq') && stanza.attrs.type === 'get' && stanza.attrs.to === to) {
      held.push(stanza)
      return null
    }
    return stanza
  }
  return held
}

describe('DiscoEvents', () => {
  it('tells that a query was asked and answered, with its latency', async () => {
    const { net, dc, events, types } = recorded()
    DiscoServer.for(asXmpp(net.entity(BOB))).registerFeature('urn:example:x')
    await dc.queryInfo(BOB, { node: undefined })
    expect(types()).toEqual(['asked', 'answered'])
    const [asked, answered] = events
    expect(asked).toMatchObject({ type: 'asked', to: BOB, kind: 'info', node: undefined })
    expect(answered).toMatchObject({ type: 'answered', to: BOB, kind: 'info', id: asked?.type === 'asked' ? asked.id : '' })
    expect(answered?.type === 'answered' && answered.latency).toBeGreaterThanOrEqual(0)
  })

  it('tells the kind and node of an items query', async () => {
    const { net, dc, events } = recorded()
    DiscoServer.for(asXmpp(net.entity(BOB)))
    await expect(dc.queryItems(BOB, { node: 'missing' })).rejects.toBeInstanceOf(StanzaError)
    expect(events[0]).toMatchObject({ type: 'asked', kind: 'items', node: 'missing' })
    const failed = events[1]
    expect(failed).toMatchObject({ type: 'failed', kind: 'items', node: 'missing' })
    expect(failed?.type === 'failed' && failed.error).toBeInstanceOf(StanzaError)
  })

  it('tells of a spoofed reply, ignored, and of the real one', async () => {
    const world = recorded()
    const held = captureGets(world, BOB)
    const answer = world.dc.queryInfo(BOB)
    await settle()
    const request = held[0]
    if (!request) throw new Error('nothing was asked')
    const payload = infoToXml({ identities: [{ category: 'client', type: 'pc' }], features: [NS_DISCO_INFO], forms: [] })
    const replyFrom = (from: string) => xml('iq', { type: 'result', id: request.attrs.id, from, to: ALICE }, payload)
    world.alice.receive(replyFrom('mallory@example.org/m'))
    await settle()
    world.alice.receive(replyFrom(BOB))
    await answer
    expect(world.types()).toEqual(['asked', 'spoofed', 'answered'])
    expect(world.events[1]).toMatchObject({ type: 'spoofed', to: BOB, from: 'mallory@example.org/m', id: request.attrs.id })
  })

  it('tells that a request was abandoned when its last caller timed out', async () => {
    const world = recorded()
    captureGets(world, BOB)
    await expect(world.dc.queryInfo(BOB, { timeout: 20 })).rejects.toThrow('No reply within 20 ms')
    await settle()
    expect(world.types()).toEqual(['asked', 'abandoned'])
  })

  it('tells that pending requests failed when the session ended', async () => {
    const world = recorded()
    captureGets(world, BOB)
    const answer = world.dc.queryInfo(BOB)
    await settle()
    world.alice.goOffline()
    await expect(answer).rejects.toBeInstanceOf(DisconnectedError)
    expect(world.types()).toEqual(['asked', 'failed'])
    const failed = world.events[1]
    expect(failed?.type === 'failed' && failed.error).toBeInstanceOf(DisconnectedError)
    world.alice.goOnline()
  })

  it('tells of a query sent again once the stream is resumed as re-asked: one asked, one answer, one id', async () => {
    const { net, alice, dc, events, types } = recorded()
    DiscoServer.for(asXmpp(net.entity(BOB)))
    const send = alice.send
    // The write meets a connection dying before xmpp.js noticed.
    alice.send = () => Promise.reject(new Error('write after end'))
    const answer = dc.queryInfo(BOB)
    await settle()
    alice.dropConnection()
    alice.send = send
    alice.resume()
    expect((await answer).identities).not.toHaveLength(0)
    expect(types()).toEqual(['asked', 're-asked', 'answered'])
    const ids = new Set(events.map((e) => (e.type === 'asked' || e.type === 're-asked' || e.type === 'answered' ? e.id : '')))
    expect(ids.size).toBe(1)
    expect(events[1]).toMatchObject({ type: 're-asked', to: BOB, kind: 'info', node: undefined })
  })

  it('tells what our DiscoServer answered, and to whom', async () => {
    const { net, alice, types, events } = recorded()
    const bob = net.entity(BOB)
    DiscoServer.for(asXmpp(alice))
    const bobs = DiscoClient.for(asXmpp(bob))
    await bobs.queryInfo(ALICE)
    await expect(bobs.queryInfo(ALICE, { node: 'nowhere' })).rejects.toBeInstanceOf(StanzaError)
    bobs.dispose()
    expect(types()).toEqual(['served', 'served'])
    expect(events[0]).toMatchObject({ type: 'served', from: BOB, kind: 'info', node: undefined, error: undefined })
    expect(events[1]).toMatchObject({ type: 'served', from: BOB, kind: 'info', node: 'nowhere', error: 'item-not-found' })
  })

  it('stops calling a listener once it unsubscribed, and is not listening without listeners', async () => {
    const { net, alice, dc } = aliceWorld()
    DiscoServer.for(asXmpp(net.entity(BOB)))
    const source = DiscoEvents.of(asXmpp(alice))
    expect(source.listening).toBe(false)
    const seen: DiscoEvent[] = []
    const unsubscribe = source.subscribe((event) => seen.push(event))
    expect(source.listening).toBe(true)
    await dc.queryInfo(BOB)
    unsubscribe()
    expect(source.listening).toBe(false)
    await dc.queryInfo(BOB, { requireFresh: true })
    expect(seen.map((e) => e.type)).toEqual(['asked', 'answered'])
  })

  it('keeps calling the other listeners when one throws, and the query still succeeds', async () => {
    const { net, alice, dc } = aliceWorld()
    DiscoServer.for(asXmpp(net.entity(BOB)))
    const source = DiscoEvents.of(asXmpp(alice))
    const seen: string[] = []
    const thrown: unknown[] = []
    const onError = (error: unknown): void => void thrown.push(error)
    process.on('uncaughtException', onError)
    const off = [
      source.subscribe(() => {
        throw new Error('a broken listener')
      }),
      source.subscribe((event) => seen.push(event.type)),
    ]
    try {
      await expect(dc.queryInfo(BOB)).resolves.toMatchObject({ features: expect.any(Array) })
      await settle()
    } finally {
      off.forEach((unsubscribe) => unsubscribe())
      process.off('uncaughtException', onError)
    }
    expect(seen).toEqual(['asked', 'answered'])
    expect(thrown).toHaveLength(2)
  })
})

describe('DiscoEvents of entity capabilities', () => {
  it('tells of one verification for peers sharing a ver, and of the others answered from it', async () => {
    const world = recorded()
    const caps = EntityCaps.for(asXmpp(world.alice), { node: 'https://alice.example', discoClient: world.dc })
    world.disposeAfter(() => caps.dispose())
    const ver = await verOf(HONEST)
    const peers = ['p1@example.org/r', 'p2@example.org/r', 'p3@example.org/r'].map((jid) => rawPeer(world.net, jid, () => HONEST))
    for (const p of peers) presenceFrom(world.alice, p.jid, c115(ver))
    await settle()
    world.events.length = 0
    await Promise.all(peers.map((p) => world.dc.queryInfo(p.jid)))
    const hash = `caps sha-1 ${ver}`
    expect(world.events.filter((e) => e.type === 'asked')).toEqual([
      expect.objectContaining({ to: 'p1@example.org/r', kind: 'info', node: `${PEER_NODE}#${ver}` }),
    ])
    expect(world.events.filter((e) => e.type === 'caps-verified')).toEqual([
      expect.objectContaining({ jid: 'p1@example.org/r', hash, node: `${PEER_NODE}#${ver}` }),
    ])
    expect(world.events.filter((e) => e.type === 'caps-used').map((e) => e.type === 'caps-used' && e.jid)).toEqual([
      'p2@example.org/r',
      'p3@example.org/r',
    ])
    expect(caps.snapshot().hashes).toEqual([{ hash, info: expect.objectContaining({ features: expect.arrayContaining(['urn:example:jingle']) }), jids: peers.map((p) => p.jid) }])
  })

  it('tells of an answer that does not match its hash', async () => {
    const world = recorded()
    const caps = EntityCaps.for(asXmpp(world.alice), { node: 'https://alice.example', discoClient: world.dc })
    world.disposeAfter(() => caps.dispose())
    const ver = await verOf(HONEST)
    const liar = rawPeer(world.net, 'liar@example.org/r', () => EVIL)
    presenceFrom(world.alice, liar.jid, c115(ver))
    await settle()
    await world.dc.queryInfo(liar.jid)
    expect(world.events.find((e) => e.type === 'caps-unverified')).toMatchObject({ jid: liar.jid, hash: `caps sha-1 ${ver}`, outcome: 'mismatch' })
    expect(caps.snapshot()).toEqual({
      hashes: [],
      jids: [{ jid: liar.jid, node: `${PEER_NODE}#${ver}`, hashes: [`caps sha-1 ${ver}`], verified: false, legacy: false, throttled: false }],
    })
  })

  it('lists our current and previous vers, newest first', async () => {
    const { alice, server } = aliceWorld()
    const caps = EntityCaps.for(asXmpp(alice), { node: 'https://alice.example', ecaps2: false })
    await caps.update()
    const first = caps.ver
    server.registerFeature('urn:example:later')
    await caps.update()
    expect(caps.versions.map((v) => v.ver)).toEqual([caps.ver, first])
    expect(caps.versions[0]?.hashes).toEqual([])
    expect(EntityCaps.find(asXmpp(alice))).toBe(caps)
    caps.dispose()
    expect(EntityCaps.find(asXmpp(alice))).toBeUndefined()
  })
})
