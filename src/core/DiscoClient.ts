/**
 * DiscoClient: cache-backed disco#info / disco#items queries to other entities.
 *
 * XEP-0030 section 3 and 4 (queries), section 8 (trust only the entity asked)
 * aioxmpp.disco.DiscoClient (aliasing, caching, require_fresh, no_cache,
 * set_info_future, flush_cache, cache sizes: the semantics kept here)
 * XEP-0198 (a resumed session keeps pending queries and the cache)
 * RFC 6121 section 4.5.2 (an unavailable full JID no longer answers for itself)
 * XEP-0059 (pages of disco#items: queryItemsPage, and queryItems following a
 *   responder that pages on its own; src/core/PageWalk.ts says when to stop)
 *
 * The cache is a TanStack QueryCache, so hooks (useQuery over
 * infoQueryOptions) and imperative calls share the very same entries.
 *
 * One mechanism decides what is stored. Every answer reaches the cache
 * through a TanStack fetch of its entry, and that fetch rides the entry's
 * current Flight (the request on the wire, shared by every caller). An
 * answer becomes stale by retiring its flight (out of the table: nobody new
 * joins it, its callers still get its reply) and cancelling the fetch riding
 * it (a cancelled fetch never writes); an entry a hook observes then fetches
 * again at once. requireFresh, setInfoCache, setInfoFuture, forgetInfo,
 * flushCache, the end of a session and an unavailable presence all do
 * exactly that. A paged fetch is no exception: queryItems following a
 * responder's pages is one flight of its entry, each page of
 * queryItemsPage one flight of the page's entry, and a hook walking pages
 * (itemsPagesQueryOptions) rides the flight of each page's entry.
 *
 * Rooms beside it: OwnEntries (which cache entries are ours, by account,
 * indexed by JID and bounded), EntryFetches (the fetches that write answers
 * and the cancel that keeps one from being written), EntryPresences (what a
 * peer's unavailable or available presence means for its entries), DiscoRequests
 * (the IQs on the wire) and Flight (one request shared by its callers).
 */
import { QueryClient, hashKey } from '@tanstack/query-core'
import type { Query } from '@tanstack/query-core'
import { ClientHooks, once } from './ClientHooks.js'
import { DiscoRequests } from './DiscoRequests.js'
import { EntryFetches } from './EntryFetches.js'
import { EntryPresences } from './EntryPresences.js'
import { DiscoError, DisconnectedError, InvalidInputError } from './errors.js'
import { findServices, serverOf } from './findServices.js'
import type { FindServicesOptions, FoundService } from './findServices.js'
import { Flight, abortReason, waitFor } from './Flight.js'
import type { Caller, Stop } from './Flight.js'
import { normalizeJid } from './jid.js'
import type { JidInput } from './jid.js'
import type { DiscoInfo, DiscoItemsList, DiscoItemsPage } from './model.js'
import type { Release } from './Node.js'
import { OwnEntries } from './OwnEntries.js'
import { walkPages } from './PageWalk.js'
import { QUERY_KEY_ROOT, hashOf } from './queryKeys.js'
import type { DiscoKind, DiscoPageKey, DiscoQueryKey, FlightKey } from './queryKeys.js'
import type { DiscoPagesQueryOptions, DiscoQueryOptions, DiscoQueryOptionsSettings } from './queryOptions.js'
import { ReplyMatcher } from './ReplyMatcher.js'
import type { RequestQueue } from './RequestQueue.js'
import { MAX_PAGE_SIZE, checkPageRequest } from './rsm.js'
import type { RsmRequest } from './rsm.js'
import { Session, connected } from './Session.js'
import { assertOptionalText, checkTimeout } from './validate.js'
import type { XmppClient } from './XmppClient.js'

/** xmpp.js's default IQ timeout, in milliseconds. */
export const DEFAULT_TIMEOUT = 30_000
/** How many items queryItems follows a paging responder for, by default. */
export const DEFAULT_MAX_ITEMS = 10_000

export interface QueryOptions {
  /** The node to query (XEP-0030 section 3.2). */
  node?: string | undefined
  /** Send a new request even if a result is cached or a request is in flight. */
  requireFresh?: boolean | undefined
  /** Milliseconds to wait for this caller (Infinity: no limit); default 30000. */
  timeout?: number | undefined
  /** Abort this caller only; the request goes on while others wait for it. */
  signal?: AbortSignal | undefined
  /**
   * Send the request through this queue: it waits for its turn when the
   * queue's limit of requests is in flight (a cached answer, or a request
   * already under way that this call joins, needs no turn).
   */
  queue?: RequestQueue | undefined
}

