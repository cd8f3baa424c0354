// DiscoClient over the in-memory network: every assertion about the wire counts
// the IQ gets alice actually sent. DESIGN.md "Querying: DiscoClient" and
// aioxmpp's DiscoClient are the specification.
import { EventEmitter } from 'node:events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { QueryClient, QueryObserver } from '@tanstack/query-core'
import xml from '@xmpp/xml'
import {
  DEFAULT_TIMEOUT,
  DiscoClient,
  DiscoServer,
  DisconnectedError,
  InvalidInputError,
  InvalidJidError,
  MalformedResponseError,
  NS_DISCO_INFO,
  NS_DISCO_ITEMS,
  NS_STANZAS,
  ReplyMatcher,
  StanzaError,
  StaticNode,
  TimeoutError,
  infoToXml,
  itemsToXml,
} from '../../src/core/index.js'
import type { DiscoInfo, DiscoItems, XmlElement, XmppClient } from '../../src/core/index.js'
import { FakeNetwork } from '../helpers/fakeNetwork.js'
import type { FakeEntity } from '../helpers/fakeNetwork.js'

const BOB = 'bob@example.org/b'
const ACCOUNT = 'alice@example.org'

const asXmpp = (entity: FakeEntity): XmppClient => entity as unknown as XmppClient
/** What @xmpp/stream-management puts on the client: an emitter with the session id ('' when not resumable). */
function setStreamManagement(entity: FakeEntity, sm: EventEmitter & { id: string; enabled: boolean }): void {
  asXmpp(entity).streamManagement = sm as unknown as XmppClient['streamManagement']
}

/** One macrotask: lets the fake network deliver what is queued (it uses setImmediate). */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await tick()
}

/** Records how a promise ended, without letting an unhandled rejection through. */
function track<T>(promise: Promise<T>): { state: 'pending' | 'fulfilled' | 'rejected'; value?: T; error?: unknown } {
  const tracked: { state: 'pending' | 'fulfilled' | 'rejected'; value?: T; error?: unknown } = { state: 'pending' }
  promise.then(
    (value) => {
      tracked.state = 'fulfilled'
      tracked.value = value
    },
    (error: unknown) => {
      tracked.state = 'rejected'
      tracked.error = error
    },
  )
  return tracked
}

function info(...features: string[]): DiscoInfo {
  return { identities: [{ category: 'client', type: 'pc' }], features: [NS_DISCO_INFO, ...features], forms: [] }
}

/** A reply to `request` as its addressee would send it; `from: null` leaves `from` out. */
function reply(
  request: XmlElement,
  payload: XmlElement | undefined,
  options: { from?: string | null; type?: 'result' | 'error' } = {},
): XmlElement {
  const from = options.from === undefined ? request.attrs.to : options.from
  const attrs: Record<string, string | undefined> = { type: options.type ?? 'result', id: request.attrs.id, to: request.attrs.from }
  if (from !== null) attrs.from = from
  return xml('iq', attrs, payload)
}

function errorPayload(type: string, condition: string, text?: string): XmlElement {
  return xml(
    'error',
    { type },
    xml(condition, { xmlns: NS_STANZAS }),
    text === undefined ? undefined : xml('text', { xmlns: NS_STANZAS }, text),
  )
}

let current: { net: FakeNetwork; alice: FakeEntity } | undefined

afterEach(() => {
  vi.useRealTimers()
  const ctx = current
  current = undefined
  if (!ctx) return
  // Every path must leave nothing waiting in the matcher, and nothing may crash a client.
  expect(ReplyMatcher.for(asXmpp(ctx.alice)).pendingCount).toBe(0)
  expect(ctx.net.errors).toEqual([])
})

function setup() {
  const net = new FakeNetwork()
  const alice = net.entity(`${ACCOUNT}/a`)
  const bob = net.entity(BOB)
  const server = DiscoServer.for(asXmpp(bob))
  server.registerFeature('urn:example:v1')
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  const dc = DiscoClient.for(asXmpp(alice), { queryClient })
  current = { net, alice }
  const matcher = ReplyMatcher.for(asXmpp(alice))
  return {
    net,
    alice,
    bob,
    server,
    queryClient,
    dc,
    matcher,
    infoSent: () => alice.sentQueries(NS_DISCO_INFO).length,
    itemsSent: () => alice.sentQueries(NS_DISCO_ITEMS).length,
    infoKey: (jid: string, node: string | null = null) => ['xmpp-disco', ACCOUNT, 'info', jid, node] as const,
    itemsKey: (jid: string, node: string | null = null) => ['xmpp-disco', ACCOUNT, 'items', jid, node] as const,
    /** Replies (result and error IQs) are held here instead of delivered; deliver with alice.receive. */
    holdReplies(): XmlElement[] {
      const held: XmlElement[] = []
      net.interceptor = (stanza) => {
        if (stanza.is('iq') && (stanza.attrs.type === 'result' || stanza.attrs.type === 'error')) {
          held.push(stanza)
          return null
        }
        return stanza
      }
      return held
    },
    /** IQ gets go nowhere but here: the test answers them itself with alice.receive. */
    captureRequests(): XmlElement[] {
      const requests: XmlElement[] = []
      net.interceptor = (stanza) => {
        if (stanza.is('iq') && stanza.attrs.type === 'get') {
          requests.push(stanza)
          return null
        }
        return stanza
      }
      return requests
    },
  }
}

function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value')
  return value
}

