// DiscoClient across a session's life, over the in-memory network: flushes
// with observers, resumption and new sessions, unavailable peers, teardown,
// the cache bound with observed entries, and the app-input rules. DESIGN.md
// "Sessions and lifetime" is the specification.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { QueryClient, QueryObserver } from '@tanstack/query-core'
import xml from '@xmpp/xml'
import { ClientHooks } from '../../src/core/ClientHooks.js'
import { discoClientOf } from '../../src/core/DiscoClient.js'
import {
  DisconnectedError,
  DiscoClient,
  DiscoError,
  DiscoServer,
  InvalidInputError,
  InvalidJidError,
  NS_DISCO_INFO,
  ReplyMatcher,
  TimeoutError,
} from '../../src/core/index.js'
import type { DiscoInfo, XmlElement, XmppClient } from '../../src/core/index.js'
import { FakeNetwork } from '../helpers/fakeNetwork.js'
import type { FakeEntity } from '../helpers/fakeNetwork.js'

const ACCOUNT = 'alice@example.org'
const BOB = 'bob@example.org/b'
const asXmpp = (entity: FakeEntity): XmppClient => entity as unknown as XmppClient

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await tick()
}

let nets: FakeNetwork[] = []
afterEach(() => {
  vi.useRealTimers()
  for (const net of nets) expect(net.errors).toEqual([])
  nets = []
})

function setup() {
  const net = new FakeNetwork()
  nets.push(net)
  const alice = net.entity(`${ACCOUNT}/a`)
  const bob = net.entity(BOB)
  const server = DiscoServer.for(asXmpp(bob))
  server.registerFeature('urn:example:v1')
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  const dc = DiscoClient.for(asXmpp(alice), { queryClient })
  const key = (jid: string, kind: 'info' | 'items' = 'info', node: string | null = null) =>
    ['xmpp-disco', ACCOUNT, kind, jid, node] as const
  return {
    net,
    alice,
    bob,
    server,
    queryClient,
    dc,
    key,
    infoSent: () => alice.sentQueries(NS_DISCO_INFO).length,
    /** Replies to alice are held until the test delivers them (alice.receive). */
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
    /** Observes the disco#info of `jid` the way useDiscoInfo does. */
    observe(jid: string) {
      const observer = new QueryObserver(queryClient, dc.infoQueryOptions(jid))
      const results: { data?: DiscoInfo | undefined; status: string; fetchStatus: string }[] = []
      const unsubscribe = observer.subscribe((r) => results.push({ data: r.data, status: r.status, fetchStatus: r.fetchStatus }))
      return { observer, results, unsubscribe }
    },
  }
}

function presence(from: string, type?: string): XmlElement {
  return xml('presence', { from, to: `${ACCOUNT}/a`, type })
}

