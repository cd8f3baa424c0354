// Session: when a client counts as online for disco, and when its session
// ends, as xmpp.js 0.14 shows both (status events, a silent XEP-0198
// resumption, stream management enabled after 'online').
import { afterEach, describe, expect, it, vi } from 'vitest'
import xml from '@xmpp/xml'
import { Session } from '../../src/core/Session.js'
import { DisconnectedError } from '../../src/core/index.js'
import type { XmlElement, XmppClient } from '../../src/core/index.js'
import { FakeNetwork, streamFeatures } from '../helpers/fakeNetwork.js'
import type { FakeEntity } from '../helpers/fakeNetwork.js'

const asXmpp = (entity: FakeEntity): XmppClient => entity as unknown as XmppClient
const NS_SM = 'urn:xmpp:sm:3'

afterEach(() => {
  vi.useRealTimers()
})

function setup() {
  const net = new FakeNetwork()
  const alice = net.entity('alice@example.org/a')
  const session = Session.of(asXmpp(alice))
  let changes = 0
  let ends = 0
  const unsubscribe = session.subscribe(() => changes++)
  const stopEnds = session.onEnd(() => ends++)
  return { alice, session, changes: () => changes, ends: () => ends, unsubscribe, stopEnds }
}

/** What the server sends around binding: the features, then the answer to <enable/>. */
function nonza(alice: FakeEntity, element: XmlElement): void {
  alice.emit('nonza', element)
}