describe('DiscoClient aliasing and caching', () => {
  it('sends one IQ for concurrent queries of one (jid, node)', async () => {
    const { dc, infoSent, server } = setup()
    const leaf = new StaticNode()
    leaf.registerIdentity('hierarchy', 'leaf')
    server.mountNode('n1', leaf)
    const results = await Promise.all(Array.from({ length: 20 }, () => dc.queryInfo(BOB)))
    expect(infoSent()).toBe(1)
    for (const result of results) expect(result.features).toContain('urn:example:v1')
    // Another node of the same JID is another target: its own IQ, shared by its own callers.
    const nodeResults = await Promise.all([dc.queryInfo(BOB, { node: 'n1' }), dc.queryInfo(BOB, { node: 'n1' })])
    expect(infoSent()).toBe(2)
    expect(nodeResults[0]).toEqual({ node: 'n1', identities: [{ category: 'hierarchy', type: 'leaf' }], features: [NS_DISCO_INFO], forms: [] })
  })

  it('serves the cached result until the cache is flushed', async () => {
    const { dc, infoSent, server, queryClient, infoKey } = setup()
    const first = await dc.queryInfo(BOB)
    server.registerFeature('urn:example:v2')
    const second = await dc.queryInfo(BOB)
    expect(infoSent()).toBe(1)
    expect(second).toEqual(first)
    expect(second.features).not.toContain('urn:example:v2')
    expect(queryClient.getQueryData(infoKey(BOB))).toEqual(first)
    dc.flushCache()
    expect(queryClient.getQueryData(infoKey(BOB))).toBeUndefined()
    expect(dc.cacheSize.info).toBe(0)
    const third = await dc.queryInfo(BOB)
    expect(infoSent()).toBe(2)
    expect(third.features).toContain('urn:example:v2')
  })

  it('shares an error among the callers of one request and never caches it', async () => {
    const { dc, infoSent, server, queryClient, infoKey } = setup()
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => dc.queryInfo(BOB, { node: 'later' })))
    expect(infoSent()).toBe(1)
    const errors = outcomes.map((o) => (o.status === 'rejected' ? o.reason : undefined))
    expect(errors[0]).toBeInstanceOf(StanzaError)
    expect(errors[0]).toMatchObject({ condition: 'item-not-found' })
    expect(errors[1]).toBe(errors[0])
    expect(errors[2]).toBe(errors[0])
    expect(queryClient.getQueryData(infoKey(BOB, 'later'))).toBeUndefined()
    // Not cached: the next call asks again, and now the node exists.
    const node = new StaticNode()
    node.registerIdentity('hierarchy', 'leaf')
    server.mountNode('later', node)
    await expect(dc.queryInfo(BOB, { node: 'later' })).resolves.toMatchObject({ node: 'later' })
    expect(infoSent()).toBe(2)
    await dc.queryInfo(BOB, { node: 'later' })
    expect(infoSent()).toBe(2)
  })

  it('always sends a new IQ on requireFresh, and later calls join it instead of the stale cache', async () => {
    const { dc, infoSent, server, queryClient, infoKey } = setup()
    await dc.queryInfo(BOB)
    expect(infoSent()).toBe(1)
    server.registerFeature('urn:example:v2')
    const fresh = dc.queryInfo(BOB, { requireFresh: true })
    const joiner = dc.queryInfo(BOB)
    expect(infoSent()).toBe(2)
    const [freshInfo, joinedInfo] = await Promise.all([fresh, joiner])
    expect(freshInfo.features).toContain('urn:example:v2')
    expect(joinedInfo).toEqual(freshInfo)
    expect(queryClient.getQueryData(infoKey(BOB))).toEqual(freshInfo)
    // requireFresh does not alias to a request in flight either.
    await Promise.all([dc.queryInfo(BOB, { requireFresh: true }), dc.queryInfo(BOB, { requireFresh: true })])
    expect(infoSent()).toBe(4)
    await dc.queryInfo(BOB)
    expect(infoSent()).toBe(4)
  })

  it('resolves a query that sends once its answer is in the cache, so the next requireFresh does not undo that write', async () => {
    const { dc, infoSent, server, queryClient, infoKey } = setup()
    const writes: (DiscoInfo | undefined)[] = []
    const unsubscribe = queryClient.getQueryCache().subscribe((event) => {
      if (event.type === 'updated' && event.action.type === 'success') writes.push(event.query.state.data as DiscoInfo)
    })
    const first = await dc.queryInfo(BOB)
    expect(queryClient.getQueryData(infoKey(BOB))).toEqual(first)
    for (let version = 2; version <= 4; version++) {
      server.registerFeature(`urn:example:v${version}`)
      const fresh = await dc.queryInfo(BOB, { requireFresh: true })
      expect(fresh.features).toContain(`urn:example:v${version}`)
      expect(queryClient.getQueryData(infoKey(BOB))).toEqual(fresh)
    }
    // One write per answer, none cancelled by the requireFresh that followed it.
    expect(infoSent()).toBe(4)
    expect(writes.map((info) => info?.features.length)).toEqual([3, 4, 5, 6])
    unsubscribe()
  })

  it('never lets an older reply that arrives after a newer one overwrite it', async () => {
    const { dc, alice, infoSent, server, queryClient, infoKey, holdReplies } = setup()
    const held = holdReplies()
    const older = track(dc.queryInfo(BOB))
    await vi.waitFor(() => expect(held).toHaveLength(1))
    server.registerFeature('urn:example:v2')
    const newer = track(dc.queryInfo(BOB, { requireFresh: true }))
    await vi.waitFor(() => expect(held).toHaveLength(2))
    expect(infoSent()).toBe(2)
    // Released in reverse order: the newer reply first.
    alice.receive(must(held[1]))
    await vi.waitFor(() => expect(newer.state).toBe('fulfilled'))
    expect(queryClient.getQueryData<DiscoInfo>(infoKey(BOB))?.features).toContain('urn:example:v2')
    alice.receive(must(held[0]))
    await vi.waitFor(() => expect(older.state).toBe('fulfilled'))
    await settle()
    expect(queryClient.getQueryData<DiscoInfo>(infoKey(BOB))?.features).toContain('urn:example:v2')
    const later = await dc.queryInfo(BOB)
    expect(later.features).toContain('urn:example:v2')
    expect(infoSent()).toBe(2)
  })

  it('never lets an older fetchQuery(infoQueryOptions) reply overwrite a newer requireFresh result', async () => {
    const { dc, alice, infoSent, server, queryClient, infoKey, holdReplies } = setup()
    const held = holdReplies()
    const older = track(queryClient.fetchQuery(dc.infoQueryOptions(BOB)))
    await vi.waitFor(() => expect(held).toHaveLength(1))
    server.registerFeature('urn:example:v2')
    const newer = track(dc.queryInfo(BOB, { requireFresh: true }))
    await vi.waitFor(() => expect(held).toHaveLength(2))
    alice.receive(must(held[1]))
    await vi.waitFor(() => expect(newer.state).toBe('fulfilled'))
    alice.receive(must(held[0]))
    await vi.waitFor(() => expect(older.state).toBe('fulfilled'))
    await settle()
    expect(queryClient.getQueryData<DiscoInfo>(infoKey(BOB))?.features).toContain('urn:example:v2')
    expect(queryClient.getQueryState(infoKey(BOB))?.status).toBe('success')
    await expect(dc.queryInfo(BOB)).resolves.toMatchObject({ features: expect.arrayContaining(['urn:example:v2']) })
    expect(infoSent()).toBe(2)
  })

  it('discards the cached result when a requireFresh query fails, so the next call sends again', async () => {
    const { dc, alice, infoSent, queryClient, infoKey, captureRequests } = setup()
    await dc.queryInfo(BOB)
    const requests = captureRequests()
    const fresh = dc.queryInfo(BOB, { requireFresh: true })
    alice.receive(reply(must(requests[0]), errorPayload('wait', 'internal-server-error'), { type: 'error' }))
    await expect(fresh).rejects.toMatchObject({ condition: 'internal-server-error' })
    const next = dc.queryInfo(BOB)
    expect(infoSent()).toBe(3)
    alice.receive(reply(must(requests[1]), infoToXml(info('urn:example:again'))))
    await expect(next).resolves.toEqual(info('urn:example:again'))
    expect(queryClient.getQueryData(infoKey(BOB))).toEqual(info('urn:example:again'))
  })

  it('keeps a newer result when an older request fails after it', async () => {
    const { dc, alice, infoSent, queryClient, infoKey, captureRequests } = setup()
    const requests = captureRequests()
    const older = track(dc.queryInfo(BOB))
    const newer = dc.queryInfo(BOB, { requireFresh: true })
    expect(requests).toHaveLength(2)
    alice.receive(reply(must(requests[1]), infoToXml(info('urn:example:new'))))
    await expect(newer).resolves.toEqual(info('urn:example:new'))
    alice.receive(reply(must(requests[0]), errorPayload('wait', 'resource-constraint'), { type: 'error' }))
    await vi.waitFor(() => expect(older.state).not.toBe('pending'))
    await settle()
    expect(queryClient.getQueryData(infoKey(BOB))).toEqual(info('urn:example:new'))
    const later = dc.queryInfo(BOB)
    expect(infoSent()).toBe(2)
    await expect(later).resolves.toEqual(info('urn:example:new'))
  })

  it('uses a cached result for noCache but never stores its own', async () => {
    const { dc, infoSent, server, queryClient, infoKey } = setup()
    const own = await dc.queryInfo(BOB, { noCache: true })
    expect(own.features).toContain('urn:example:v1')
    expect(infoSent()).toBe(1)
    expect(queryClient.getQueryData(infoKey(BOB))).toBeUndefined()
    expect(dc.cacheSize.info).toBe(0)
    // Not aliased: a plain call made while a noCache request is in flight sends its own.
    const [, plain] = await Promise.all([dc.queryInfo(BOB, { noCache: true }), dc.queryInfo(BOB)])
    expect(infoSent()).toBe(3)
    expect(queryClient.getQueryData(infoKey(BOB))).toEqual(plain)
    // With a cached result, noCache uses it.
    server.registerFeature('urn:example:v2')
    await expect(dc.queryInfo(BOB, { noCache: true })).resolves.toEqual(plain)
    expect(infoSent()).toBe(3)
  })

  it('does not store the result of a requireFresh query with noCache', async () => {
    const { dc, infoSent, server, queryClient, infoKey } = setup()
    const cached = await dc.queryInfo(BOB)
    server.registerFeature('urn:example:v2')
    const fresh = await dc.queryInfo(BOB, { requireFresh: true, noCache: true })
    expect(infoSent()).toBe(2)
    expect(fresh.features).toContain('urn:example:v2')
    expect(queryClient.getQueryData(infoKey(BOB))).toEqual(cached)
    await expect(dc.queryInfo(BOB)).resolves.toEqual(cached)
    expect(infoSent()).toBe(2)
  })

  it('answers queries from a setInfoFuture future without sending', async () => {
    const { dc, infoSent, queryClient, infoKey } = setup()
    let resolve: (value: DiscoInfo) => void = () => {}
    dc.setInfoFuture(BOB, undefined, new Promise<DiscoInfo>((r) => (resolve = r)))
    const waiting = [track(dc.queryInfo(BOB)), track(dc.queryInfo(BOB))]
    await settle()
    expect(waiting.map((w) => w.state)).toEqual(['pending', 'pending'])
    resolve(info('urn:example:future'))
    await vi.waitFor(() => expect(waiting.map((w) => w.state)).toEqual(['fulfilled', 'fulfilled']))
    expect(waiting[0]?.value).toEqual(info('urn:example:future'))
    expect(queryClient.getQueryData(infoKey(BOB))).toEqual(info('urn:example:future'))
    await dc.queryInfo(BOB)
    expect(infoSent()).toBe(0)
  })

  it('fails queries with the rejection of a setInfoFuture future until a requireFresh query, sending nothing meanwhile', async () => {
    const { dc, infoSent, queryClient } = setup()
    const failure = new Error('caps lookup failed')
    const future = Promise.reject(failure)
    dc.setInfoFuture(BOB, undefined, future)
    await settle()
    await expect(dc.queryInfo(BOB)).rejects.toBe(failure)
    await expect(dc.queryInfo(BOB)).rejects.toBe(failure)
    await expect(dc.queryInfo(BOB, { noCache: true })).rejects.toBe(failure)
    await expect(queryClient.fetchQuery(dc.infoQueryOptions(BOB))).rejects.toBe(failure)
    expect(infoSent()).toBe(0)
    const fresh = await dc.queryInfo(BOB, { requireFresh: true })
    expect(infoSent()).toBe(1)
    expect(fresh.features).toContain('urn:example:v1')
    await expect(dc.queryInfo(BOB)).resolves.toEqual(fresh)
    expect(infoSent()).toBe(1)
  })

  it('primes the cache with setInfoCache without sending', async () => {
    const { dc, infoSent, queryClient, infoKey } = setup()
    dc.setInfoCache(BOB, undefined, info('urn:example:primed'))
    dc.setInfoCache('carol@example.org', 'n#ver', { ...info('urn:example:caps'), node: 'n#ver' })
    expect(queryClient.getQueryData(infoKey(BOB))).toEqual(info('urn:example:primed'))
    await expect(dc.queryInfo(BOB)).resolves.toEqual(info('urn:example:primed'))
    await expect(dc.queryInfo('carol@example.org', { node: 'n#ver' })).resolves.toMatchObject({ features: [NS_DISCO_INFO, 'urn:example:caps'] })
    expect(infoSent()).toBe(0)
    expect(dc.cacheSize.info).toBe(2)
  })

  it('replaces a future set by setInfoFuture with setInfoCache', async () => {
    const { dc, infoSent } = setup()
    dc.setInfoFuture(BOB, undefined, Promise.reject(new Error('stale caps')))
    dc.setInfoCache(BOB, undefined, info('urn:example:primed'))
    await expect(dc.queryInfo(BOB)).resolves.toEqual(info('urn:example:primed'))
    expect(infoSent()).toBe(0)
  })

  it('forgets the flight of a JID whose entry left the cache: the next query sends anew', async () => {
    const { dc, alice, queryClient, infoKey, infoSent, holdReplies } = setup()
    const held = holdReplies()
    const before = dc.queryInfo(BOB)
    queryClient.getQueryCache().remove(must(queryClient.getQueryCache().find({ queryKey: infoKey(BOB), exact: true })))
    dc.forgetInfo(BOB)
    const after = dc.queryInfo(BOB)
    expect(infoSent()).toBe(2)
    await vi.waitFor(() => expect(held).toHaveLength(2))
    for (const stanza of held) alice.receive(stanza)
    await Promise.all([before, after])
  })

  it('forgets a setInfoFuture future and the cached entry of a JID given in another form', async () => {
    const { dc, infoSent } = setup()
    dc.setInfoFuture(BOB, undefined, Promise.resolve(info('urn:example:future')))
    dc.forgetInfo('BOB@Example.org/b')
    await expect(dc.queryInfo(BOB)).resolves.toMatchObject({ features: expect.arrayContaining(['urn:example:v1']) })
    expect(infoSent()).toBe(1)
    dc.forgetInfo('BOB@EXAMPLE.ORG/b')
    await dc.queryInfo(BOB)
    expect(infoSent()).toBe(2)
  })

  it('lets in-flight queries finish on flushCache, but the next call sends anew and the old result is not stored', async () => {
    const { dc, alice, infoSent, server, queryClient, infoKey, holdReplies } = setup()
    const held = holdReplies()
    const before = track(dc.queryInfo(BOB))
    const beforeItems = track(dc.queryItems(BOB))
    await vi.waitFor(() => expect(held).toHaveLength(2))
    dc.flushCache()
    server.registerFeature('urn:example:v2')
    const after = track(dc.queryInfo(BOB))
    expect(infoSent()).toBe(2)
    await vi.waitFor(() => expect(held).toHaveLength(3))
    alice.receive(must(held[0]))
    alice.receive(must(held[1]))
    await vi.waitFor(() => expect(before.state).toBe('fulfilled'))
    await vi.waitFor(() => expect(beforeItems.state).toBe('fulfilled'))
    expect(before.value?.features).not.toContain('urn:example:v2')
    await settle()
    expect(queryClient.getQueryData(infoKey(BOB))).toBeUndefined()
    expect(queryClient.getQueryData(['xmpp-disco', ACCOUNT, 'items', BOB, null])).toBeUndefined()
    expect(after.state).toBe('pending')
    alice.receive(must(held[2]))
    await vi.waitFor(() => expect(after.state).toBe('fulfilled'))
    expect(after.value?.features).toContain('urn:example:v2')
    expect(queryClient.getQueryData<DiscoInfo>(infoKey(BOB))?.features).toContain('urn:example:v2')
  })
  it('keeps the new result when a request from before flushCache fails after it', async () => {
    const { dc, alice, infoSent, queryClient, infoKey, captureRequests } = setup()
    const requests = captureRequests()
    const before = track(dc.queryInfo(BOB))
    dc.flushCache()
    const after = dc.queryInfo(BOB)
    expect(requests).toHaveLength(2)
    alice.receive(reply(must(requests[1]), infoToXml(info('urn:example:after'))))
    await expect(after).resolves.toEqual(info('urn:example:after'))
    alice.receive(reply(must(requests[0]), errorPayload('cancel', 'remote-server-timeout'), { type: 'error' }))
    await vi.waitFor(() => expect(before.state).toBe('rejected'))
    expect(before.error).toMatchObject({ condition: 'remote-server-timeout' })
    await settle()
    expect(queryClient.getQueryData(infoKey(BOB))).toEqual(info('urn:example:after'))
    const later = dc.queryInfo(BOB)
    expect(infoSent()).toBe(2)
    await expect(later).resolves.toEqual(info('urn:example:after'))
  })
})

