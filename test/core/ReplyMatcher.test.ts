// The id-and-sender reply matcher beside DiscoClient (DESIGN.md "Querying",
// notes/protocol-rules.md "Querying"): @xmpp/iq's caller matches on the id
// alone, this one also on `from`, and settles everything when the session ends.
import { EventEmitter } from 'node:events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import xml from '@xmpp/xml'
import { DisconnectedError, NS_DISCO_INFO, NS_STANZAS, ReplyMatcher, StanzaError, stanzaErrorFrom } from '../../src/core/index.js'
import type { XmlElement, XmppClient } from '../../src/core/index.js'
import { Session } from '../../src/core/Session.js'
import { FakeNetwork } from '../helpers/fakeNetwork.js'
import type { FakeEntity } from '../helpers/fakeNetwork.js'

const BOB = 'bob@example.org/b'
const asXmpp = (entity: FakeEntity): XmppClient => entity as unknown as XmppClient
/** What @xmpp/stream-management puts on the client: an emitter with the session id ('' when not resumable). */
function setStreamManagement(entity: FakeEntity, sm: EventEmitter & { id: string; enabled: boolean }): void {
  asXmpp(entity).streamManagement = sm as unknown as XmppClient['streamManagement']
}
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await tick()
}

function track<T>(promise: Promise<T>): { state: 'pending' | 'fulfilled' | 'rejected'; value?: T; error?: unknown } {
  const tracked: { state: 'pending' | 'fulfilled' | 'rejected'; value?: T; error?: unknown } = { state: 'pending' }
  promise.then(
    (value) => Object.assign(tracked, { state: 'fulfilled', value }),
    (error: unknown) => Object.assign(tracked, { state: 'rejected', error }),
  )
  return tracked
}

function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value')
  return value
}

const query = (): XmlElement => xml('query', { xmlns: NS_DISCO_INFO })

function errorIq(children: XmlElement[]): XmlElement {
  return xml('iq', { type: 'error', id: 'x', from: BOB }, ...children)
}

let current: { net: FakeNetwork; alice: FakeEntity } | undefined
afterEach(() => {
  const ctx = current
  current = undefined
  if (!ctx) return
  expect(ReplyMatcher.for(asXmpp(ctx.alice)).pendingCount).toBe(0)
  expect(ctx.net.errors).toEqual([])
})

/** alice with a matcher; her IQ gets are captured instead of routed, so the test answers them. */
function setup() {
  const net = new FakeNetwork()
  const alice = net.entity('alice@example.org/a')
  const requests: XmlElement[] = []
  net.interceptor = (stanza) => {
    if (stanza.is('iq') && stanza.attrs.type === 'get') {
      requests.push(stanza)
      return null
    }
    return stanza
  }
  const matcher = ReplyMatcher.for(asXmpp(alice))
  current = { net, alice }
  const answer = (request: XmlElement, from: string | null, type: 'result' | 'error' = 'result', ...children: XmlElement[]): void => {
    const attrs: Record<string, string | undefined> = { type, id: request.attrs.id, to: request.attrs.from }
    if (from !== null) attrs.from = from
    alice.receive(xml('iq', attrs, ...children))
  }
  return { net, alice, matcher, requests, answer }
}

describe('stanzaErrorFrom', () => {
  it('reads the condition, type, text and element of an IQ error', () => {
    const error = xml(
      'error',
      { type: 'auth' },
      xml('forbidden', { xmlns: NS_STANZAS }),
      xml('text', { xmlns: NS_STANZAS }, 'members only'),
    )
    const parsed = stanzaErrorFrom(errorIq([error]))
    expect(parsed).toBeInstanceOf(StanzaError)
    expect(parsed).toMatchObject({ condition: 'forbidden', type: 'auth', text: 'members only', name: 'StanzaError' })
    expect(parsed.element).toBe(error)
    expect(parsed.message).toBe('forbidden: members only')
  })

  it('reads an unknown condition as undefined-condition', () => {
    const parsed = stanzaErrorFrom(errorIq([xml('error', { type: 'cancel' }, xml('no-such-condition', { xmlns: NS_STANZAS }))]))
    expect(parsed).toMatchObject({ condition: 'undefined-condition', type: 'cancel', text: undefined })
  })

  it('reads a condition outside the stanzas namespace as undefined-condition', () => {
    const parsed = stanzaErrorFrom(errorIq([xml('error', { type: 'cancel' }, xml('item-not-found', { xmlns: 'urn:other' }))]))
    expect(parsed.condition).toBe('undefined-condition')
  })

  it('reads an error reply without <error/> as undefined-condition', () => {
    const parsed = stanzaErrorFrom(errorIq([]))
    expect(parsed).toMatchObject({ condition: 'undefined-condition', type: undefined, element: undefined })
  })

  it('drops an unknown error type and an empty text', () => {
    const parsed = stanzaErrorFrom(
      errorIq([xml('error', { type: 'bogus' }, xml('conflict', { xmlns: NS_STANZAS }), xml('text', { xmlns: NS_STANZAS }))]),
    )
    expect(parsed).toMatchObject({ condition: 'conflict', type: undefined, text: undefined })
  })
})