describe('Session', () => {
  it('is online again after a silent resumption, and tells its subscribers', async () => {
    const { alice, session, changes, ends } = setup()
    expect(session.online).toBe(true)
    alice.dropConnection()
    expect(session.online).toBe(false)
    const before = changes()
    alice.resume()
    await Promise.resolve()
    expect(session.online).toBe(true)
    expect(changes()).toBeGreaterThan(before)
    expect(ends()).toBe(0)
  })

  it("knows the default language of our stanzas from each stream header the server sends, else from the app's lang option", () => {
    const { alice, session } = setup()
    expect(session.streamLang).toBeUndefined()
    ;(alice as unknown as { options: { lang?: string } }).options = { lang: 'fr' }
    expect(session.streamLang).toBe('fr')
    alice.emit('status', 'open', xml('stream:stream', { 'xml:lang': 'en' }))
    expect(session.streamLang).toBe('en')
    alice.emit('status', 'open', xml('open', { xmlns: 'urn:ietf:params:xml:ns:xmpp-framing', 'xml:lang': 'de' }))
    expect(session.streamLang).toBe('de')
  })

  it('reads the language from the header kept by the parser when nobody listened as the stream opened', () => {
    const net = new FakeNetwork()
    const alice = net.entity('alice@example.org/a')
    const client = alice as unknown as { options: { lang?: string }; parser?: { root: XmlElement | null } }
    client.options = { lang: 'fr' }
    // xmpp.js's TCP parser keeps the server's <stream:stream/> as its root.
    client.parser = { root: xml('stream:stream', { 'xml:lang': 'en' }) }
    expect(Session.of(asXmpp(alice)).streamLang).toBe('en')
    client.parser = { root: null }
    expect(Session.of(asXmpp(alice)).streamLang).toBe('fr')
  })

  it('reads the language from our own presence sent back to us when it did not see the stream open, and tells its subscribers', async () => {
    const { alice, session, changes } = setup()
    const delivered = () => new Promise((resolve) => setImmediate(resolve))
    const before = changes()
    // Someone else's presence, and ours without a language, tell nothing.
    alice.receive(xml('presence', { from: 'bob@example.org/b', 'xml:lang': 'fr' }))
    alice.receive(xml('presence', { from: 'alice@example.org/a' }))
    await delivered()
    expect(session.streamLang).toBeUndefined()
    alice.receive(xml('presence', { from: 'alice@example.org/a', 'xml:lang': 'en' }))
    await delivered()
    expect(session.streamLang).toBe('en')
    expect(changes()).toBe(before + 1)
    // The header of the next stream says it.
    alice.emit('status', 'open', xml('stream:stream', { 'xml:lang': 'de' }))
    alice.receive(xml('presence', { from: 'alice@example.org/a', 'xml:lang': 'en' }))
    await delivered()
    expect(session.streamLang).toBe('de')
  })

  it('ends the session on offline, and on a new online after a drop (resumption failed)', () => {
    const { alice, ends } = setup()
    alice.dropConnection()
    alice.goOnline()
    expect(ends()).toBe(1)
    alice.goOffline()
    expect(ends()).toBe(2)
    alice.goOnline()
    expect(ends()).toBe(2)
  })

  it('ends a resumable session when no reconnection starts in time', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { alice, ends } = setup()
    alice.dropConnection()
    await vi.advanceTimersByTimeAsync(1999)
    expect(ends()).toBe(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(ends()).toBe(1)
  })

  it('counts a stream resumed after its session was given up as a session again, ended by the next new one', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { alice, session, ends } = setup()
    alice.dropConnection()
    await vi.advanceTimersByTimeAsync(2000)
    expect(ends()).toBe(1)
    // The app started the client again itself and the server still knew the stream.
    alice.resume()
    await Promise.resolve()
    expect(session.online).toBe(true)
    alice.dropConnection()
    alice.goOnline()
    expect(ends()).toBe(2)
  })

  it('waits for stream management to be enabled when the server offered it, before counting as online', async () => {
    const { alice, session, changes } = setup()
    alice.goOffline()
    // As servers send it: prefixed, the prefix declared on the stream header.
    nonza(alice, streamFeatures(xml('sm', { xmlns: NS_SM })))
    alice.goOnline()
    expect(alice.status).toBe('online')
    expect(session.online).toBe(false)
    const before = changes()
    nonza(alice, xml('enabled', { xmlns: NS_SM, id: 'x', resume: 'true' }))
    expect(session.online).toBe(false)
    // A tick later: xmpp.js has reset its counters by then.
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(session.online).toBe(true)
    expect(changes()).toBeGreaterThan(before)
  })

  it("zeroes stream management's count of handled stanzas as <enabled/> is read, not the old session's count kept through a refused resumption", () => {
    const { alice } = setup()
    const sm = alice.streamManagement as { inbound?: number }
    alice.dropConnection()
    // xmpp.js keeps the old session's count through <failed/>, and zeroes it only once it has processed <enabled/>:
    // an <r/> read with <enabled/> would be answered with 23, more than the server sent in this session.
    sm.inbound = 23
    nonza(alice, streamFeatures(xml('sm', { xmlns: NS_SM })))
    nonza(alice, xml('failed', { xmlns: NS_SM }))
    alice.goOnline()
    expect(sm.inbound).toBe(23)
    nonza(alice, xml('enabled', { xmlns: NS_SM, id: 'y', resume: 'true' }))
    expect(sm.inbound).toBe(0)
  })

  it("keeps the stanzas counted after <enabled/> through xmpp.js's own late zero of the count, and lets a later zero (offline) through", () => {
    const { alice } = setup()
    const sm = alice.streamManagement as unknown as { inbound: number; enabled?: boolean }
    alice.dropConnection()
    sm.enabled = false
    sm.inbound = 5
    nonza(alice, streamFeatures(xml('sm', { xmlns: NS_SM })))
    alice.goOnline()
    nonza(alice, xml('enabled', { xmlns: NS_SM, id: 'z', resume: 'true' }))
    // Read in the same chunk as <enabled/>, before xmpp.js has processed it: counted as xmpp.js counts.
    sm.inbound += 1
    sm.inbound += 1
    // xmpp.js's enabled(): `enabled` set, then the count zeroed, some ticks late.
    sm.enabled = true
    sm.inbound = 0
    expect(sm.inbound).toBe(2)
    sm.inbound += 1
    expect(sm.inbound).toBe(3)
    // Going offline zeroes it for good.
    sm.enabled = false
    sm.inbound = 0
    expect(sm.inbound).toBe(0)
  })

  it('counts as online at once when the server offered no stream management', () => {
    const { alice, session } = setup()
    alice.goOffline()
    nonza(alice, streamFeatures(xml('bind', { xmlns: 'urn:ietf:params:xml:ns:xmpp-bind' })))
    alice.goOnline()
    expect(session.online).toBe(true)
  })

  it('waits a bounded time when it joins a session whose stream management is not enabled yet', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const net = new FakeNetwork()
    const alice = net.entity('alice@example.org/a')
    const sm = alice.streamManagement
    if (!sm) throw new Error('expected stream management')
    sm.enabled = false
    const session = Session.of(asXmpp(alice))
    const unsubscribe = session.subscribe(() => {})
    expect(session.online).toBe(false)
    await vi.advanceTimersByTimeAsync(1500)
    expect(session.online).toBe(true)
    unsubscribe()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('is not online, read before anyone subscribed, while stream management is not enabled yet', () => {
    const net = new FakeNetwork()
    const alice = net.entity('alice@example.org/a')
    const sm = alice.streamManagement
    if (!sm) throw new Error('expected stream management')
    // What a first render reads: hooks must not fire their queries before <enabled/> is processed.
    sm.enabled = false
    expect(Session.of(asXmpp(alice)).online).toBe(false)
    sm.enabled = true
    expect(Session.of(asXmpp(alice)).online).toBe(true)
  })

  it('listens to the client only while someone listens to it', () => {
    const { alice, unsubscribe, stopEnds } = setup()
    const events = ['status', 'online', 'disconnect', 'offline', 'nonza']
    expect(events.map((e) => alice.listenerCount(e))).toEqual([1, 1, 1, 1, 1])
    unsubscribe()
    expect(alice.listenerCount('status')).toBe(1)
    stopEnds()
    expect(events.map((e) => alice.listenerCount(e))).toEqual([0, 0, 0, 0, 0])
    expect(alice.streamManagement?.listenerCount('resumed')).toBe(0)
  })

  it('whenOnline: resolves once the session is up, else DisconnectedError after the timeout, leaving no listener either way', async () => {
    const net = new FakeNetwork()
    const alice = net.entity('alice@example.org/a')
    const session = Session.of(asXmpp(alice))
    await session.whenOnline({ timeout: 10 })
    alice.goOffline()
    const listeners = () => ['status', 'online', 'disconnect', 'offline', 'nonza'].map((e) => alice.listenerCount(e))
    const up = session.whenOnline({ timeout: Infinity })
    expect(listeners()).not.toEqual([0, 0, 0, 0, 0])
    alice.goOnline()
    await up
    expect(listeners()).toEqual([0, 0, 0, 0, 0])
    alice.goOffline()
    await expect(session.whenOnline({ timeout: 20 })).rejects.toThrow(DisconnectedError)
    const controller = new AbortController()
    const aborted = session.whenOnline({ timeout: Infinity, signal: controller.signal })
    controller.abort(new Error('left'))
    await expect(aborted).rejects.toThrow('left')
    expect(listeners()).toEqual([0, 0, 0, 0, 0])
    net.close()
  })
})

