// @vitest-environment jsdom
// An app that runs all day on a phone, through a real server (Prosody with
// smacks, ejabberd with mod_stream_mgmt; XMPP_TEST_SERVER picks which): its
// connection drops again and again, each drop followed by a XEP-0198
// resumption or, when the server has given the session up, a new session;
// hooks stay mounted, entity capabilities are on and queries are made across
// the drops. Whatever the library holds per drop must not pile up: what it
// holds after the 50th drop is what it held after the first, and once the
// providers are unmounted and the client is stopped none of it remains.
import type { Query, QueryCache, QueryClient as QueryClientType } from '@tanstack/react-query'
import { QueryClient } from '@tanstack/react-query'
import { xml } from '@xmpp/client'
import { cleanup, render, screen, waitFor } from '@testing-library/react'
import { StrictMode } from 'react'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClientHooks } from '../../src/core/ClientHooks.js'
import { discoClientOf } from '../../src/core/DiscoClient.js'
import { PRESENCE_WAIT } from '../../src/core/caps/PresenceWindow.js'
import { Session } from '../../src/core/Session.js'
import { DiscoError, DiscoEvents, DiscoServer, ReplyMatcher } from '../../src/core/index.js'
import type { DiscoEvent, XmppClient } from '../../src/core/index.js'
import { EntityCaps, entityCaps } from '../../src/core/caps/index.js'
import { DiscoProvider, Feature, useDiscoInfo, useDiscoItems, useHasFeature } from '../../src/react/index.js'
import { serverName, startServer } from '../helpers/server.js'
import type { TestServer } from '../helpers/server.js'
import { clientErrors, connectClient, stopClient } from '../helpers/xmppClient.js'
import { slowNode } from '../helpers/slowNode.js'
import type { Client } from '../helpers/xmppClient.js'

const asXmpp = (c: Client) => c as unknown as XmppClient
const users = ['alice', 'bob'].map((username) => ({ username, password: `${username}-pw` }))
const CYCLES = 50
/** Every NEW_SESSION_EVERY-th drop the server has given the session up: a new session, not a resumption. */
const NEW_SESSION_EVERY = 3
const NODES = 20
const INFO_CACHE_SIZE = 6
const ITEMS_CACHE_SIZE = 2
const CAPS_LIMITS = { maxJids: 8, maxHashes: 3 }

type Emitter = { eventNames(): (string | symbol)[]; listenerCount(event: string | symbol): number }

/** Every listener on the client, its stream management and its reconnect, per event. */
function listeners(xmpp: Client): Record<string, number> {
  const counts: Record<string, number> = {}
  const add = (prefix: string, emitter: Emitter) => {
    for (const event of emitter.eventNames()) counts[`${prefix}${String(event)}`] = emitter.listenerCount(event)
  }
  add('', xmpp as unknown as Emitter)
  add('sm:', xmpp.streamManagement as unknown as Emitter)
  add('reconnect:', xmpp.reconnect as unknown as Emitter)
  return counts
}

/**
 * Counts what is pushed onto the client's incoming (`use`) and outgoing
 * (`filter`) middleware stacks from now on: xmpp.js keeps them in closures
 * and has no way to take one out, so a push is for the client's lifetime.
 */
function countMiddleware(xmpp: Client): { use: number; filter: number } {
  const counts = { use: 0, filter: 0 }
  const middleware = asXmpp(xmpp).middleware as { use(fn: unknown): unknown; filter(fn: unknown): unknown }
  const { use, filter } = middleware
  middleware.use = (fn) => (counts.use++, use.call(middleware, fn))
  middleware.filter = (fn) => (counts.filter++, filter.call(middleware, fn))
  return counts
}