export interface InfoQueryOptions extends QueryOptions {
  /** Use a cached or pending result if there is one, but do not store this request's. */
  noCache?: boolean | undefined
}

export interface ItemsQueryOptions extends QueryOptions {
  /**
   * When the responder pages on its own (XEP-0059), stop following its pages
   * once this many items are in (default 10000): the list then has
   * `complete: false`. A positive integer or Infinity.
   */
  maxItems?: number | undefined
}

/** One page of disco#items (XEP-0059): `max` (0-100, default 100) and at most one of after, before ('' = the last page), index. */
export interface ItemsPageOptions extends RsmRequest {
  node?: string | undefined
  timeout?: number | undefined
  signal?: AbortSignal | undefined
  queue?: RequestQueue | undefined
}

/** What an InfoSource is told of a request. */
export interface InfoSourceContext {
  /** Aborts when every caller waiting for the answer has gone. */
  signal: AbortSignal
  /**
   * The request refreshes an answer its entry shows from before (the entry
   * has data and was invalidated: a new session, a flush), rather than ask
   * a new question.
   */
  refreshing?: boolean | undefined
}

/**
 * Something that can answer a plain disco#info query (no node) to a JID
 * without the query going out as is: entity capabilities are one. Asked,
 * lazily, each time DiscoClient would send such a query (not for
 * requireFresh). Return undefined to let the query go; else a promise of
 * the info, or of undefined to send the query after all.
 */
export interface InfoSource {
  resolveInfo(jid: string, context: InfoSourceContext): Promise<DiscoInfo | undefined> | undefined
  /**
   * The info of `jid` if it is known at once, without waiting or sending
   * (a verified caps hash): a new entry starts with it (TanStack's
   * initialData), so a hook mounted for that JID renders it in its first
   * render, with no fetch. Must not change what it answers from.
   */
  peekInfo?(jid: string): DiscoInfo | undefined
}

/** What DiscoClient.for takes besides the xmpp client. */
export interface DiscoClientOptions {
  /** The QueryClient whose cache holds the results (the app's); a private one when absent. */
  queryClient?: QueryClient | undefined
}

type Result = DiscoInfo | DiscoItemsList | DiscoItemsPage
type ResultOf<K extends DiscoKind> = K extends 'info' ? DiscoInfo : DiscoItemsList
/** How a new flight sends: through which queue, and (items) how far it follows a paging responder, from where. */
interface Plan {
  queue?: RequestQueue | undefined
  maxItems?: number | undefined
  /** An incomplete list to go on from. */
  from?: DiscoItemsList | undefined
}

/** maxItems: a positive integer or Infinity. */
function checkMaxItems(value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_ITEMS
  if (value === Infinity || (typeof value === 'number' && Number.isInteger(value) && value > 0)) return value as number
  throw new InvalidInputError(`maxItems must be a positive integer or Infinity, got ${String(value)}`)
}

const noop = (): void => {}

const clients = new WeakMap<XmppClient, WeakMap<QueryClient, DiscoClient>>()

/**
 * The DiscoClient of `xmpp` for that QueryClient, created if needed but not
 * attached to anything: what a React render may call. Internal.
 */
export function discoClientOf(xmpp: XmppClient, options: DiscoClientOptions = {}): DiscoClient {
  let perClient = clients.get(xmpp)
  if (!perClient) {
    perClient = new WeakMap()
    clients.set(xmpp, perClient)
  }
  const queryClient = options.queryClient ?? privateQueryClient(xmpp)
  let client = perClient.get(queryClient)
  if (!client) {
    client = new DiscoClient(xmpp, queryClient, KEY)
    perClient.set(queryClient, client)
  }
  return client
}

// Only discoClientOf constructs: one DiscoClient per (xmpp, QueryClient).
const KEY = Symbol('DiscoClient')