describe('flushCache', () => {
  it('refetches each observed entry once and removes the others', async () => {
    const { dc, net, server, queryClient, key, infoSent, observe } = setup()
    const carol = net.entity('carol@example.org/c')
    DiscoServer.for(asXmpp(carol)).registerFeature('urn:example:carol')
    const watched = observe(BOB)
    await vi.waitFor(() => expect(watched.observer.getCurrentResult().data).toBeDefined())
    await dc.queryInfo('carol@example.org/c')
    expect(infoSent()).toBe(2)

    server.registerFeature('urn:example:v2')
    dc.flushCache()
    // The unobserved entry is gone; the observed one fetches at once and shows the fresh data.
    expect(queryClient.getQueryData(key('carol@example.org/c'))).toBeUndefined()
    await vi.waitFor(() => expect(watched.observer.getCurrentResult().data?.features).toContain('urn:example:v2'))
    expect(infoSent()).toBe(3)
    await settle()
    expect(infoSent()).toBe(3)
    watched.unsubscribe()
  })

  it('ends a hook whose fetch was in flight with the answer asked after the flush', async () => {
    const { dc, alice, server, infoSent, holdReplies, observe } = setup()
    const held = holdReplies()
    const watched = observe(BOB)
    await vi.waitFor(() => expect(held).toHaveLength(1))
    server.registerFeature('urn:example:after-flush')
    dc.flushCache()
    await vi.waitFor(() => expect(held).toHaveLength(2))
    expect(infoSent()).toBe(2)
    // The answer from before the flush arrives first and is not stored.
    alice.receive(held[0] as XmlElement)
    await settle()
    expect(watched.observer.getCurrentResult().fetchStatus).toBe('fetching')
    alice.receive(held[1] as XmlElement)
    await vi.waitFor(() => expect(watched.observer.getCurrentResult().status).toBe('success'))
    expect(watched.observer.getCurrentResult().data?.features).toContain('urn:example:after-flush')
    expect(watched.observer.getCurrentResult().fetchStatus).toBe('idle')
    watched.unsubscribe()
  })

  it("finishes a fetchQuery of the query options in flight at the flush for its caller, without storing its answer", async () => {
    const { dc, alice, queryClient, key, holdReplies } = setup()
    const held = holdReplies()
    const fetched = queryClient.fetchQuery(dc.infoQueryOptions(BOB)).catch((e: unknown) => e)
    await vi.waitFor(() => expect(held).toHaveLength(1))
    dc.flushCache()
    alice.receive(held[0] as XmlElement)
    expect(await fetched).toMatchObject({ features: expect.arrayContaining(['urn:example:v1']) })
    await settle()
    expect(queryClient.getQueryData(key(BOB))).toBeUndefined()
  })

  it('ends a hook that came after the flush, while a fetchQuery from before it was in flight, with an answer asked after the flush', async () => {
    const { dc, alice, server, queryClient, holdReplies, observe } = setup()
    const held = holdReplies()
    const fetched = queryClient.fetchQuery(dc.infoQueryOptions(BOB)).catch((e: unknown) => e)
    await vi.waitFor(() => expect(held).toHaveLength(1))
    dc.flushCache()
    server.registerFeature('urn:example:after-flush')
    const watched = observe(BOB)
    alice.receive(held[0] as XmlElement)
    expect(await fetched).toMatchObject({ features: expect.not.arrayContaining(['urn:example:after-flush']) })
    await vi.waitFor(() => expect(held).toHaveLength(2))
    alice.receive(held[1] as XmlElement)
    await vi.waitFor(() => expect(watched.observer.getCurrentResult().data?.features).toContain('urn:example:after-flush'))
    expect(watched.observer.getCurrentResult().fetchStatus).toBe('idle')
    watched.unsubscribe()
  })
})

describe('observers coming and going', () => {
  it('stores the answer of a query a hook watched for a while and left before the reply', async () => {
    const { dc, alice, queryClient, key, infoSent, holdReplies, observe } = setup()
    const held = holdReplies()
    const asked = dc.queryInfo(BOB)
    await vi.waitFor(() => expect(held).toHaveLength(1))
    // A hook mounts while the query is on the wire (it joins it) and unmounts before the reply.
    const watched = observe(BOB)
    await settle()
    watched.unsubscribe()
    await settle()
    alice.receive(held[0] as XmlElement)
    expect((await asked).features).toContain('urn:example:v1')
    expect(queryClient.getQueryData(key(BOB))).toEqual(await asked)
    await dc.queryInfo(BOB)
    expect(infoSent()).toBe(1)
  })
})