/** The active timers keeping Node's event loop alive (unref'd ones do not count). */
function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The timers left once the transient ones (xmpp.js's 250 ms ack debounce,
 * caps bursts, a test's own wait) have gone: the fewest seen over `ms`.
 */
async function quietTimers(ms = 600): Promise<number> {
  let fewest = Infinity
  for (const end = Date.now() + ms; Date.now() < end; ) {
    await sleep(25)
    fewest = Math.min(fewest, activeTimers())
  }
  return fewest
}

function cacheListeners(cache: QueryCache): number {
  return (cache as unknown as { listeners: Set<unknown> }).listeners.size
}

/** Cuts the TCP connection without a stream close: the server keeps the session for a resumption. */
function dropConnection(xmpp: Client): void {
  ;(xmpp.socket as { destroy(): void }).destroy()
}

/** Every query the app makes, and what became of it. */
class Ledger {
  readonly #open = new Map<number, string>()
  readonly outcomes: { label: string; outcome: string }[] = []
  #next = 0

  track(label: string, promise: Promise<unknown>): void {
    const id = this.#next++
    this.#open.set(id, label)
    promise.then(
      () => this.#settle(id, label, 'ok'),
      (error: unknown) => this.#settle(id, label, outcomeOf(error)),
    )
  }

  /** Labels of the queries not settled yet. */
  get open(): string[] {
    return [...this.#open.values()]
  }

  #settle(id: number, label: string, outcome: string): void {
    this.#open.delete(id)
    this.outcomes.push({ label, outcome })
  }
}

/** A typed error's name; anything else (an untyped rejection, a socket's error) as "untyped: ...". */
function outcomeOf(error: unknown): string {
  if (error instanceof DiscoError) return error.name
  // The signal's reason, as fetch() gives it (a DOMException of Node's, not jsdom's).
  if (error instanceof Error && error.name === 'AbortError') return 'AbortError'
  return `untyped: ${String(error)}`
}

function Watch({ jid, label }: { jid: string; label: string }) {
  const info = useDiscoInfo(jid)
  const items = useDiscoItems(jid)
  const { supported } = useHasFeature(jid, 'urn:example:one')
  const features = info.data ? info.data.features.filter((f) => f.startsWith('urn:example:')).join(' ') : info.status
  return (
    <output aria-label={label}>
      {features} | items {items.status} | one {String(supported)}
    </output>
  )
}

/** A hook whose target changes with every drop: old entries lose their observer and must be bounded. */
function Churn({ jid, node }: { jid: string; node: string }) {
  const { data, status } = useDiscoInfo(jid, { node })
  return <output aria-label="churn">{data ? data.features.filter((f) => f.startsWith('urn:example:')).join(' ') : status}</output>
}

interface Snapshot {
  listeners: Record<string, number>
  middleware: { use: number; filter: number }
  hooks: { taps: number; interceptors: number }
  sendWrapped: boolean
  queryCacheListeners: number
  observers: number
  pending: number
  session: { change: number; end: number }
  capsFlights: number
  timers: number
}

describe(`an app that runs all day through ${serverName}, its connection dropping again and again`, () => {
  let server: TestServer
  let bob: Client
  let bobJid: string
  let slow: ReturnType<typeof slowNode>

  beforeAll(async () => {
    server = await startServer({ users })
    bob = await connectClient(server, { username: 'bob', password: 'bob-pw', resource: 'desk' })
    bobJid = String(bob.jid)
    // Before DiscoServer.for: this middleware runs before its routes.
    slow = slowNode(bob, ['slow', 'slow-fetch'])
    const disco = DiscoServer.for(asXmpp(bob))
    for (let i = 0; i < NODES; i++) {
      const node = disco.declaredNode(`n-${i}`)
      node.registerIdentity('client', 'pc')
      node.registerFeature(`urn:example:n-${i}`)
      disco.mountNode(`n-${i}`, node)
    }
    for (const mountpoint of ['slow', 'slow-fetch']) {
      const node = disco.declaredNode(mountpoint)
      node.registerIdentity('client', 'pc')
      node.registerFeature(`urn:example:${mountpoint}`)
      disco.mountNode(mountpoint, node)
    }
    disco.registerFeature('urn:example:one')
    EntityCaps.for(asXmpp(bob), { node: 'https://peer.example' })
    await waitFor(() => expect(bob.streamManagement.enabled).toBe(true))
  })

  afterAll(async () => {
    cleanup()
    await stopClient(bob)
    await server?.stop()
  })

  it('keeps listeners, timers and pending requests flat across 50 dropped connections, resumed and new sessions alike', async () => {
    const timersAtStart = await quietTimers()
    const alice = await connectClient(server, { username: 'alice', password: 'alice-pw', resource: 'phone' })
    await waitFor(() => expect(alice.streamManagement.enabled).toBe(true))
    // A phone reconnects at once; the test's 50 drops fit in seconds.
    alice.reconnect.delay = 20
    const aliceJid = String(alice.jid)
    // The app announces itself at the start of every session, in a listener of its own.
    alice.on('online', () => void alice.send(xml('presence')).catch(() => {}))
    await alice.send(xml('presence'))
    const middleware = countMiddleware(alice)
    const before = listeners(alice)
    const beforeHooks = ClientHooks.of(asXmpp(alice)).attached
    const session = Session.of(asXmpp(alice))

    // An app's own logging of disco traffic, for the whole day.
    const events = DiscoEvents.of(asXmpp(alice))
    const seen: Record<string, number> = {}
    const unsubscribe = events.subscribe((event: DiscoEvent) => {
      seen[event.type] = (seen[event.type] ?? 0) + 1
    })

    const queryClient: QueryClientType = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    const cache = queryClient.getQueryCache()
    const app = (cycle: number) => (
      <StrictMode>
        <DiscoProvider client={asXmpp(alice)} queryClient={queryClient} caps={entityCaps({ node: 'https://app.example', ...CAPS_LIMITS })}>
          <Feature var="urn:example:phone" />
          {/* Our features change with every drop: caps re-announce our presence each time. */}
          {cycle % 2 === 0 && <Feature var="urn:example:sometimes" />}
          <Watch jid={bobJid} label="bob" />
          <Watch jid={server.host} label="server" />
          <Churn jid={bobJid} node={`n-${cycle % NODES}`} />
        </DiscoProvider>
      </StrictMode>
    )
    const { rerender, unmount } = render(app(0))
    // The provider's own DiscoClient (DiscoClient.for would hold it past the provider's unmount).
    const dc = discoClientOf(asXmpp(alice), { queryClient })
    dc.infoCacheSize = INFO_CACHE_SIZE
    dc.itemsCacheSize = ITEMS_CACHE_SIZE
    const matcher = ReplyMatcher.for(asXmpp(alice))
    const ledger = new Ledger()
    let resumed = 0
    let sessions = 0
    const onResumed = () => resumed++
    const onOnline = () => sessions++
    alice.streamManagement.on('resumed', onResumed)
    alice.on('online', onOnline)

    const shows = (label: string) => screen.getByLabelText(label).textContent
    const settled = async (cycle: number) => {
      await waitFor(() => expect(ledger.open, `cycle ${cycle}: queries never settled`).toEqual([]), { timeout: 15_000 })
      await waitFor(() => {
        expect(session.online).toBe(true)
        expect(shows('bob')).toMatch(/^urn:example:one\b.* \| items success \| one true$/)
        expect(shows('server')).toBe(' | items success | one false')
        expect(shows('churn')).toBe(`urn:example:n-${cycle % NODES}`)
        expect(cache.getAll().filter((q: Query) => q.getObserversCount() > 0 && q.state.fetchStatus !== 'idle')).toEqual([])
        expect(matcher.pendingCount).toBe(0)
        expect(EntityCaps.find(asXmpp(alice))?.stats.flights).toBe(0)
      })
    }
    // `quiet`: how long to watch for the fewest timers (a new session's presence wait lasts PRESENCE_WAIT).
    const snapshot = async (quiet?: number): Promise<Snapshot> => {
      const timers = await quietTimers(quiet)
      return {
        listeners: listeners(alice),
        middleware: { ...middleware },
        hooks: ClientHooks.of(asXmpp(alice)).attached,
        sendWrapped: Object.hasOwn(alice, 'send'),
        queryCacheListeners: cacheListeners(cache),
        observers: cache.getAll().reduce((sum: number, q: Query) => sum + q.getObserversCount(), 0),
        pending: matcher.pendingCount,
        session: session.listenerCount,
        capsFlights: EntityCaps.find(asXmpp(alice))?.stats.flights ?? -1,
        timers,
      }
    }
    const bounded = () => {
      expect(dc.cacheSize.info).toBeLessThanOrEqual(INFO_CACHE_SIZE)
      expect(dc.cacheSize.items).toBeLessThanOrEqual(ITEMS_CACHE_SIZE)
      // Nothing but ours accumulates in the cache.
      expect(cache.getAll().length).toBeLessThanOrEqual(INFO_CACHE_SIZE + ITEMS_CACHE_SIZE)
      const stats = EntityCaps.find(asXmpp(alice))?.stats
      expect(stats?.jids).toBeLessThanOrEqual(CAPS_LIMITS.maxJids)
      expect(stats?.hashes).toBeLessThanOrEqual(CAPS_LIMITS.maxHashes)
    }

    await settled(0)
    let afterFirst: Snapshot | undefined
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      const newSession = cycle % NEW_SESSION_EVERY === 0
      rerender(app(cycle))
      // Bob's caps change now and then: new vers to verify, old hashes to bound.
      if (cycle % 4 === 0) DiscoServer.for(asXmpp(bob)).registerFeature(`urn:example:bob-${cycle}`)
      await EntityCaps.find(asXmpp(bob))?.update()
      await bob.send(xml('presence', { to: aliceJid }))

      const node = (k: number) => `n-${(cycle * 7 + k) % NODES}`
      const received = slow.received()
      // In flight when the connection drops: answered after a resumption, DisconnectedError in a new session.
      ledger.track(`slow ${cycle}`, dc.queryInfo(bobJid, { node: 'slow', requireFresh: true }))
      ledger.track(`slow-fetch ${cycle}`, queryClient.fetchQuery({ ...dc.infoQueryOptions(bobJid, 'slow-fetch'), staleTime: 0 }))
      // Joins the entry's fetch under way.
      ledger.track(`joined ${cycle}`, queryClient.fetchQuery({ ...dc.infoQueryOptions(bobJid, 'slow'), staleTime: 0 }))
      ledger.track(`fresh ${cycle}`, dc.queryInfo(bobJid, { node: node(1), requireFresh: true }))
      ledger.track(`plain ${cycle}`, dc.queryInfo(bobJid))
      ledger.track(`items ${cycle}`, dc.queryItems(server.host))
      const abort = new AbortController()
      ledger.track(`aborted ${cycle}`, dc.queryInfo(bobJid, { node: node(2), signal: abort.signal }))
      await waitFor(() => expect(slow.received(), `cycle ${cycle}`).toBe(received + 2))

      const back = newSession ? sessions + 1 : resumed + 1
      if (newSession) alice.streamManagement.id = 'forgotten-session'
      const down = new Promise((resolve) => alice.once('disconnect', resolve))
      dropConnection(alice)
      // Written to a socket that is gone before xmpp.js has noticed.
      ledger.track(`dying ${cycle}`, dc.queryInfo(bobJid, { node: node(3), requireFresh: true }))
      abort.abort()
      await down
      // Asked while offline: refused at once, or waiting for the session.
      ledger.track(`offline ${cycle}`, dc.queryInfo(bobJid, { node: node(4) }))
      ledger.track(`waiting ${cycle}`, queryClient.fetchQuery(dc.infoQueryOptions(bobJid, node(5), { waitForSession: true })))
      // Bob answers while alice is away: the server keeps it for her session.
      slow.release()
      await waitFor(
        () =>
          expect(newSession ? sessions : resumed, `cycle ${cycle}, client errors: ${clientErrors(alice).map((e) => e.message).join('; ')}`).toBe(
            back,
          ),
        { timeout: 15_000 },
      )
      // A new session of alice's: bob's presence comes again, as a contact's does
      // (RFC 6121 section 4.2.2); his row waits for it and its caps.
      if (newSession) await bob.send(xml('presence', { to: aliceJid }))
      await settled(cycle)
      bounded()
      if (cycle === 1) afterFirst = await snapshot()
    }
    expect(resumed + sessions, `client errors: ${clientErrors(alice).map((e) => e.message).join('; ')}`).toBe(CYCLES)
    expect(sessions).toBe(Math.floor(CYCLES / NEW_SESSION_EVERY))
    // The last drop gave a new session: its wait for the presences of the full JIDs shown goes too.
    expect(await snapshot(PRESENCE_WAIT + 600)).toEqual(afterFirst)

    // Every query settled, each with its answer or a typed error.
    expect(ledger.outcomes).toHaveLength(10 * CYCLES)
    expect(ledger.outcomes.filter((o) => o.outcome.startsWith('untyped'))).toEqual([])
    const outcomes = (label: string) => ledger.outcomes.filter((o) => o.label.startsWith(`${label} `)).map((o) => o.outcome)
    for (const label of ['slow', 'slow-fetch', 'joined']) {
      expect(outcomes(label).filter((o) => o === 'ok'), label).toHaveLength(CYCLES - sessions)
      expect(outcomes(label).filter((o) => o === 'DisconnectedError'), label).toHaveLength(sessions)
    }
    // Offline: from the cache (kept through a resumption), else refused at once.
    expect(outcomes('offline').every((o) => o === 'ok' || o === 'DisconnectedError')).toBe(true)
    // Waiting for the session, whichever comes back.
    expect(outcomes('waiting').every((o) => o === 'ok')).toBe(true)
    expect(seen.asked).toBeGreaterThan(CYCLES)

    // Unmounted: nothing of ours is left on the client, its stream management, the QueryCache.
    alice.streamManagement.off('resumed', onResumed)
    alice.off('online', onOnline)
    unmount()
    unsubscribe()
    await waitFor(() => expect(listeners(alice)).toEqual(before))
    expect(ClientHooks.of(asXmpp(alice)).attached).toEqual(beforeHooks)
    expect(Object.hasOwn(alice, 'send')).toBe(false)
    // What is installed once for the client's lifetime (xmpp.js cannot take a middleware out): ClientHooks'
    // dispatcher, idle with no tap left, and DiscoServer's 4 IQ routes. Nothing per drop, nothing outgoing.
    expect(middleware).toEqual({ use: 5, filter: 0 })
    expect(cacheListeners(cache)).toBe(0)
    expect(session.listenerCount).toEqual({ change: 0, end: 0 })
    expect(events.listening).toBe(false)
    expect(EntityCaps.find(asXmpp(alice))).toBeUndefined()
    expect(matcher.pendingCount).toBe(0)

    // Stopped: no timer of ours (nor of the client's) remains.
    await stopClient(alice)
    expect(await quietTimers()).toBeLessThanOrEqual(timersAtStart)
  }, 120_000)
})