export class DiscoClient {
  readonly queryClient: QueryClient
  readonly #xmpp: XmppClient
  readonly #session: Session
  readonly #matcher: ReplyMatcher
  readonly #wire: DiscoRequests
  /** The current request of each entry, by query hash. */
  readonly #flights = new Map<string, Flight<Result>>()
  /** Every flight not settled yet, current or retired: what dispose() ends. */
  readonly #unsettled = new Set<Flight<Result>>()
  readonly #futures = new Map<string, Promise<DiscoInfo>>()
  readonly #sources = new Set<InfoSource>()
  readonly #entries: OwnEntries
  readonly #fetches: EntryFetches
  readonly #presences: EntryPresences
  #detach: Release[] = []
  /** Providers holding this client (DiscoProvider mounts it). */
  #mounts = 0
  /** Obtained through DiscoClient.for: only dispose() ends it. */
  #held = false
  #disposed = false
  /** A session ended since the last one was up: the next one refetches what hooks observe. */
  #sessionEnded = false

  /**
   * The DiscoClient of `xmpp` for that QueryClient (a private one when none
   * is given), attached to the client until dispose().
   */
  static for(xmpp: XmppClient, options: DiscoClientOptions = {}): DiscoClient {
    const client = discoClientOf(xmpp, options)
    client.#held = true
    client.#attach()
    return client
  }

  /** Use DiscoClient.for(xmpp, { queryClient }). */
  constructor(xmpp: XmppClient, queryClient: QueryClient, key: symbol) {
    if (key !== KEY) throw new DiscoError('Use DiscoClient.for(xmpp, { queryClient })')
    this.#xmpp = xmpp
    this.queryClient = queryClient
    this.#session = Session.of(xmpp)
    this.#matcher = ReplyMatcher.for(xmpp)
    this.#wire = new DiscoRequests(this.#matcher)
    this.#entries = new OwnEntries(xmpp, queryClient.getQueryCache())
    this.#fetches = new EntryFetches(queryClient, this.#session)
    this.#presences = new EntryPresences(this.#entries, this.#fetches, (query) => this.#forget(query, false))
  }

  // ---- lifetime ----