describe('sessions', () => {
  it('keeps a resumed session: pending queries resolve, the cache stays, new queries go out', async () => {
    const { dc, alice, infoSent, holdReplies } = setup()
    await dc.queryInfo(BOB)
    const held = holdReplies()
    const pending = dc.queryInfo(BOB, { node: 'x' }).catch((e: unknown) => e)
    await vi.waitFor(() => expect(held).toHaveLength(1))
    alice.dropConnection()
    await settle()
    alice.resume()
    alice.receive(held[0] as XmlElement)
    expect(await pending).not.toBeInstanceOf(DisconnectedError)
    await dc.queryInfo(BOB)
    expect(infoSent()).toBe(2)
  })

  it('rejects pending queries, flushes and refetches observed entries when a new session begins', async () => {
    const { dc, alice, server, infoSent, holdReplies, observe } = setup()
    const watched = observe(BOB)
    await vi.waitFor(() => expect(watched.observer.getCurrentResult().data).toBeDefined())
    const held = holdReplies()
    const pending = dc.queryInfo(BOB, { node: 'x' }).catch((e: unknown) => e)
    await vi.waitFor(() => expect(held).toHaveLength(1))
    alice.dropConnection()
    server.registerFeature('urn:example:new-session')
    // Resumption failed: xmpp.js binds a new session.
    alice.goOnline()
    expect(await pending).toBeInstanceOf(DisconnectedError)
    await vi.waitFor(() => expect(held).toHaveLength(2))
    alice.receive(held[1] as XmlElement)
    await vi.waitFor(() => expect(watched.observer.getCurrentResult().data?.features).toContain('urn:example:new-session'))
    expect(infoSent()).toBe(3)
    watched.unsubscribe()
  })

  it("settles the app's own fetches of unobserved entries when a new session begins: DisconnectedError for one on the wire, the new session's answer for one waiting for it, never TanStack's CancelledError", async () => {
    const { net, dc, alice, queryClient, holdReplies } = setup()
    const outcome = (promise: Promise<unknown>) => promise.then((info) => (info as DiscoInfo).features, (error: unknown) => error)
    const held = holdReplies()
    const onTheWire = outcome(queryClient.fetchQuery(dc.infoQueryOptions(BOB, 'x')))
    const queried = dc.queryInfo(BOB, { node: 'y' }).catch((e: unknown) => e)
    // Joins the fetch under way that stores the answer of queryInfo.
    const joined = outcome(queryClient.fetchQuery({ ...dc.infoQueryOptions(BOB, 'y'), staleTime: 0 }))
    await vi.waitFor(() => expect(held).toHaveLength(2))
    alice.dropConnection()
    const waiting = outcome(queryClient.fetchQuery(dc.infoQueryOptions(BOB, undefined, { waitForSession: true })))
    // Resumption failed: xmpp.js binds a new session.
    net.interceptor = undefined
    alice.goOnline()
    expect(await onTheWire).toBeInstanceOf(DisconnectedError)
    expect(await queried).toBeInstanceOf(DisconnectedError)
    expect(await joined).toBeInstanceOf(DisconnectedError)
    expect(await waiting).toContain('urn:example:v1')
    // Failed ones hold no answer: nothing ended up cached from the old session.
    expect(queryClient.getQueryData(dc.infoQueryOptions(BOB, 'x').queryKey)).toBeUndefined()
  })

  it("lands a fetch made through the query options while the session is down in the new session, and rejects one of the old session's with DisconnectedError", async () => {
    const { dc, alice, server, queryClient, holdReplies, observe } = setup()
    for (const mountpoint of ['old', 'gap']) {
      const node = server.declaredNode(mountpoint)
      node.registerIdentity('client', 'pc')
      server.mountNode(mountpoint, node)
    }
    // Attached: the end of the session flushes this client's entries.
    const watched = observe(BOB)
    await vi.waitFor(() => expect(watched.observer.getCurrentResult().data).toBeDefined())
    const held = holdReplies()
    const old = queryClient.fetchQuery(dc.infoQueryOptions(BOB, 'old', { waitForSession: true })).catch((e: unknown) => e)
    await vi.waitFor(() => expect(alice.sentQueries(NS_DISCO_INFO).some((q) => q.getChild('query')?.attrs.node === 'old')).toBe(true))
    alice.dropConnection()
    server.registerFeature('urn:example:new-session')
    const options = dc.infoQueryOptions(BOB, 'gap', { waitForSession: true })
    const gap = queryClient.fetchQuery(options).catch((e: unknown) => e)
    // Resumption failed: xmpp.js binds a new session.
    alice.goOnline()
    expect(await old).toBeInstanceOf(DisconnectedError)
    await vi.waitFor(() => expect(held.some((r) => r.getChild('query')?.attrs.node === 'gap')).toBe(true))
    for (const reply of held.splice(0)) alice.receive(reply)
    expect(await gap).toMatchObject({ node: 'gap' })
    expect(queryClient.getQueryData(options.queryKey)).toMatchObject({ node: 'gap' })
    // The old session's entry is gone, as a flush leaves what nobody observes.
    expect(queryClient.getQueryCache().find({ queryKey: dc.infoQueryOptions(BOB, 'old').queryKey })).toBeUndefined()
    watched.unsubscribe()
  })

  it('rejects a query made while disconnected with DisconnectedError and sends nothing', async () => {
    const { dc, alice, infoSent } = setup()
    alice.dropConnection()
    await expect(dc.queryInfo(BOB)).rejects.toBeInstanceOf(DisconnectedError)
    expect(infoSent()).toBe(0)
  })
})