describe('DiscoClient cache bounds', () => {
  function peers(net: FakeNetwork, count: number): string[] {
    return Array.from({ length: count }, (_, i) => {
      const jid = `peer${i}@example.org/r`
      DiscoServer.for(asXmpp(net.entity(jid)))
      return jid
    })
  }

  it('evicts the least recently used info entry beyond infoCacheSize', async () => {
    const { dc, net, infoSent } = setup()
    const [a, b, c, d] = peers(net, 4) as [string, string, string, string]
    dc.infoCacheSize = 3
    await dc.queryInfo(a)
    await dc.queryInfo(b)
    await dc.queryInfo(c)
    await dc.queryInfo(a) // a is now the most recently used; b the least
    expect(infoSent()).toBe(3)
    await dc.queryInfo(d)
    expect(dc.cacheSize.info).toBe(3)
    await dc.queryInfo(a)
    await dc.queryInfo(c)
    await dc.queryInfo(d)
    expect(infoSent()).toBe(4)
    await dc.queryInfo(b)
    expect(infoSent()).toBe(5)
  })

  it('never holds more cached info results than the bound and keeps entries an observer holds', async () => {
    const { dc, net, queryClient, infoSent } = setup()
    const jids = peers(net, 20)
    const observed = must(jids[0])
    dc.infoCacheSize = 5
    // Cached results: an entry whose request is still on the wire holds none yet.
    const ours = () =>
      queryClient
        .getQueryCache()
        .findAll({ queryKey: ['xmpp-disco', ACCOUNT, 'info'] })
        .filter((q) => q.state.data !== undefined).length
    let most = 0
    const stopWatching = queryClient.getQueryCache().subscribe(() => {
      most = Math.max(most, ours())
    })
    const observer = new QueryObserver(queryClient, dc.infoQueryOptions(observed))
    const unsubscribe = observer.subscribe(() => {})
    await vi.waitFor(() => expect(observer.getCurrentResult().data).toBeDefined())
    for (const jid of jids.slice(1)) {
      await dc.queryInfo(jid)
      expect(dc.cacheSize.info).toBeLessThanOrEqual(5)
    }
    expect(infoSent()).toBe(20)
    expect(most).toBe(5)
    expect(ours()).toBe(5)
    expect(dc.cacheSize.info).toBe(5)
    // The observed entry survived 19 newer ones; the oldest unobserved ones did not.
    expect(queryClient.getQueryData(dc.infoQueryOptions(observed).queryKey)).toBeDefined()
    await dc.queryInfo(observed)
    expect(infoSent()).toBe(20)
    await dc.queryInfo(must(jids[1]))
    expect(infoSent()).toBe(21)
    unsubscribe()
    stopWatching()
  })

  it('evicts down to a lowered infoCacheSize at once', async () => {
    const { dc, net } = setup()
    for (const jid of peers(net, 4)) await dc.queryInfo(jid)
    expect(dc.cacheSize.info).toBe(4)
    dc.infoCacheSize = 2
    expect(dc.cacheSize.info).toBe(2)
    expect(dc.infoCacheSize).toBe(2)
  })

  it('has the reference default sizes', () => {
    const { dc } = setup()
    expect(dc.infoCacheSize).toBe(10_000)
    expect(dc.itemsCacheSize).toBe(100)
  })

  it('bounds the items cache by itemsCacheSize, separately from the info cache', async () => {
    const { dc, net, itemsSent } = setup()
    const [a, b, c] = peers(net, 3) as [string, string, string]
    dc.itemsCacheSize = 2
    dc.infoCacheSize = 1
    await dc.queryItems(a)
    await dc.queryItems(b)
    await dc.queryInfo(a)
    await dc.queryInfo(b)
    expect(dc.cacheSize).toEqual({ info: 1, items: 2 })
    await dc.queryItems(a) // b is now the least recently used
    await dc.queryItems(c)
    expect(dc.cacheSize.items).toBe(2)
    expect(itemsSent()).toBe(3)
    await dc.queryItems(a)
    expect(itemsSent()).toBe(3)
    await dc.queryItems(b)
    expect(itemsSent()).toBe(4)
  })
})