describe('ReplyMatcher', () => {
  it('is one per xmpp client', () => {
    const { alice, matcher, net } = setup()
    expect(ReplyMatcher.for(asXmpp(alice))).toBe(matcher)
    expect(ReplyMatcher.for(asXmpp(net.entity('carol@example.org/c')))).not.toBe(matcher)
  })

  it('sends an IQ get to the JID with the payload and a fresh id per request', async () => {
    const { matcher, requests, answer } = setup()
    const one = matcher.request(BOB, query())
    const two = matcher.request(BOB, query())
    expect(requests).toHaveLength(2)
    const [first, second] = [must(requests[0]), must(requests[1])]
    expect(first.attrs).toMatchObject({ type: 'get', to: BOB })
    expect(first.getChild('query', NS_DISCO_INFO)).toBeDefined()
    expect(first.attrs.id).toBeTruthy()
    expect(second.attrs.id).not.toBe(first.attrs.id)
    expect(matcher.pendingCount).toBe(2)
    answer(second, BOB)
    answer(first, BOB)
    const [r1, r2] = await Promise.all([one.promise, two.promise])
    expect(r1.attrs.id).toBe(first.attrs.id)
    expect(r2.attrs.id).toBe(second.attrs.id)
  })

  it('resolves only with a reply from the JID asked and ignores the same id from anyone else', async () => {
    const { matcher, requests, answer } = setup()
    const pending = track(matcher.request(BOB, query()).promise)
    const request = must(requests[0])
    answer(request, 'mallory@example.org/m')
    answer(request, 'bob@example.org')
    answer(request, 'bob@example.org/other')
    answer(request, 'mallory@example.org/m', 'error', xml('error', { type: 'cancel' }, xml('item-not-found', { xmlns: NS_STANZAS })))
    await settle()
    expect(pending.state).toBe('pending')
    expect(matcher.pendingCount).toBe(1)
    answer(request, BOB)
    await vi.waitFor(() => expect(pending.state).toBe('fulfilled'))
    expect(pending.value?.attrs.from).toBe(BOB)
  })

  it('rejects with a StanzaError for an error reply from the JID asked', async () => {
    const { matcher, requests, answer } = setup()
    const { promise } = matcher.request(BOB, query())
    answer(must(requests[0]), BOB, 'error', xml('error', { type: 'cancel' }, xml('item-not-found', { xmlns: NS_STANZAS })))
    await expect(promise).rejects.toMatchObject({ name: 'StanzaError', condition: 'item-not-found', type: 'cancel' })
  })

  it.each([
    ['our bare JID', 'alice@example.org', true],
    ['our domain', 'example.org', true],
    ['another entity', BOB, false],
    ['our own full JID', 'alice@example.org/a', false],
    ['another domain', 'example.com', false],
  ])('accepts a reply without from for %s: %s', async (_what, to, accepted) => {
    const { matcher, requests, answer } = setup()
    const request = matcher.request(to, query())
    const pending = track(request.promise)
    answer(must(requests[0]), null)
    await settle()
    expect(pending.state).toBe(accepted ? 'fulfilled' : 'pending')
    request.cancel()
  })

  it('forgets a cancelled request: a late reply is ignored and left to the next middleware', async () => {
    const { alice, matcher, requests, answer } = setup()
    const request = matcher.request(BOB, query())
    const pending = track(request.promise)
    request.cancel()
    expect(matcher.pendingCount).toBe(0)
    const passedOn: XmlElement[] = []
    alice.middleware.use((ctx, next) => {
      passedOn.push(ctx.stanza)
      return next()
    })
    answer(must(requests[0]), BOB)
    await settle()
    expect(pending.state).toBe('pending')
    expect(passedOn.map((s) => s.attrs.id)).toEqual([requests[0]?.attrs.id])
  })

  it("leaves replies to @xmpp/iq's own requests to @xmpp/iq", async () => {
    const { alice, net, matcher } = setup()
    net.interceptor = undefined
    const bob = net.entity(BOB)
    bob.iqCallee.get(NS_DISCO_INFO, 'query', () => xml('query', { xmlns: NS_DISCO_INFO }, xml('identity', { category: 'client', type: 'pc' })))
    const stanza = await alice.iqCaller.request(xml('iq', { type: 'get', to: BOB }, query()))
    expect(stanza.attrs.type).toBe('result')
    expect(matcher.pendingCount).toBe(0)
  })

  it('rejects every pending request with DisconnectedError and tells its listeners when the session ends', async () => {
    const { alice, matcher } = setup()
    const ended = vi.fn()
    const unsubscribe = matcher.onSessionEnd(ended)
    const requests = [track(matcher.request(BOB, query()).promise), track(matcher.request('example.org', query()).promise)]
    alice.goOffline()
    await settle()
    expect(requests.map((r) => r.state)).toEqual(['rejected', 'rejected'])
    for (const r of requests) expect(r.error).toBeInstanceOf(DisconnectedError)
    expect(ended).toHaveBeenCalled()
    expect(matcher.pendingCount).toBe(0)
    ended.mockClear()
    unsubscribe()
    alice.goOnline()
    alice.goOffline()
    expect(ended).not.toHaveBeenCalled()
  })

  it('keeps pending requests over a disconnect of a resumable XEP-0198 session', async () => {
    const { alice, matcher, requests, answer } = setup()
    const sm = Object.assign(new EventEmitter(), { id: 'sm1', enabled: true })
    setStreamManagement(alice, sm)
    const ended = vi.fn()
    matcher.onSessionEnd(ended)
    const pending = track(matcher.request(BOB, query()).promise)
    alice.emit('disconnect', { clean: false })
    sm.emit('resumed')
    answer(must(requests[0]), BOB)
    await vi.waitFor(() => expect(pending.state).toBe('fulfilled'))
    expect(ended).not.toHaveBeenCalled()
  })

  it('ends a resumable session when the client goes offline', async () => {
    const { alice, matcher } = setup()
    setStreamManagement(alice, Object.assign(new EventEmitter(), { id: 'sm1', enabled: true }))
    const ended = vi.fn()
    matcher.onSessionEnd(ended)
    const pending = track(matcher.request(BOB, query()).promise)
    alice.emit('disconnect', { clean: false })
    await settle()
    expect(pending.state).toBe('pending')
    alice.status = 'offline'
    alice.emit('offline')
    await settle()
    expect(pending.error).toBeInstanceOf(DisconnectedError)
    expect(ended).toHaveBeenCalledTimes(1)
  })

  it('ends a resumable session when no reconnection starts within the reconnect delay', async () => {
    vi.useFakeTimers()
    try {
      const { alice, matcher } = setup()
      setStreamManagement(alice, Object.assign(new EventEmitter(), { id: 'sm1', enabled: true }))
      Object.assign(alice, { reconnect: { delay: 1000 } })
      const pending = track(matcher.request(BOB, query()).promise)
      alice.status = 'disconnect'
      alice.emit('disconnect', { clean: false })
      await vi.advanceTimersByTimeAsync(1500)
      expect(pending.state).toBe('pending')
      await vi.advanceTimersByTimeAsync(600)
      expect(pending.error).toBeInstanceOf(DisconnectedError)
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })

  it('keeps a resumable session while a reconnection is under way, and ends it with the new session', async () => {
    vi.useFakeTimers()
    try {
      const { alice, matcher } = setup()
      setStreamManagement(alice, Object.assign(new EventEmitter(), { id: 'sm1', enabled: true }))
      const pending = track(matcher.request(BOB, query()).promise)
      alice.status = 'disconnect'
      alice.emit('disconnect', { clean: false })
      alice.status = 'connecting' // xmpp.js's reconnect started
      await vi.advanceTimersByTimeAsync(5000)
      expect(pending.state).toBe('pending')
      alice.goOnline() // resumption failed: a new session
      await vi.advanceTimersByTimeAsync(0)
      expect(pending.error).toBeInstanceOf(DisconnectedError)
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })

  it("ends the session on a disconnect when the XEP-0198 session has no id", async () => {
    const { alice, matcher } = setup()
    setStreamManagement(alice, Object.assign(new EventEmitter(), { id: '', enabled: true }))
    const pending = track(matcher.request(BOB, query()).promise)
    alice.emit('disconnect', { clean: false })
    await settle()
    expect(pending.error).toBeInstanceOf(DisconnectedError)
  })

  it("treats 'online' as the end of a session still open, but not as the end of one already ended or never begun", () => {
    const net = new FakeNetwork()
    const alice = net.entity('alice@example.org/a')
    alice.status = 'connecting'
    current = { net, alice }
    const matcher = ReplyMatcher.for(asXmpp(alice))
    setStreamManagement(alice, Object.assign(new EventEmitter(), { id: 'sm1', enabled: true }))
    const ended = vi.fn()
    matcher.onSessionEnd(ended)
    alice.goOnline() // the first session begins
    expect(ended).not.toHaveBeenCalled()
    alice.status = 'disconnect'
    alice.emit('disconnect', { clean: false }) // resumable: the session may go on
    expect(ended).not.toHaveBeenCalled()
    alice.goOnline() // resumption failed: a new session, so the old one is over
    expect(ended).toHaveBeenCalledTimes(1)
    alice.goOffline()
    expect(ended).toHaveBeenCalledTimes(2)
    ended.mockClear()
    alice.goOnline() // a session after an ended one ends nothing
    expect(ended).not.toHaveBeenCalled()
  })

  it('rejects with DisconnectedError when the request cannot be sent because the session is gone', async () => {
    const { alice, matcher, requests } = setup()
    alice.goOffline()
    await expect(matcher.request(BOB, query()).promise).rejects.toBeInstanceOf(DisconnectedError)
    expect(requests).toHaveLength(0)
  })

  it('rejects with DisconnectedError, the send error as its cause, when sending fails while online in a session that cannot be resumed', async () => {
    const { alice, matcher } = setup()
    // What xmpp.js 0.14 throws when its socket is gone before its status says so.
    const failure = new TypeError("Cannot read properties of null (reading 'write')")
    alice.send = () => Promise.reject(failure)
    if (alice.streamManagement) alice.streamManagement.id = ''
    const error: unknown = await matcher.request(BOB, query()).promise.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DisconnectedError)
    expect((error as DisconnectedError).cause).toBe(failure)
  })

  it('sends again once resumed a request whose write failed as the connection died in a resumable session', async () => {
    const { alice, matcher, requests } = setup()
    const send = alice.send
    alice.send = () => Promise.reject(new Error('write after end'))
    const reply = track(matcher.request(BOB, query()).promise)
    await settle()
    expect(reply.state).toBe('pending')
    alice.dropConnection()
    alice.send = send
    alice.resume()
    await vi.waitFor(() => expect(requests).toHaveLength(1))
    const get = requests[0] as XmlElement
    alice.receive(xml('iq', { type: 'result', from: BOB, to: 'alice@example.org/a', id: get.attrs.id }))
    await vi.waitFor(() => expect(reply.state).toBe('fulfilled'))
  })

  it('stops watching the session for a request whose write failed once it is cancelled', async () => {
    const { alice, matcher } = setup()
    const statusListeners = alice.listenerCount('status')
    alice.send = () => Promise.reject(new Error('write after end'))
    const { cancel } = matcher.request(BOB, query())
    await settle()
    expect(alice.listenerCount('status')).toBeGreaterThan(statusListeners)
    cancel()
    expect(alice.listenerCount('status')).toBe(statusListeners)
  })

  it('rejects with DisconnectedError a request whose write failed when a new session follows instead of a resumption', async () => {
    const { alice, matcher, requests } = setup()
    const send = alice.send
    alice.send = () => Promise.reject(new Error('write after end'))
    const reply = track(matcher.request(BOB, query()).promise)
    await settle()
    alice.dropConnection()
    alice.send = send
    alice.goOnline()
    await vi.waitFor(() => expect(reply.state).toBe('rejected'))
    expect(reply.error).toBeInstanceOf(DisconnectedError)
    await settle()
    expect(requests).toHaveLength(0)
  })
})

describe('ReplyMatcher and stream management', () => {
  it('holds a request made right after binding until stream management is enabled, then sends it', async () => {
    const net = new FakeNetwork()
    const alice = net.entity('alice@example.org/a')
    net.entity(BOB).iqCallee.get(NS_DISCO_INFO, 'query', () => xml('query', { xmlns: NS_DISCO_INFO }))
    const matcher = ReplyMatcher.for(asXmpp(alice))
    // Keep the session watched, as a DiscoProvider does, so it sees the stream features.
    const unwatch = matcher.onSessionEnd(() => {})
    alice.goOffline()
    alice.emit('nonza', xml('features', { xmlns: 'http://etherx.jabber.org/streams' }, xml('sm', { xmlns: 'urn:xmpp:sm:3' })))
    alice.goOnline()
    const reply = track(matcher.request(BOB, query()).promise)
    await settle()
    // xmpp.js would miscount what is answered before it has processed <enabled/>.
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(0)
    alice.emit('nonza', xml('enabled', { xmlns: 'urn:xmpp:sm:3', id: 'sm2', resume: 'true' }))
    await vi.waitFor(() => expect(reply.state).toBe('fulfilled'))
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(1)
    unwatch()
  })

  it('sends the requests held for stream management in the order they were asked, and stops watching the session after', async () => {
    const net = new FakeNetwork()
    const alice = net.entity('alice@example.org/a')
    net.entity(BOB).iqCallee.get(NS_DISCO_INFO, 'query', () => xml('query', { xmlns: NS_DISCO_INFO }))
    const matcher = ReplyMatcher.for(asXmpp(alice))
    const unwatch = matcher.onSessionEnd(() => {})
    const session = Session.of(asXmpp(alice))
    alice.goOffline()
    alice.emit('nonza', xml('features', { xmlns: 'http://etherx.jabber.org/streams' }, xml('sm', { xmlns: 'urn:xmpp:sm:3' })))
    alice.goOnline()
    const watchers = session.listenerCount.change
    const nodes = ['a', 'b', 'c']
    const requests = nodes.map((node) => matcher.request(BOB, xml('query', { xmlns: NS_DISCO_INFO, node })))
    const replies = requests.map((r) => track(r.promise))
    // One subscription for all of them.
    expect(session.listenerCount.change).toBe(watchers + 1)
    requests[1]?.cancel()
    alice.emit('nonza', xml('enabled', { xmlns: 'urn:xmpp:sm:3', id: 'sm2', resume: 'true' }))
    await vi.waitFor(() => expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(2))
    expect(alice.sentQueries(NS_DISCO_INFO).map((q) => q.getChild('query')?.attrs.node)).toEqual(['a', 'c'])
    expect(session.listenerCount.change).toBe(watchers)
    await vi.waitFor(() => expect(replies.map((r) => r.state)).toEqual(['fulfilled', 'pending', 'fulfilled']))
    unwatch()
  })

  it('sends nothing for a request cancelled while it waited for stream management', async () => {
    const net = new FakeNetwork()
    const alice = net.entity('alice@example.org/a')
    const matcher = ReplyMatcher.for(asXmpp(alice))
    const unwatch = matcher.onSessionEnd(() => {})
    alice.goOffline()
    alice.emit('nonza', xml('features', { xmlns: 'http://etherx.jabber.org/streams' }, xml('sm', { xmlns: 'urn:xmpp:sm:3' })))
    alice.goOnline()
    const request = matcher.request(BOB, query())
    request.cancel()
    alice.emit('nonza', xml('enabled', { xmlns: 'urn:xmpp:sm:3', id: 'sm2', resume: 'true' }))
    await settle()
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(0)
    expect(matcher.pendingCount).toBe(0)
    unwatch()
  })
})