describe('unavailable peers', () => {
  it('stops serving the info of a full JID that went unavailable and refetches an observed one when it is back', async () => {
    const { dc, alice, net, infoSent, observe, queryClient, key } = setup()
    const carol = 'carol@example.org/c'
    DiscoServer.for(asXmpp(net.entity(carol)))
    await dc.queryInfo(carol)
    const watched = observe(BOB)
    await vi.waitFor(() => expect(watched.observer.getCurrentResult().data).toBeDefined())
    expect(infoSent()).toBe(2)

    alice.receive(presence(carol, 'unavailable'))
    alice.receive(presence(BOB, 'unavailable'))
    await settle()
    expect(queryClient.getQueryData(key(carol))).toBeUndefined()
    expect(watched.observer.getCurrentResult().isStale).toBe(true)
    // Not refetched while the peer is away.
    expect(infoSent()).toBe(2)
    await dc.queryInfo(carol)
    expect(infoSent()).toBe(3)

    alice.receive(presence(BOB))
    await vi.waitFor(() => expect(infoSent()).toBe(4))
    await vi.waitFor(() => expect(watched.observer.getCurrentResult().isStale).toBe(false))
    watched.unsubscribe()
  })

  it('leaves bare JIDs and other peers alone', async () => {
    const { dc, alice, net, infoSent } = setup()
    DiscoServer.for(asXmpp(net.entity('example.org')))
    await dc.queryInfo('example.org')
    await dc.queryInfo(BOB)
    alice.receive(presence('carol@example.org/c', 'unavailable'))
    alice.receive(presence('example.org', 'unavailable'))
    await settle()
    await dc.queryInfo('example.org')
    await dc.queryInfo(BOB)
    expect(infoSent()).toBe(2)
  })
})

describe('the cache bound', () => {
  it('never evicts an entry a new observer is about to attach to, even when the bound is full of observed entries', async () => {
    const { dc, net, queryClient, infoSent } = setup()
    dc.infoCacheSize = 2
    const jids = ['c1', 'c2', 'c3'].map((name) => {
      const jid = `${name}@example.org/x`
      DiscoServer.for(asXmpp(net.entity(jid)))
      return jid
    })
    const observers = jids.map((jid) => new QueryObserver(queryClient, dc.infoQueryOptions(jid)))
    const unsubscribes = observers.map((o) => o.subscribe(() => {}))
    await vi.waitFor(() => expect(observers.every((o) => o.getCurrentResult().data !== undefined)).toBe(true))
    expect(infoSent()).toBe(3)
    // Three observed targets with room for two: all are kept and shared with imperative calls.
    for (const jid of jids) await dc.queryInfo(jid)
    expect(infoSent()).toBe(3)
    for (const [i, jid] of jids.entries()) {
      expect(queryClient.getQueryCache().find({ queryKey: ['xmpp-disco', ACCOUNT, 'info', jid, null], exact: true })).toBe(
        observers[i]?.getCurrentQuery(),
      )
    }
    for (const unsubscribe of unsubscribes) unsubscribe()
    expect(dc.cacheSize.info).toBe(2)
  })
})