describe('DiscoClient timeouts and aborts', () => {
  it('rejects with TimeoutError after the timeout, clears the timer and abandons the IQ', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { dc, matcher, captureRequests } = setup()
    captureRequests()
    const query = track(dc.queryInfo(BOB, { timeout: 1000 }))
    await vi.advanceTimersByTimeAsync(999)
    expect(query.state).toBe('pending')
    expect(matcher.pendingCount).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(query.state).toBe('rejected')
    expect(query.error).toBeInstanceOf(TimeoutError)
    expect(query.error).toMatchObject({ timeout: 1000 })
    expect(vi.getTimerCount()).toBe(0)
    expect(matcher.pendingCount).toBe(0)
  })

  it('times out after 30000 ms when no timeout is given', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { dc, captureRequests } = setup()
    captureRequests()
    const query = track(dc.queryInfo(BOB))
    await vi.advanceTimersByTimeAsync(DEFAULT_TIMEOUT - 1)
    expect(query.state).toBe('pending')
    await vi.advanceTimersByTimeAsync(1)
    expect(query.error).toBeInstanceOf(TimeoutError)
    expect(DEFAULT_TIMEOUT).toBe(30_000)
  })

  it.each([
    ['a result', { node: undefined }],
    ['an IQ error', { node: 'missing' }],
    ['a malformed result', { node: 'malformed' }],
  ])('clears the timeout timer when the query settles with %s', async (_what, { node }) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { dc, net, alice } = setup()
    if (node === 'malformed') {
      net.interceptor = (stanza) => {
        if (stanza.attrs.type === 'get') {
          alice.receive(reply(stanza, xml('query', { xmlns: NS_DISCO_INFO, node: 'malformed' })))
          return null
        }
        return stanza
      }
    }
    const query = track(dc.queryInfo(BOB, { timeout: 5000, ...(node === undefined ? {} : { node }) }))
    expect(vi.getTimerCount()).toBe(1)
    await vi.waitFor(() => expect(query.state).not.toBe('pending'))
    expect(query.state).toBe(node === undefined ? 'fulfilled' : 'rejected')
    expect(vi.getTimerCount()).toBe(0)
  })

  it('clears the timeout timer when the caller aborts', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { dc, captureRequests } = setup()
    captureRequests()
    const controller = new AbortController()
    const query = track(dc.queryInfo(BOB, { timeout: 5000, signal: controller.signal }))
    expect(vi.getTimerCount()).toBe(1)
    controller.abort()
    await vi.waitFor(() => expect(query.state).toBe('rejected'))
    expect(vi.getTimerCount()).toBe(0)
  })

  it('clears the timeout timer of a caller waiting on a setInfoFuture future', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { dc } = setup()
    let resolve: (value: DiscoInfo) => void = () => {}
    dc.setInfoFuture(BOB, undefined, new Promise<DiscoInfo>((r) => (resolve = r)))
    const query = track(dc.queryInfo(BOB, { timeout: 5000 }))
    expect(vi.getTimerCount()).toBe(1)
    resolve(info())
    await vi.waitFor(() => expect(query.state).toBe('fulfilled'))
    expect(vi.getTimerCount()).toBe(0)
  })

  it('times out one caller while the others sharing the IQ still get the reply', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { dc, alice, matcher, infoSent, holdReplies } = setup()
    const held = holdReplies()
    const impatient = track(dc.queryInfo(BOB, { timeout: 100 }))
    const patient = track(dc.queryInfo(BOB, { timeout: 10_000 }))
    await vi.waitFor(() => expect(held).toHaveLength(1))
    await vi.advanceTimersByTimeAsync(100)
    expect(impatient.error).toBeInstanceOf(TimeoutError)
    expect(matcher.pendingCount).toBe(1)
    alice.receive(must(held[0]))
    await vi.waitFor(() => expect(patient.state).toBe('fulfilled'))
    expect(infoSent()).toBe(1)
    expect(vi.getTimerCount()).toBe(0)
  })

  it("rejects an aborted caller with the signal's reason while the others get the reply", async () => {
    const { dc, alice, infoSent, queryClient, infoKey, holdReplies } = setup()
    const held = holdReplies()
    const withReason = new AbortController()
    const withoutReason = new AbortController()
    const reason = new Error('user left the page')
    const first = track(dc.queryInfo(BOB, { signal: withReason.signal }))
    const second = track(dc.queryInfo(BOB, { signal: withoutReason.signal }))
    const third = track(dc.queryInfo(BOB))
    await vi.waitFor(() => expect(held).toHaveLength(1))
    withReason.abort(reason)
    withoutReason.abort()
    await vi.waitFor(() => expect(second.state).toBe('rejected'))
    expect(first.error).toBe(reason)
    expect(second.error).toMatchObject({ name: 'AbortError' })
    alice.receive(must(held[0]))
    await vi.waitFor(() => expect(third.state).toBe('fulfilled'))
    expect(third.value?.features).toContain('urn:example:v1')
    expect(infoSent()).toBe(1)
    expect(queryClient.getQueryData(infoKey(BOB))).toEqual(third.value)
  })

  it('abandons the IQ only when every caller sharing it has aborted, and a late reply then changes nothing', async () => {
    const { dc, alice, matcher, infoSent, queryClient, infoKey, holdReplies } = setup()
    const held = holdReplies()
    const one = new AbortController()
    const two = new AbortController()
    const first = track(dc.queryInfo(BOB, { signal: one.signal }))
    const second = track(dc.queryInfo(BOB, { signal: two.signal }))
    await vi.waitFor(() => expect(held).toHaveLength(1))
    one.abort()
    await settle()
    expect(first.state).toBe('rejected')
    expect(matcher.pendingCount).toBe(1)
    two.abort()
    await settle()
    expect(second.state).toBe('rejected')
    expect(matcher.pendingCount).toBe(0)
    alice.receive(must(held[0]))
    await settle()
    expect(queryClient.getQueryData(infoKey(BOB))).toBeUndefined()
    expect(dc.cacheSize.info).toBe(0)
    // The abandoned request is not joined: the next call sends again.
    const next = track(dc.queryInfo(BOB))
    expect(infoSent()).toBe(2)
    await vi.waitFor(() => expect(held).toHaveLength(2))
    alice.receive(must(held[1]))
    await vi.waitFor(() => expect(next.state).toBe('fulfilled'))
  })

  it('keeps the IQ for a caller that joins in the same task as the last one leaves', async () => {
    const { dc, alice, infoSent, matcher, holdReplies } = setup()
    const held = holdReplies()
    const controller = new AbortController()
    const leaving = track(dc.queryInfo(BOB, { signal: controller.signal }))
    controller.abort()
    const coming = track(dc.queryInfo(BOB))
    expect(infoSent()).toBe(1)
    await vi.waitFor(() => expect(held).toHaveLength(1))
    expect(leaving.state).toBe('rejected')
    expect(matcher.pendingCount).toBe(1)
    alice.receive(must(held[0]))
    await vi.waitFor(() => expect(coming.state).toBe('fulfilled'))
  })

  it('sends nothing for an already-aborted signal', async () => {
    const { dc, infoSent, itemsSent } = setup()
    const reason = new Error('already gone')
    await expect(dc.queryInfo(BOB, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    await expect(dc.queryItems(BOB, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' })
    await expect(dc.queryInfo(BOB, { signal: AbortSignal.abort(), requireFresh: true })).rejects.toMatchObject({ name: 'AbortError' })
    await settle()
    expect(infoSent()).toBe(0)
    expect(itemsSent()).toBe(0)
  })
})

describe('DiscoClient and the XMPP session', () => {
  it('rejects pending queries with DisconnectedError and flushes the cache when the session ends', async () => {
    const { dc, alice, net, infoSent, queryClient, infoKey, holdReplies } = setup()
    await dc.queryInfo(BOB)
    const held = holdReplies()
    const pending = track(dc.queryInfo(BOB, { node: 'x' }))
    const pendingItems = track(dc.queryItems(BOB))
    await vi.waitFor(() => expect(held).toHaveLength(2))
    alice.goOffline()
    await vi.waitFor(() => expect(pendingItems.state).toBe('rejected'))
    expect(pending.error).toBeInstanceOf(DisconnectedError)
    expect(pendingItems.error).toBeInstanceOf(DisconnectedError)
    expect(queryClient.getQueryData(infoKey(BOB))).toBeUndefined()
    expect(dc.cacheSize).toEqual({ info: 0, items: 0 })
    alice.goOnline()
    net.interceptor = undefined
    await dc.queryInfo(BOB)
    expect(infoSent()).toBe(3)
  })

  it('rejects a query made while offline with DisconnectedError', async () => {
    const { dc, alice } = setup()
    alice.goOffline()
    await expect(dc.queryInfo(BOB)).rejects.toBeInstanceOf(DisconnectedError)
    alice.goOnline()
    await expect(dc.queryInfo(BOB)).resolves.toMatchObject({ features: expect.arrayContaining(['urn:example:v1']) })
  })

  it("ends the old session when a new session's 'online' follows a disconnect", async () => {
    const { dc, alice, queryClient, infoKey, holdReplies } = setup()
    setStreamManagement(alice, Object.assign(new EventEmitter(), { id: 'sm1', enabled: true }))
    await dc.queryInfo(BOB)
    const held = holdReplies()
    const pending = track(dc.queryInfo(BOB, { node: 'x' }))
    await vi.waitFor(() => expect(held).toHaveLength(1))
    alice.status = 'disconnect'
    alice.emit('disconnect', { clean: false })
    await settle()
    expect(pending.state).toBe('pending')
    expect(queryClient.getQueryData(infoKey(BOB))).toBeDefined()
    // Resumption failed: xmpp.js binds a new session and emits 'online'.
    alice.goOnline()
    await vi.waitFor(() => expect(pending.state).toBe('rejected'))
    expect(pending.error).toBeInstanceOf(DisconnectedError)
    expect(queryClient.getQueryData(infoKey(BOB))).toBeUndefined()
    // The held reply belongs to the old session.
    alice.receive(must(held[0]))
    await settle()
    expect(queryClient.getQueryData(infoKey(BOB, 'x'))).toBeUndefined()
  })

  it('keeps pending queries and the cache across a resumed XEP-0198 session', async () => {
    const { dc, alice, infoSent, queryClient, infoKey, holdReplies } = setup()
    const sm = Object.assign(new EventEmitter(), { id: 'sm1', enabled: true })
    setStreamManagement(alice, sm)
    const cached = await dc.queryInfo(BOB)
    const held = holdReplies()
    const pending = track(dc.queryItems(BOB))
    await vi.waitFor(() => expect(held).toHaveLength(1))
    alice.status = 'disconnect'
    alice.emit('disconnect', { clean: false })
    await settle()
    expect(pending.state).toBe('pending')
    // xmpp.js resumes silently: status back to online, 'resumed' on the SM emitter, no 'online'.
    alice.status = 'online'
    sm.emit('resumed')
    alice.receive(must(held[0]))
    await vi.waitFor(() => expect(pending.state).toBe('fulfilled'))
    expect(pending.value).toEqual({ items: [] })
    expect(queryClient.getQueryData(infoKey(BOB))).toEqual(cached)
    await dc.queryInfo(BOB)
    expect(infoSent()).toBe(1)
  })

  it('ignores a late reply from an old session', async () => {
    const { dc, alice, net, infoSent, queryClient, infoKey, holdReplies } = setup()
    const held = holdReplies()
    const pending = track(dc.queryInfo(BOB))
    await vi.waitFor(() => expect(held).toHaveLength(1))
    alice.goOffline()
    alice.goOnline()
    await vi.waitFor(() => expect(pending.state).toBe('rejected'))
    alice.receive(must(held[0]))
    await settle()
    expect(queryClient.getQueryData(infoKey(BOB))).toBeUndefined()
    net.interceptor = undefined
    await dc.queryInfo(BOB)
    expect(infoSent()).toBe(2)
  })
})

describe('DiscoClient reply matching', () => {
  it('ignores a spoofed reply with the right id from the wrong sender, and the real reply still resolves the query', async () => {
    const { dc, alice, queryClient, infoKey, holdReplies } = setup()
    const held = holdReplies()
    const query = track(dc.queryInfo(BOB))
    const request = must(alice.sentQueries(NS_DISCO_INFO).at(-1))
    alice.receive(reply(request, infoToXml(info('urn:evil')), { from: 'mallory@example.org/m' }))
    alice.receive(reply(request, errorPayload('cancel', 'item-not-found'), { from: 'bob@example.org', type: 'error' }))
    await settle()
    expect(query.state).toBe('pending')
    expect(queryClient.getQueryData(infoKey(BOB))).toBeUndefined()
    await vi.waitFor(() => expect(held).toHaveLength(1))
    alice.receive(must(held[0]))
    await vi.waitFor(() => expect(query.state).toBe('fulfilled'))
    expect(query.value?.features).not.toContain('urn:evil')
    expect(query.value?.features).toContain('urn:example:v1')
    expect(queryClient.getQueryData<DiscoInfo>(infoKey(BOB))?.features).not.toContain('urn:evil')
  })

  it.each([
    ['our own bare JID', ACCOUNT],
    ['our domain', 'example.org'],
  ])('accepts a reply without from to a query for %s', async (_what, jid) => {
    const { dc, alice, queryClient, infoKey, captureRequests } = setup()
    const requests = captureRequests()
    const query = dc.queryInfo(jid)
    alice.receive(reply(must(requests[0]), infoToXml(info('urn:example:server')), { from: null }))
    await expect(query).resolves.toEqual(info('urn:example:server'))
    expect(queryClient.getQueryData(infoKey(jid))).toEqual(info('urn:example:server'))
  })

  it('ignores a reply without from to a query for another entity', async () => {
    const { dc, alice, queryClient, infoKey, captureRequests } = setup()
    const requests = captureRequests()
    const query = track(dc.queryInfo(BOB))
    alice.receive(reply(must(requests[0]), infoToXml(info('urn:evil')), { from: null }))
    alice.receive(reply(must(requests[0]), infoToXml(info('urn:evil')), { from: `${ACCOUNT}/a` }))
    await settle()
    expect(query.state).toBe('pending')
    expect(queryClient.getQueryData(infoKey(BOB))).toBeUndefined()
    alice.receive(reply(must(requests[0]), infoToXml(info('urn:example:real'))))
    await vi.waitFor(() => expect(query.state).toBe('fulfilled'))
    expect(query.value).toEqual(info('urn:example:real'))
  })

  it('accepts a reply whose from differs only in the case of the localpart and domain', async () => {
    const { dc, alice, captureRequests } = setup()
    const requests = captureRequests()
    const query = dc.queryInfo(BOB)
    alice.receive(reply(must(requests[0]), infoToXml(info()), { from: 'Bob@EXAMPLE.org/b' }))
    await expect(query).resolves.toEqual(info())
  })
  it("accepts a reply from the server's form of the JID asked, in other Unicode forms", async () => {
    const { dc, alice, captureRequests } = setup()
    const requests = captureRequests()
    // Written decomposed and in fullwidth letters: sent as RFC 7622 normalises them.
    const query = dc.queryInfo('Cafe\u0301@example.org/\uff58')
    expect(must(requests[0]).attrs.to).toBe('caf\u00e9@example.org/\uff58')
    // A stringprep server (Prosody 0.12, ejabberd) maps the resource with NFKC: the reply comes from '.../x'.
    alice.receive(reply(must(requests[0]), infoToXml(info()), { from: 'caf\u00e9@example.org/x' }))
    await expect(query).resolves.toEqual(info())
  })

  it("ignores a reply from another resource that is only another resource's NFKC form", async () => {
    const { dc, alice, captureRequests } = setup()
    const requests = captureRequests()
    const query = track(dc.queryInfo('bob@example.org/x'))
    // 'ｘ' maps to 'x', not the other way round: the asked 'x' is not answered for by 'ｘ'.
    alice.receive(reply(must(requests[0]), infoToXml(info('urn:evil')), { from: 'bob@example.org/\uff58' }))
    alice.receive(reply(must(requests[0]), infoToXml(info('urn:evil')), { from: 'mallory@example.org/x' }))
    await settle()
    expect(query.state).toBe('pending')
    alice.receive(reply(must(requests[0]), infoToXml(info())))
    await vi.waitFor(() => expect(query.state).toBe('fulfilled'))
    expect(query.value).toEqual(info())
  })
})

describe('DiscoClient validation of replies and input', () => {
  it.each([
    ['no identity', (q: XmlElement) => reply(q, xml('query', { xmlns: NS_DISCO_INFO }, xml('feature', { var: NS_DISCO_INFO })))],
    ['the wrong payload', (q: XmlElement) => reply(q, itemsToXml({ items: [] }))],
    ['no payload', (q: XmlElement) => reply(q, undefined)],
    ['another node', (q: XmlElement) => reply(q, infoToXml({ ...info(), node: 'other' }))],
    ['conflicting identity names', (q: XmlElement) =>
      reply(q, xml('query', { xmlns: NS_DISCO_INFO },
        xml('identity', { category: 'client', type: 'pc', name: 'A' }),
        xml('identity', { category: 'client', type: 'pc', name: 'B' })))],
  ])('rejects a result with %s as MalformedResponseError, caches nothing and sends again next time', async (_what, malformed) => {
    const { dc, alice, infoSent, queryClient, captureRequests } = setup()
    const requests = captureRequests()
    const node = 'n1'
    const first = dc.queryInfo(BOB, { node })
    const joined = dc.queryInfo(BOB, { node })
    alice.receive(malformed(must(requests[0])))
    const error = await first.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MalformedResponseError)
    await expect(joined).rejects.toBe(error)
    await settle()
    expect(queryClient.getQueryCache().findAll({ queryKey: ['xmpp-disco'] }).filter((q) => q.state.data !== undefined)).toEqual([])
    expect(dc.cacheSize.info).toBe(0)
    const second = dc.queryInfo(BOB, { node })
    expect(infoSent()).toBe(2)
    alice.receive(reply(must(requests[1]), infoToXml({ ...info(), node })))
    await expect(second).resolves.toEqual({ ...info(), node })
  })

  it('takes the asked node for a reply that does not echo it', async () => {
    const { dc, alice, captureRequests } = setup()
    const requests = captureRequests()
    const query = dc.queryInfo(BOB, { node: 'n1' })
    alice.receive(reply(must(requests[0]), infoToXml(info())))
    await expect(query).resolves.toEqual({ ...info(), node: 'n1' })
  })

  it('rejects an IQ error with a StanzaError carrying its condition, type and text', async () => {
    const { dc, alice, captureRequests } = setup()
    const requests = captureRequests()
    const query = dc.queryInfo(BOB)
    alice.receive(reply(must(requests[0]), errorPayload('auth', 'forbidden', 'not for you'), { type: 'error' }))
    const error = await query.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StanzaError)
    expect(error).toMatchObject({ condition: 'forbidden', type: 'auth', text: 'not for you' })
    expect((error as StanzaError).element?.name).toBe('error')
  })

  it('reads an unknown or missing error condition as undefined-condition', async () => {
    const { dc, alice, captureRequests } = setup()
    const requests = captureRequests()
    const unknown = dc.queryInfo(BOB)
    alice.receive(reply(must(requests[0]), errorPayload('cancel', 'made-up-condition'), { type: 'error' }))
    await expect(unknown).rejects.toMatchObject({ name: 'StanzaError', condition: 'undefined-condition', type: 'cancel' })
    const missing = dc.queryItems(BOB)
    alice.receive(reply(must(requests[1]), undefined, { type: 'error' }))
    await expect(missing).rejects.toMatchObject({ name: 'StanzaError', condition: 'undefined-condition' })
  })

  it.each(['', 'a@b@c', '@x', 'bob@/r', 'bob@example.org/'])('rejects with InvalidJidError for %j before sending anything', async (jid) => {
    const { dc, infoSent, itemsSent } = setup()
    await expect(dc.queryInfo(jid)).rejects.toThrow(InvalidJidError)
    await expect(dc.queryItems(jid)).rejects.toThrow(InvalidJidError)
    expect(() => dc.infoQueryOptions(jid)).toThrow(InvalidJidError)
    expect(() => dc.itemsQueryOptions(jid)).toThrow(InvalidJidError)
    expect(() => dc.setInfoCache(jid, undefined, info())).toThrow(InvalidJidError)
    expect(() => dc.setInfoFuture(jid, undefined, Promise.resolve(info()))).toThrow(InvalidJidError)
    expect(infoSent()).toBe(0)
    expect(itemsSent()).toBe(0)
    expect(dc.cacheSize).toEqual({ info: 0, items: 0 })
  })

  it('rejects with InvalidInputError for an empty node before sending anything', async () => {
    const { dc, infoSent, itemsSent } = setup()
    await expect(dc.queryInfo(BOB, { node: '' })).rejects.toThrow(InvalidInputError)
    await expect(dc.queryItems(BOB, { node: '' })).rejects.toThrow(InvalidInputError)
    expect(() => dc.infoQueryOptions(BOB, '')).toThrow(InvalidInputError)
    expect(() => dc.setInfoCache(BOB, '', info())).toThrow(InvalidInputError)
    expect(infoSent()).toBe(0)
    expect(itemsSent()).toBe(0)
  })
})