  /**
   * Attaches this client until the returned release (a DiscoProvider calls it
   * in an effect). When the last holder releases, the client is disposed at
   * the end of the task, unless it was obtained with DiscoClient.for or a new
   * holder came meanwhile (React StrictMode's unmount and remount).
   */
  mount(): Release {
    this.#assertLive()
    this.#attach()
    this.#mounts++
    return once(() => {
      this.#mounts--
      queueMicrotask(() => {
        if (this.#mounts === 0 && !this.#held) this.dispose()
      })
    })
  }

  /** Whether dispose() has run: a disposed client refuses every call. */
  get disposed(): boolean {
    return this.#disposed
  }

  /**
   * Removes every listener this client installed (on the xmpp client and on
   * the QueryCache), rejects what it was waiting for with DisconnectedError,
   * and removes its cache entries that nothing observes. DiscoClient.for
   * makes a fresh client afterwards.
   */
  dispose(): void {
    if (this.#disposed) return
    this.#disposed = true
    for (const detach of this.#detach) detach()
    this.#detach = []
    clients.get(this.#xmpp)?.delete(this.queryClient)
    for (const flight of [...this.#unsettled]) flight.abort(new DisconnectedError('The DiscoClient was disposed'))
    this.#flights.clear()
    this.#futures.clear()
    this.#sources.clear()
    for (const query of this.#entries.all()) {
      this.#fetches.cancel(query)
      if (query.getObserversCount() === 0) this.queryClient.getQueryCache().remove(query)
    }
  }

  #attach(): void {
    if (this.#detach.length > 0 || this.#disposed) return
    this.#detach = [
      this.#entries.attach(),
      this.#fetches.attach(),
      this.#matcher.retain(),
      this.#session.onEnd(() => {
        this.#flush(false, true)
        this.#sessionEnded = true
        // Without stream management the new session's 'online' ended this one:
        // it is up already. Once the other end listeners (caps) have run.
        queueMicrotask(this.#onSessionUp)
      }),
      this.#session.subscribe(this.#onSessionUp),
      ClientHooks.of(this.#xmpp).tapIncoming(this.#presences.onStanza),
    ]
  }

  /**
   * A new session is up: what hooks observe (flushed, kept invalidated)
   * fetches again, hooks that were disabled while offline on their own. With
   * caps, a contact's row waits for its presence meanwhile (CapsResolver).
   */
  readonly #onSessionUp = (): void => {
    if (!this.#sessionEnded || !this.#session.online || this.#disposed) return
    this.#sessionEnded = false
    for (const query of this.#entries.all()) if (query.state.isInvalidated && query.state.fetchStatus === 'idle') this.#fetches.refetch(query)
  }

  #assertLive(): void {
    if (this.#disposed) throw new DiscoError('This DiscoClient was disposed: get a new one with DiscoClient.for(xmpp)')
  }

  /** Maximum number of cached disco#info results (default 10000). */
  get infoCacheSize(): number {
    return this.#entries.limit('info')
  }
  set infoCacheSize(size: number) {
    this.#entries.setLimit('info', size)
  }

  /** Maximum number of cached disco#items results, pages included (default 100). */
  get itemsCacheSize(): number {
    return this.#entries.limit('items')
  }
  set itemsCacheSize(size: number) {
    this.#entries.setLimit('items', size)
  }

  // ---- query keys and TanStack options ----

  /** The query key of a target. Throws InvalidJidError / InvalidInputError on bad input. */
  queryKey<K extends DiscoKind>(kind: K, jid: JidInput, node?: string): DiscoQueryKey<K> {
    assertOptionalText(node, 'node')
    return [QUERY_KEY_ROOT, this.#entries.account(), kind, normalizeJid(jid), node ?? null] as const
  }

  /** The query key of one page of disco#items. Throws InvalidJidError / InvalidInputError on bad input. */
  pageKey(jid: JidInput, node: string | undefined, request: RsmRequest): DiscoPageKey {
    const [root, account, , target, at] = this.queryKey('items', jid, node)
    return [root, account, 'items-page', target, at, checkPageRequest(request)]
  }

  /** Options for useQuery / fetchQuery sharing the cache entry of queryInfo(jid, { node }); `queue` as in queryInfo. */
  infoQueryOptions(jid: JidInput, node?: string, options: DiscoQueryOptionsSettings = {}): DiscoQueryOptions<DiscoInfo, 'info'> {
    return this.#queryOptions(this.queryKey('info', jid, node), checkTimeout(options.timeout, DEFAULT_TIMEOUT), options)
  }

  /** Options for useQuery / fetchQuery sharing the cache entry of queryItems(jid, { node }); `queue` as in queryItems. */
  itemsQueryOptions(jid: JidInput, node?: string, options: DiscoQueryOptionsSettings = {}): DiscoQueryOptions<DiscoItemsList, 'items'> {
    return this.#queryOptions(this.queryKey('items', jid, node), checkTimeout(options.timeout, DEFAULT_TIMEOUT), options)
  }

  /**
   * Options for useInfiniteQuery walking the pages of `jid` (at `node`),
   * `pageSize` items each (1-100, default 100; always sent as `<max>`), with
   * `after` = the previous page's last until PageWalk says it is over. Each
   * page rides the flight of its own entry (queryItemsPage's), so identical
   * page requests share one IQ.
   */
  itemsPagesQueryOptions(
    jid: JidInput,
    node?: string,
    options: { pageSize?: number | undefined; timeout?: number | undefined } = {},
  ): DiscoPagesQueryOptions {
    const timeout = checkTimeout(options.timeout, DEFAULT_TIMEOUT)
    const pageSize = options.pageSize ?? MAX_PAGE_SIZE
    if (pageSize === 0) throw new InvalidInputError('pageSize must be at least 1')
    const [root, account, , target, at, { max }] = this.pageKey(jid, node, { max: pageSize })
    return {
      queryKey: [root, account, 'items-pages', target, at, { pageSize: max }],
      queryFn: ({ pageParam, signal }) =>
        this.#ridePage(this.pageKey(target, node, { max, after: pageParam ?? undefined }), { timeout, signal }),
      initialPageParam: null,
      getNextPageParam: (_lastPage, allPages) => walkPages(allPages).next,
      queryKeyHashFn: hashKey,
      staleTime: Infinity,
      gcTime: Infinity,
      retry: false,
      networkMode: 'always',
    }
  }

  /** The options of an entry (a page entry's too, typed as its target's: the cache does not tell them apart). */
  #queryOptions<K extends DiscoKind>(
    queryKey: DiscoQueryKey<K> | DiscoPageKey,
    timeout: number,
    { queue, waitForSession = false }: DiscoQueryOptionsSettings = {},
    hash = hashOf(queryKey),
  ): DiscoQueryOptions<ResultOf<K>, K> {
    const ride = waitForSession ? this.#rideWhenOnline : this.#ride
    const plan: Plan = { queue }
    const [, , kind, jid, node] = queryKey
    return {
      queryKey: queryKey as DiscoQueryKey<K>,
      // Read by TanStack when it creates the entry, not on each render.
      ...(kind === 'info' && node === null ? { initialData: () => this.#peek(jid) as ResultOf<K> | undefined } : {}),
      // Hashed once: TanStack takes it as is instead of hashing the key again.
      queryHash: hash,
      // TanStack calls this when it wants fresh data: ride the flight of the
      // entry or start one, never answer from the cache.
      // The context, not its signal: reading TanStack's signal tells it to
      // cancel the fetch when its last observer goes, which a fetch that only
      // stores a flight's answer must not be.
      queryFn: (context) => ride(queryKey, hash, timeout, context, plan) as Promise<ResultOf<K>>,
      // Whatever the app's default: flights and entries are found by this hash.
      queryKeyHashFn: hashKey,
      // "Cached until flushed": entries never expire by time; CacheBound bounds them.
      staleTime: Infinity,
      gcTime: Infinity,
      retry: false,
      networkMode: 'always',
    }
  }

  // ---- queries ----

  /** The identities, features and forms of `jid` (at `node`), from the cache or one shared request. */
  // async: bad input (InvalidJidError, InvalidInputError) rejects like every
  // other failure instead of throwing synchronously, and still sends nothing.
  queryInfo(jid: JidInput, options: InfoQueryOptions = {}): Promise<DiscoInfo> {
    // Not async: the promise of the flight (or the cache) as it is, without
    // another promise and another tick around it on every query.
    try {
      return this.#query(this.queryKey('info', jid, options.node), options) as Promise<DiscoInfo>
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * The items of `jid` (at `node`), with the same caching and aliasing as
   * queryInfo. A responder that pages on its own (a `<set/>` nobody asked
   * for, XEP-0059) is followed to the end, or to `maxItems`: then the list
   * has `complete: false` (and `count` when the responder gave one). A cached
   * incomplete list serves callers whose `maxItems` it satisfies; a caller
   * asking for more goes on from where it stopped.
   */
  async queryItems(jid: JidInput, options: ItemsQueryOptions = {}): Promise<DiscoItemsList> {
    const maxItems = checkMaxItems(options.maxItems)
    const key = this.queryKey('items', jid, options.node)
    const { queue } = options
    let list = (await this.#query(key, { ...options, noCache: false }, { queue, maxItems })) as DiscoItemsList
    while (list.complete === false && list.last !== undefined && list.items.length < maxItems) {
      list = (await this.#continue(key, options, { queue, maxItems, from: list })) as DiscoItemsList
    }
    return list
  }

  /**
   * One page of the items of `jid` (XEP-0059): `max` items (0-100, default
   * 100, always sent), after or before a UID (`before: ''` = the last page)
   * or from an index. `rsm` holds the responder's first, first index, last
   * and count; it is absent when the responder does not page (Prosody 0.12:
   * every item in one answer). Cached and aliased like queryItems, per page.
   */
  async queryItemsPage(jid: JidInput, options: ItemsPageOptions = {}): Promise<DiscoItemsPage> {
    const { node, timeout, signal, queue, max, after, before, index } = options
    return (await this.#query(this.pageKey(jid, node, { max, after, before, index }), { timeout, signal }, { queue })) as DiscoItemsPage
  }

  /**
   * The items of `options.jid` (our server by default) whose disco#info
   * advertises `feature`, each with that info: e.g. the HTTP upload service
   * (`urn:xmpp:http:upload:0`). Items, then the info of each, at most 6 in
   * flight; all of it cached like any query. An item whose info fails is
   * left out.
   */
  async findServices(feature: string, options: FindServicesOptions = {}): Promise<FoundService[]> {
    this.#assertLive()
    const jid = options.jid ?? serverOf(this.#xmpp)
    if (jid === undefined) throw new InvalidInputError('findServices needs a jid: the client knows no server yet')
    return findServices(this, jid, feature, options)
  }

  /** The answer for `key`; throws (synchronously) on a disposed client, a bad timeout or an aborted signal. */
  #query(key: FlightKey, options: InfoQueryOptions, plan: Plan = { queue: options.queue }): Promise<Result> {
    this.#assertLive()
    const caller: Caller = { timeout: checkTimeout(options.timeout, DEFAULT_TIMEOUT), signal: options.signal }
    if (caller.signal?.aborted) throw abortReason(caller.signal)
    this.#attach()
    const hash = hashOf(key)
    if (options.requireFresh) {
      // With noCache the fresh request replaces nothing: it is neither stored nor joined.
      if (options.noCache) return this.#newFlight(key, true, plan).join(caller)
      this.#futures.delete(hash)
      return this.#fetch(key, hash, caller, true, plan)
    }
    const future = this.#futures.get(hash)
    if (future) return waitFor(future, caller)
    // A request in flight (after requireFresh or a flush) is the entry: join it, not an older cached result.
    const flight = this.#flights.get(hash)
    if (flight) return flight.join(caller)
    const query = this.queryClient.getQueryCache().get(hash)
    if (query && isCached(query)) {
      this.#entries.touch(query)
      return Promise.resolve(query.state.data as Result)
    }
    if (options.noCache) return this.#newFlight(key, false, plan).join(caller)
    return this.#fetch(key, hash, caller, false, plan)
  }

  /** Goes on with an incomplete items list: joins the entry's flight if there is one, else follows the pages from `walk.from`. */
  async #continue(key: DiscoQueryKey, options: QueryOptions, plan: Plan): Promise<Result> {
    this.#assertLive()
    const caller: Caller = { timeout: checkTimeout(options.timeout, DEFAULT_TIMEOUT), signal: options.signal }
    if (caller.signal?.aborted) throw abortReason(caller.signal)
    const hash = hashOf(key)
    const flight = this.#flights.get(hash)
    if (flight) return flight.join(caller)
    return this.#fetch(key, hash, caller, false, plan)
  }

  /**
   * A new flight for `key` in the table (`fresh`: for requireFresh, which
   * asks the entity itself) and a TanStack fetch of its entry storing its
   * answer; `caller` joins the flight.
   */
  #fetch(key: FlightKey, hash: string, caller: Caller, fresh: boolean, plan: Plan = {}): Promise<Result> {
    if (!connected(this.#xmpp)) return Promise.reject(new DisconnectedError('Not connected: nothing was sent'))
    // An entry that has our options already is fetched with them (a hydrated one has no queryFn).
    let query = this.queryClient.getQueryCache().get(hash)
    let options: object | undefined
    if (!query?.options.queryFn) {
      options = this.#queryOptions(key, caller.timeout, {}, hash)
      query = this.#fetches.entry(options)
    }
    const flight = this.#newFlight(key, fresh, plan, hash, true, true)
    // Whatever fetch rode an older flight stops; its waiters follow the new one.
    this.#fetches.cancel(query)
    const written = this.#fetches.store(query, options, flight.promise)
    // The caller goes on once the answer is in the cache: a query made right
    // after sees it there, and a requireFresh right after does not cancel its write.
    return flight.join(caller).then((answer) => written.then(() => answer))
  }

  /**
   * The queryFn with waitForSession: while the session is down, waits for it
   * first, within the caller's timeout (which the reply then gets what is
   * left of). A future or a flight already there needs no session.
   */
  readonly #rideWhenOnline = async (key: FlightKey, hash: string, timeout: number, context: { signal: AbortSignal }, plan: Plan): Promise<Result> => {
    if (this.#futures.has(hash) || this.#flights.has(hash)) return this.#ride(key, hash, timeout, context, plan)
    const started = Date.now()
    const { signal } = context
    await this.#session.whenOnline({ timeout, signal })
    const left = timeout === Infinity ? Infinity : Math.max(1, timeout - (Date.now() - started))
    return this.#ride(key, hash, left, { signal }, plan)
  }

  /** The queryFn: rides the entry's flight (or its future), starting a flight when there is none. */
  readonly #ride = (key: FlightKey, hash: string, timeout: number, context: { signal: AbortSignal }, plan: Plan): Promise<Result> => {
    if (this.#disposed) return Promise.reject(new DisconnectedError('The DiscoClient was disposed'))
    const future = this.#futures.get(hash)
    if (future) return waitFor(future, { timeout, signal: context.signal })
    let flight = this.#flights.get(hash)
    if (!flight) {
      if (!connected(this.#xmpp)) return Promise.reject(new DisconnectedError('Not connected: nothing was sent'))
      this.#attach()
      flight = this.#newFlight(key, false, plan, hash, true)
    }
    return flight.join({ timeout, signal: context.signal })
  }

  /**
   * The queryFn of walked pages (itemsPagesQueryOptions): rides the flight of
   * the page's own entry, or starts one that the page's entry stores. Like
   * every queryFn it never answers from the cache: TanStack asks when it
   * wants the page fetched.
   */
  #ridePage(key: DiscoPageKey, caller: Caller): Promise<DiscoItemsPage> {
    if (this.#disposed) return Promise.reject(new DisconnectedError('The DiscoClient was disposed'))
    this.#attach()
    const hash = hashOf(key)
    const flight = this.#flights.get(hash)
    return (flight ? flight.join(caller) : this.#fetch(key, hash, caller, false)) as Promise<DiscoItemsPage>
  }

  /**
   * A flight for `key`; `current`: the entry's, in the table until it
   * settles or is retired; `stored`: a fetch of its entry stores its answer
   * (EntryFetches.store).
   */
  #newFlight(key: FlightKey, fresh: boolean, plan: Plan = {}, hash = hashOf(key), current = false, stored = false): Flight<Result> {
    const { queue } = plan
    const flight: Flight<Result> = new Flight(
      // A queued flight exists at once (callers join it) and goes on the wire at its turn.
      (stop) => (queue ? queue.run(() => this.#request(key, fresh, stop, plan), stop.signal) : this.#request(key, fresh, stop, plan)),
      () => {
        // Every caller left: the fetch storing this flight's answer stops too.
        if (this.#flights.get(hash) === flight) this.#flights.delete(hash)
        const query = this.queryClient.getQueryCache().get(hash)
        if (!query || !stored) return
        this.#fetches.cancel(query)
        this.#fetches.refetch(query)
        this.#fetches.dropIfEmpty(query)
      },
      () => {
        this.#unsettled.delete(flight)
        if (this.#flights.get(hash) === flight) this.#flights.delete(hash)
      },
    )
    this.#unsettled.add(flight)
    if (current) this.#flights.set(hash, flight)
    return flight
  }

  /** Takes the current flight of `hash` out of the table: its callers keep waiting for it, nobody new joins. */
  #retire(hash: string): void {
    this.#flights.delete(hash)
  }

  /**
   * The answer for `key`: an info source's for a plain disco#info query
   * (unless `fresh`: requireFresh asks the entity itself), else one IQ; for
   * items, the pages a paging responder gives (`walk`); for a page, one IQ.
   */
  #request(key: FlightKey, fresh: boolean, stop: Stop, plan: Plan): Promise<Result> {
    const [, , kind, jid, node] = key
    if (key[2] === 'items-page') return this.#wire.page(jid, node, key[5], stop)
    if (kind === 'items') return this.#wire.items(jid, node, { maxItems: plan.maxItems ?? DEFAULT_MAX_ITEMS, from: plan.from }, stop)
    if (node !== null || fresh || this.#sources.size === 0) return this.#wire.info(jid, node, stop)
    // The signal, costly to make, and the entry's state, only for a source that reads them.
    const cache = this.queryClient.getQueryCache()
    const context = {
      get signal() {
        return stop.signal
      },
      get refreshing() {
        const state = cache.get(hashOf(key))?.state
        return state?.data !== undefined && state.isInvalidated
      },
    }
    for (const source of this.#sources) {
      const answer = source.resolveInfo(jid, context)
      if (!answer) continue
      return answer.then((info) => {
        if (info) return info
        if (stop.stopped) throw stop.reason
        return this.#wire.info(jid, node, stop)
      })
    }
    return this.#wire.info(jid, node, stop)
  }

  /** What an info source knows of `jid` at once (a verified caps hash), if any. */
  #peek(jid: string): DiscoInfo | undefined {
    for (const source of this.#sources) {
      const info = source.peekInfo?.(jid)
      if (info) return info
    }
    return undefined
  }

  // ---- priming and forgetting ----

  /** Stores `info` as the disco#info of `jid` at `node`, as if it had been queried. */
  setInfoCache(jid: JidInput, node: string | undefined, info: DiscoInfo): void {
    this.#assertLive()
    const key = this.queryKey('info', jid, node)
    const hash = hashOf(key)
    this.#attach()
    this.#futures.delete(hash)
    this.#retire(hash)
    const query = this.#fetches.entry(this.#queryOptions(key, DEFAULT_TIMEOUT, {}, hash))
    // A reply on its way is older than this: it must not overwrite it.
    this.#fetches.cancel(query)
    this.queryClient.setQueryData(key, info)
  }

  /**
   * Makes `future` the answer for `jid` at `node`: queries wait for it instead
   * of sending. A future that rejects stays, failing every query with its
   * error, until a query with requireFresh.
   */
  setInfoFuture(jid: JidInput, node: string | undefined, future: Promise<DiscoInfo>): void {
    this.#assertLive()
    const key = this.queryKey('info', jid, node)
    const hash = hashOf(key)
    this.#attach()
    this.#retire(hash)
    this.#futures.set(hash, future)
    future.then(
      () => {
        if (this.#futures.get(hash) === future) this.#futures.delete(hash)
      },
      // Nobody may be listening yet: the rejection is for later callers.
      noop,
    )
    const options = this.#queryOptions(key, DEFAULT_TIMEOUT, {}, hash)
    const query = this.#fetches.entry(options)
    this.#fetches.cancel(query)
    // The entry stores what the future brings, through a fetch that waits for it.
    void this.#fetches.store(query, options, future)
  }

  /**
   * Consults `source` before every plain disco#info query (no node, not
   * requireFresh) this client would send. Returns the removal.
   */
  addInfoSource(source: InfoSource): Release {
    this.#assertLive()
    this.#sources.add(source)
    return once(() => {
      this.#sources.delete(source)
    })
  }

  /**
   * Forgets the disco#info of `jid` at `node` (cached, future or in flight:
   * a reply still on its way is not stored). An entry a hook observes is
   * fetched anew at once; others on the next call.
   */
  forgetInfo(jid: JidInput, node?: string): void {
    this.#assertLive()
    const key = this.queryKey('info', jid, node)
    // Nothing held for the JID (a peer's first caps, usually): no key to hash,
    // nothing to look up. Attached, every entry of ours is indexed by JID;
    // futures and flights are few, and mostly none.
    if (this.#detach.length > 0 && this.#futures.size === 0 && this.#flights.size === 0 && !this.#entries.of(key[3])) return
    const hash = hashOf(key)
    this.#futures.delete(hash)
    this.#retire(hash)
    const query = this.queryClient.getQueryCache().get(hash)
    if (query) this.#forget(query, true)
  }

  /**
   * Forgets every cached result. Requests in flight finish for their callers,
   * but their answers are not stored; an entry a hook observes is fetched
   * anew at once, the others on their next call.
   */
  flushCache(): void {
    this.#assertLive()
    this.#flush(true)
  }

  /** `sessionEnded`: the flush of a session's end, which lets the fetches nobody observes settle (#forget). */
  #flush(refetch: boolean, sessionEnded = false): void {
    this.#futures.clear()
    this.#flights.clear()
    for (const query of this.#entries.all()) this.#forget(query, refetch, sessionEnded)
  }

  /** Stops serving `query`: removed when nothing observes it, else invalidated (and, with `refetch`, fetched again). */
  #forget(query: Query, refetch: boolean, sessionEnded = false): void {
    this.#retire(query.queryHash)
    this.#futures.delete(query.queryHash)
    if (query.getObserversCount() === 0) {
      if (query.state.fetchStatus !== 'idle') return this.#fetches.outlive(query, sessionEnded)
      this.queryClient.getQueryCache().remove(query)
      return
    }
    this.#fetches.cancel(query)
    query.invalidate()
    if (refetch) this.#fetches.refetch(query)
  }

  /** Cached entries, per kind (for diagnostics and benchmarks). */
  get cacheSize(): Record<DiscoKind, number> {
    return this.#entries.size
  }
}

/** A result is served from the cache when it has data and nothing (an error, a flush) invalidated it since. */
function isCached(query: Query): boolean {
  return query.state.data !== undefined && !query.state.isInvalidated
}

const privateClients = new WeakMap<XmppClient, QueryClient>()
/**
 * The QueryClient of `xmpp`'s DiscoClient when none is given. `inherit`
 * becomes it when `xmpp` has none yet: a DiscoProvider given a new client
 * (logout/login) keeps its private cache, which its mounted hooks are bound
 * to (keys carry the account: nothing crosses accounts). Internal.
 */
export function privateQueryClient(xmpp: XmppClient, inherit?: QueryClient): QueryClient {
  let queryClient = privateClients.get(xmpp)
  if (!queryClient) {
    // Not mounted: focus and online refetching are the app's choice, on its own QueryClient.
    // No defaultOptions: our options carry everything we need (retry: false
    // among them), and on V8 11 (Node 20) any default query option sends
    // TanStack's defaultQueryOptions spread down a slow path, ~10 µs on every
    // new entry (2.46x -> 2.22x raw iqCaller CPU for first queries, in process).
    queryClient = inherit ?? new QueryClient()
    privateClients.set(xmpp, queryClient)
  }
  return queryClient
}