describe('teardown', () => {
  it('removes every listener it installed on dispose, and DiscoClient.for makes a fresh client', async () => {
    const net = new FakeNetwork()
    nets.push(net)
    const alice = net.entity(`${ACCOUNT}/a`)
    DiscoServer.for(asXmpp(net.entity(BOB)))
    const queryClient = new QueryClient()
    const cache = queryClient.getQueryCache() as unknown as { listeners: Set<unknown> }
    const before = {
      cache: cache.listeners.size,
      taps: ClientHooks.of(asXmpp(alice)).attached.taps,
      events: ['status', 'online', 'disconnect', 'offline', 'nonza'].map((e) => alice.listenerCount(e)),
    }
    for (let round = 0; round < 20; round++) {
      const dc = DiscoClient.for(asXmpp(alice), { queryClient })
      await dc.queryInfo(BOB, { requireFresh: true })
      dc.dispose()
      expect(dc.disposed).toBe(true)
      expect(DiscoClient.for(asXmpp(alice), { queryClient })).not.toBe(dc)
      DiscoClient.for(asXmpp(alice), { queryClient }).dispose()
    }
    expect(cache.listeners.size).toBe(before.cache)
    expect(ClientHooks.of(asXmpp(alice)).attached.taps).toBe(before.taps)
    expect(['status', 'online', 'disconnect', 'offline', 'nonza'].map((e) => alice.listenerCount(e))).toEqual(before.events)
    expect(ReplyMatcher.for(asXmpp(alice)).pendingCount).toBe(0)
    expect(queryClient.getQueryCache().getAll()).toEqual([])
  })

  it('rejects what was pending with DisconnectedError on dispose and refuses later calls', async () => {
    const { dc, holdReplies } = setup()
    const held = holdReplies()
    const pending = dc.queryInfo(BOB).catch((e: unknown) => e)
    await vi.waitFor(() => expect(held).toHaveLength(1))
    dc.dispose()
    expect(await pending).toBeInstanceOf(DisconnectedError)
    await expect(dc.queryInfo(BOB)).rejects.toBeInstanceOf(DiscoError)
    expect(() => dc.flushCache()).toThrow(DiscoError)
  })

  it('disposes a mounted client when its last holder lets go, but not one obtained with for()', async () => {
    const net = new FakeNetwork()
    nets.push(net)
    const alice = asXmpp(net.entity(`${ACCOUNT}/a`))
    const queryClient = new QueryClient()
    const mounted = discoClientOf(alice, { queryClient })
    const first = mounted.mount()
    first()
    // StrictMode's remount within the same task keeps it.
    const second = mounted.mount()
    await settle(1)
    expect(mounted.disposed).toBe(false)
    second()
    await settle(1)
    expect(mounted.disposed).toBe(true)

    const held = DiscoClient.for(alice, { queryClient })
    held.mount()()
    await settle(1)
    expect(held.disposed).toBe(false)
  })
})

describe('app input', () => {
  it.each([
    ['NaN', Number.NaN],
    ['zero', 0],
    ['a negative number', -5],
    ['a string', '100'],
  ])('rejects a timeout of %s with InvalidInputError and sends nothing', async (_what, timeout) => {
    const { dc, infoSent } = setup()
    await expect(dc.queryInfo(BOB, { timeout: timeout as number })).rejects.toBeInstanceOf(InvalidInputError)
    await expect(dc.queryItems(BOB, { timeout: timeout as number })).rejects.toBeInstanceOf(InvalidInputError)
    expect(() => dc.infoQueryOptions(BOB, undefined, { timeout: timeout as number })).toThrow(InvalidInputError)
    expect(infoSent()).toBe(0)
  })

  it('waits without a timer for timeout: Infinity', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { dc, alice, holdReplies } = setup()
    const held = holdReplies()
    let settled = false
    const query = dc.queryInfo(BOB, { timeout: Infinity }).finally(() => (settled = true))
    await settle()
    expect(held).toHaveLength(1)
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(10 * 24 * 3600 * 1000)
    expect(settled).toBe(false)
    alice.receive(held[0] as XmlElement)
    await expect(query).resolves.toMatchObject({ features: expect.arrayContaining(['urn:example:v1']) })
  })

  it('waits the whole of a timeout beyond what setTimeout holds (2^31 ms)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { dc, alice, holdReplies } = setup()
    const held = holdReplies()
    const outcome = dc.queryInfo(BOB, { timeout: 2 ** 31 }).catch((e: unknown) => e)
    // (settle, not vi.waitFor: that one moves the fake clock on.)
    await settle()
    expect(held).toHaveLength(1)
    let done = false
    void outcome.then(() => (done = true))
    await vi.advanceTimersByTimeAsync(2 ** 31 - 1)
    expect(done).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(await outcome).toBeInstanceOf(TimeoutError)
    alice.receive(held[0] as XmlElement)
  })

  it.each([
    ['an array holding a JID', ['bob@example.org/b']],
    ['a plain object with toString', { toString: () => 'bob@example.org/b' }],
    ['a number', 42],
  ])('rejects %s as the jid with InvalidJidError and sends nothing', async (_what, jid) => {
    const { dc, infoSent } = setup()
    await expect(dc.queryInfo(jid as never)).rejects.toBeInstanceOf(InvalidJidError)
    await expect(dc.queryItems(jid as never)).rejects.toBeInstanceOf(InvalidJidError)
    expect(infoSent()).toBe(0)
  })
})