describe('DiscoClient and TanStack Query', () => {
  it("keys entries by ['xmpp-disco', account, kind, jid, node]", () => {
    const { dc } = setup()
    expect(dc.infoQueryOptions(BOB).queryKey).toEqual(['xmpp-disco', ACCOUNT, 'info', BOB, null])
    expect(dc.infoQueryOptions('example.org', 'n1').queryKey).toEqual(['xmpp-disco', ACCOUNT, 'info', 'example.org', 'n1'])
    expect(dc.itemsQueryOptions(BOB).queryKey).toEqual(['xmpp-disco', ACCOUNT, 'items', BOB, null])
    expect(dc.itemsQueryOptions(BOB, 'n2').queryKey).toEqual(['xmpp-disco', ACCOUNT, 'items', BOB, 'n2'])
  })

  it('shares one entry and one IQ between fetchQuery(infoQueryOptions) and queryInfo', async () => {
    const { dc, infoSent, queryClient } = setup()
    const [viaTanStack, viaClient] = await Promise.all([queryClient.fetchQuery(dc.infoQueryOptions(BOB)), dc.queryInfo(BOB)])
    expect(infoSent()).toBe(1)
    expect(viaClient).toEqual(viaTanStack)
    await dc.queryInfo(BOB)
    await queryClient.fetchQuery(dc.infoQueryOptions(BOB))
    expect(infoSent()).toBe(1)
    // And the other way round, for items.
    const [imperative, declarative] = await Promise.all([dc.queryItems(BOB), queryClient.fetchQuery(dc.itemsQueryOptions(BOB))])
    expect(declarative).toEqual(imperative)
    await queryClient.fetchQuery(dc.itemsQueryOptions(BOB))
    expect(current?.alice.sentQueries(NS_DISCO_ITEMS)).toHaveLength(1)
  })

  it('lets a QueryObserver see the data an imperative requireFresh query brings', async () => {
    const { dc, server, infoSent, queryClient } = setup()
    const observer = new QueryObserver(queryClient, dc.infoQueryOptions(BOB))
    const seen: (DiscoInfo | undefined)[] = []
    const unsubscribe = observer.subscribe((result) => seen.push(result.data))
    await vi.waitFor(() => expect(observer.getCurrentResult().data?.features).toContain('urn:example:v1'))
    expect(infoSent()).toBe(1)
    server.registerFeature('urn:example:v2')
    await dc.queryInfo(BOB, { requireFresh: true })
    await vi.waitFor(() => expect(observer.getCurrentResult().data?.features).toContain('urn:example:v2'))
    expect(seen.at(-1)?.features).toContain('urn:example:v2')
    expect(infoSent()).toBe(2)
    unsubscribe()
  })

  it('keeps the stored data object when a refetch brings an equal answer, and the unchanged parts of a different one', async () => {
    const { dc, server, queryClient, infoKey, itemsKey } = setup()
    server.registerIdentity('client', 'pc', { names: { '': 'Bob' } })
    server.registerForm({ type: 'result', fields: [{ var: 'FORM_TYPE', type: 'hidden', values: ['urn:example:form'] }, { var: 'v', values: ['1'] }] })
    const stored = (): DiscoInfo | undefined => queryClient.getQueryData(infoKey(BOB))
    await dc.queryInfo(BOB)
    const first = must(stored())
    await dc.queryInfo(BOB, { requireFresh: true })
    expect(stored()).toBe(first)
    server.registerFeature('urn:example:v2')
    await dc.queryInfo(BOB, { requireFresh: true })
    const second = must(stored())
    expect(second).not.toBe(first)
    expect(second.features).toContain('urn:example:v2')
    expect(second.identities).toBe(first.identities)
    expect(second.forms).toBe(first.forms)
    // Items too.
    await dc.queryItems(BOB)
    const items = queryClient.getQueryData(itemsKey(BOB))
    await dc.queryItems(BOB, { requireFresh: true })
    expect(queryClient.getQueryData(itemsKey(BOB))).toBe(items)
  })

  it('returns the same DiscoClient per xmpp client and QueryClient', () => {
    const { dc, alice, bob, queryClient } = setup()
    expect(DiscoClient.for(asXmpp(alice), { queryClient })).toBe(dc)
    expect(DiscoClient.for(asXmpp(alice), { queryClient })).toBe(DiscoClient.for(asXmpp(alice), { queryClient }))
    const other = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    expect(DiscoClient.for(asXmpp(alice), { queryClient: other })).not.toBe(dc)
    expect(DiscoClient.for(asXmpp(bob), { queryClient })).not.toBe(dc)
    expect(DiscoClient.for(asXmpp(alice))).toBe(DiscoClient.for(asXmpp(alice)))
    expect(dc.queryClient).toBe(queryClient)
  })

  it('normalises JIDs so that differently written addresses share one entry', async () => {
    const { dc, infoSent, queryClient, infoKey } = setup()
    const [upper, lower] = await Promise.all([dc.queryInfo('BOB@Example.org/b'), dc.queryInfo('bob@example.org/b')])
    expect(infoSent()).toBe(1)
    expect(upper).toEqual(lower)
    expect(dc.infoQueryOptions('BOB@EXAMPLE.ORG/b').queryKey).toEqual(infoKey(BOB))
    expect(queryClient.getQueryData(infoKey(BOB))).toEqual(lower)
    expect(must(current).alice.sentQueries(NS_DISCO_INFO)[0]?.attrs.to).toBe(BOB)
  })
})

describe('DiscoClient.queryItems', () => {
  it('sends one items IQ for concurrent queries and caches the result until flushed', async () => {
    const { dc, server, itemsSent, infoSent, queryClient, itemsKey } = setup()
    server.items.push({ jid: 'pubsub.example.org', name: 'PubSub' })
    const results = await Promise.all([dc.queryItems(BOB), dc.queryItems(BOB), dc.queryItems(BOB)])
    expect(itemsSent()).toBe(1)
    expect(infoSent()).toBe(0)
    const expected: DiscoItems = { items: [{ jid: 'pubsub.example.org', name: 'PubSub' }] }
    for (const r of results) expect(r).toEqual(expected)
    server.items.push({ jid: 'muc.example.org' })
    await expect(dc.queryItems(BOB)).resolves.toEqual(expected)
    expect(queryClient.getQueryData(itemsKey(BOB))).toEqual(expected)
    expect(itemsSent()).toBe(1)
    dc.flushCache()
    await expect(dc.queryItems(BOB)).resolves.toMatchObject({ items: [{ jid: 'pubsub.example.org' }, { jid: 'muc.example.org' }] })
    expect(itemsSent()).toBe(2)
  })

  it('sends a new items IQ on requireFresh, and later calls join it', async () => {
    const { dc, server, itemsSent } = setup()
    await dc.queryItems(BOB)
    server.items.push({ jid: 'muc.example.org' })
    const [fresh, joined] = await Promise.all([dc.queryItems(BOB, { requireFresh: true }), dc.queryItems(BOB)])
    expect(itemsSent()).toBe(2)
    expect(fresh).toEqual({ items: [{ jid: 'muc.example.org' }] })
    expect(joined).toEqual(fresh)
    await dc.queryItems(BOB)
    expect(itemsSent()).toBe(2)
  })

  it('shares an items error among its callers and never caches it', async () => {
    const { dc, server, itemsSent } = setup()
    const outcomes = await Promise.allSettled([dc.queryItems(BOB, { node: 'rooms' }), dc.queryItems(BOB, { node: 'rooms' })])
    expect(itemsSent()).toBe(1)
    expect(outcomes[0]).toMatchObject({ status: 'rejected', reason: { condition: 'item-not-found' } })
    expect(outcomes[1]).toEqual(outcomes[0])
    const node = new StaticNode()
    node.registerIdentity('conference', 'text')
    node.items.push({ jid: 'room@muc.example.org' })
    server.mountNode('rooms', node)
    await expect(dc.queryItems(BOB, { node: 'rooms' })).resolves.toEqual({ node: 'rooms', items: [{ jid: 'room@muc.example.org' }] })
    expect(itemsSent()).toBe(2)
  })

  it('rejects an items result for another node as MalformedResponseError', async () => {
    const { dc, alice, captureRequests } = setup()
    const requests = captureRequests()
    const query = dc.queryItems(BOB, { node: 'rooms' })
    alice.receive(reply(must(requests[0]), itemsToXml({ node: 'other', items: [] })))
    await expect(query).rejects.toBeInstanceOf(MalformedResponseError)
    expect(dc.cacheSize.items).toBe(0)
  })
})
