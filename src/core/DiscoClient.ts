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
 */
import { QueryClient, hashKey } from '@tanstack/query-core'
import type { Query, QueryCache, QueryFunctionContext, QueryKey } from '@tanstack/query-core'
import { CacheBound } from './CacheBound.js'
import { ClientHooks, once } from './ClientHooks.js'
import { DiscoRequests } from './DiscoRequests.js'
import { DiscoError, DisconnectedError, InvalidInputError } from './errors.js'
import { findServices, serverOf } from './findServices.js'
import type { FindServicesOptions, FoundService } from './findServices.js'
import { Flight, abortReason, waitFor } from './Flight.js'
import type { Caller, Stop } from './Flight.js'
import { normalizeJid, tryNormalizeJid } from './jid.js'
import type { JidInput } from './jid.js'
import type { DiscoInfo, DiscoItemsList, DiscoItemsPage } from './model.js'
import type { Release } from './Node.js'
import { walkPages } from './PageWalk.js'
import { PresenceWindow } from './PresenceWindow.js'
import { ReplyMatcher } from './ReplyMatcher.js'
import type { RequestQueue } from './RequestQueue.js'
import { MAX_PAGE_SIZE, checkPageRequest } from './rsm.js'
import type { RsmRequest } from './rsm.js'
import { Session } from './Session.js'
import { assertOptionalText, checkTimeout } from './validate.js'
import type { IncomingContext, XmppClient } from './XmppClient.js'

/** The first element of every query key of this library. */
export const QUERY_KEY_ROOT = 'xmpp-disco'
/** xmpp.js's default IQ timeout, in milliseconds. */
export const DEFAULT_TIMEOUT = 30_000
/** How many items queryItems follows a paging responder for, by default. */
export const DEFAULT_MAX_ITEMS = 10_000
/**
 * How long after a new session is up a request for a full JID whose caps are
 * not known waits for that JID's presence before asking it anyway (ms):
 * roster presences come within a second or two of our own, a big roster's in
 * a few (PresenceWindow).
 */
export const PRESENCE_WAIT = 5000

export type DiscoKind = 'info' | 'items'
/** `['xmpp-disco', account, kind, jid, node]`; account is our bare JID, node null for none. */
export type DiscoQueryKey<K extends DiscoKind = DiscoKind> = readonly [
  typeof QUERY_KEY_ROOT,
  string,
  K,
  string,
  string | null,
]

/** A page request as its query key holds it: checked, `max` always there. */
export type PageRequest = RsmRequest & { max: number }
/** `['xmpp-disco', account, 'items-page', jid, node, page]`: one page of disco#items (queryItemsPage). */
export type DiscoPageKey = readonly [typeof QUERY_KEY_ROOT, string, 'items-page', string, string | null, PageRequest]
/** `['xmpp-disco', account, 'items-pages', jid, node, { pageSize }]`: the pages a hook walks (useInfiniteQuery). */
export type DiscoPagesKey = readonly [typeof QUERY_KEY_ROOT, string, 'items-pages', string, string | null, { pageSize: number }]
/** What a flight is for: one target, or one page of its items. */
type FlightKey = DiscoQueryKey | DiscoPageKey

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

/**
 * Something that can answer a plain disco#info query (no node) to a JID
 * without the query going out as is: entity capabilities are one. Asked,
 * lazily, each time DiscoClient would send such a query (not for
 * requireFresh). Return undefined to let the query go; else a promise of
 * the info, or of undefined to send the query after all. `signal` aborts
 * when every caller waiting for the answer has gone.
 */
export interface InfoSource {
  resolveInfo(jid: string, context: { signal: AbortSignal }): Promise<DiscoInfo | undefined> | undefined
}

/** What infoQueryOptions and itemsQueryOptions take besides the target. */
export interface DiscoClientOptions {
  /** The QueryClient whose cache holds the results (the app's); a private one when absent. */
  queryClient?: QueryClient | undefined
}

/** TanStack query options for one target; `useQuery(discoClient.infoQueryOptions(jid))`. */
export interface DiscoQueryOptions<T, K extends DiscoKind> {
  queryKey: DiscoQueryKey<K>
  queryFn: (context: QueryFunctionContext<DiscoQueryKey<K>>) => Promise<T>
  queryHash: string
  queryKeyHashFn: (key: DiscoQueryKey<K>) => string
  staleTime: number
  gcTime: number
  retry: boolean
  /** The XMPP session is the network here, not the browser's online state. */
  networkMode: 'always'
}

/** What infoQueryOptions and itemsQueryOptions take besides the target. */
export interface DiscoQueryOptionsSettings {
  /** Milliseconds to wait for the reply (Infinity: no limit); default 30000. */
  timeout?: number | undefined
  /** Where the request waits for its turn on the wire (a polite DiscoBrowser's, at most 6 in flight). */
  queue?: RequestQueue | undefined
  /**
   * While the session is down, a fetch waits for it (within `timeout`, then
   * DisconnectedError) instead of failing at once: for Suspense, prefetching
   * and useQueries, which have no `enabled` tied to the session.
   */
  waitForSession?: boolean | undefined
}

/** TanStack infinite query options for the pages of one target; `useInfiniteQuery(discoClient.itemsPagesQueryOptions(jid))`. */
export interface DiscoPagesQueryOptions {
  queryKey: DiscoPagesKey
  queryFn: (context: QueryFunctionContext<DiscoPagesKey, string | null>) => Promise<DiscoItemsPage>
  /** The first page has no `after`. */
  initialPageParam: string | null
  /** The `after` of the next page, or undefined when there is none (see PageWalk). */
  getNextPageParam: (lastPage: DiscoItemsPage, allPages: DiscoItemsPage[]) => string | undefined
  queryKeyHashFn: (key: DiscoPagesKey) => string
  staleTime: number
  gcTime: number
  retry: boolean
  networkMode: 'always'
}

type Result = DiscoInfo | DiscoItemsList | DiscoItemsPage
/** What Query.fetch and QueryCache.build take, as the untyped cache stores it. */
type QueryOptionsOf = Parameters<QueryCache['build']>[1]
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

/**
 * TanStack's hashKey of `key`. A target's key holds only strings and null,
 * for which hashKey is JSON.stringify without its replacer (which only sorts
 * the keys of plain objects): cheaper, and every query hashes its key.
 */
function hashOf(key: FlightKey): string {
  return key.length === 5 ? JSON.stringify(key) : hashKey(key)
}

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
  /** The accounts our keys were made for (normally one): what marks an entry as ours. */
  readonly #accounts = new Set<string>()
  /** Our entries per target JID, for presences. */
  readonly #byJid = new Map<string, Set<Query>>()
  #bounds: Record<DiscoKind, CacheBound> | undefined
  #detach: Release[] = []
  #infoCacheSize = 10_000
  #itemsCacheSize = 100
  /** Providers holding this client (DiscoProvider mounts it). */
  #mounts = 0
  /** Obtained through DiscoClient.for: only dispose() ends it. */
  #held = false
  #disposed = false
  /** Flights whose answer a fetch of their entry stores (#store). */
  readonly #stored = new WeakSet<Flight<Result>>()
  /** Per entry, what tells the callers of #fetch that its storing fetch has written (or never will). */
  readonly #writes = new WeakMap<Query, () => void>()
  /** A session ended since the last one was up: the next one refetches what hooks observe. */
  #sessionEnded = false
  /** From the end of a session until PRESENCE_WAIT after the next is up: requests for full JIDs wait for their presence. */
  #presenceWindow: PresenceWindow | undefined

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
    this.#bounds = undefined
    clients.get(this.#xmpp)?.delete(this.queryClient)
    for (const flight of [...this.#unsettled]) flight.abort(new DisconnectedError('The DiscoClient was disposed'))
    this.#flights.clear()
    this.#futures.clear()
    this.#sources.clear()
    for (const query of this.#ours()) {
      this.#cancelFetch(query)
      if (query.getObserversCount() === 0) this.queryClient.getQueryCache().remove(query)
    }
    this.#byJid.clear()
  }

  #attach(): void {
    if (this.#detach.length > 0 || this.#disposed) return
    const cache = this.queryClient.getQueryCache()
    const mine = (kinds: readonly string[]) => (key: QueryKey) => this.#isOurs(key) && kinds.includes(key[2] as string)
    const bounds = {
      info: new CacheBound(cache, mine(['info']), () => this.#infoCacheSize),
      // Pages are items too: one bound for lists, pages and walked pages.
      items: new CacheBound(cache, mine(['items', 'items-page', 'items-pages']), () => this.#itemsCacheSize),
    }
    this.#bounds = bounds
    for (const query of cache.getAll()) if (this.#isOurs(query.queryKey)) this.#index(query)
    this.#detach = [
      () => bounds.info.dispose(),
      () => bounds.items.dispose(),
      cache.subscribe((event) => {
        if (event.type === 'added') this.#index(event.query)
        else if (event.type === 'removed') this.#unindex(event.query)
        // Whichever fetch wrote (a hook's refetch may have taken over from ours).
        else if (event.type === 'updated' && event.action.type === 'success') this.#written(event.query)
      }),
      this.#matcher.retain(),
      this.#session.onEnd(() => {
        this.#presenceWindow?.close()
        this.#presenceWindow = new PresenceWindow()
        this.#flush(false, true)
        this.#sessionEnded = true
        // Without stream management the new session's 'online' ended this one:
        // it is up already. Once the other end listeners (caps) have run.
        queueMicrotask(this.#onSessionUp)
      }),
      this.#session.subscribe(this.#onSessionUp),
      () => this.#presenceWindow?.close(),
      ClientHooks.of(this.#xmpp).tapIncoming(this.#onStanza),
    ]
  }

  /**
   * A new session is up: what hooks observe (flushed, kept invalidated)
   * fetches again, hooks that were disabled while offline on their own. A
   * request for a full JID waits for its presence meanwhile (#request).
   */
  readonly #onSessionUp = (): void => {
    if (!this.#sessionEnded || !this.#session.online || this.#disposed) return
    this.#sessionEnded = false
    this.#presenceWindow?.closeAfter(PRESENCE_WAIT)
    for (const query of this.#ours()) if (query.state.isInvalidated && query.state.fetchStatus === 'idle') this.#refetch(query)
  }

  #assertLive(): void {
    if (this.#disposed) throw new DiscoError('This DiscoClient was disposed: get a new one with DiscoClient.for(xmpp)')
  }

  /** Maximum number of cached disco#info results (default 10000). */
  get infoCacheSize(): number {
    return this.#infoCacheSize
  }
  set infoCacheSize(size: number) {
    this.#infoCacheSize = size
    this.#bounds?.info.enforce()
  }

  /** Maximum number of cached disco#items results, pages included (default 100). */
  get itemsCacheSize(): number {
    return this.#itemsCacheSize
  }
  set itemsCacheSize(size: number) {
    this.#itemsCacheSize = size
    this.#bounds?.items.enforce()
  }

  // ---- query keys and TanStack options ----

  /** The query key of a target. Throws InvalidJidError / InvalidInputError on bad input. */
  queryKey<K extends DiscoKind>(kind: K, jid: JidInput, node?: string): DiscoQueryKey<K> {
    assertOptionalText(node, 'node')
    const account = this.#account()
    this.#noteAccount(account)
    return [QUERY_KEY_ROOT, account, kind, normalizeJid(jid), node ?? null] as const
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
    return {
      queryKey: queryKey as DiscoQueryKey<K>,
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
      this.#bounds?.[key[2] === 'info' ? 'info' : 'items'].touch(query)
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
    if (!this.#connected()) return Promise.reject(new DisconnectedError('Not connected: nothing was sent'))
    // An entry that has our options already is fetched with them (a hydrated one has no queryFn).
    let query = this.queryClient.getQueryCache().get(hash)
    let options: object | undefined
    if (!query?.options.queryFn) {
      options = this.#queryOptions(key, caller.timeout, {}, hash)
      query = this.#entry(options)
    }
    const flight = this.#newFlight(key, fresh, plan, hash, true)
    // Whatever fetch rode an older flight stops; its waiters follow the new one.
    this.#cancelFetch(query)
    this.#stored.add(flight)
    const written = this.#store(query, options, flight.promise)
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
      if (!this.#connected()) return Promise.reject(new DisconnectedError('Not connected: nothing was sent'))
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

  /** A flight for `key`; `current`: the entry's, in the table until it settles or is retired. */
  #newFlight(key: FlightKey, fresh: boolean, plan: Plan = {}, hash = hashOf(key), current = false): Flight<Result> {
    const { queue } = plan
    const flight: Flight<Result> = new Flight(
      // A queued flight exists at once (callers join it) and goes on the wire at its turn.
      (stop) => (queue ? queue.run(() => this.#request(key, fresh, stop, plan), stop.signal) : this.#request(key, fresh, stop, plan)),
      () => {
        // Every caller left: the fetch storing this flight's answer stops too.
        if (this.#flights.get(hash) === flight) this.#flights.delete(hash)
        const query = this.queryClient.getQueryCache().get(hash)
        if (!query || !this.#stored.has(flight)) return
        this.#cancelFetch(query)
        this.#refetch(query)
        this.#dropIfEmpty(query)
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

  /** The cache entry of these options' key, created with them if there is none. */
  #entry(options: object): Query {
    return this.queryClient.getQueryCache().build(this.queryClient, options as unknown as QueryOptionsOf) as Query
  }

  /**
   * Starts a fetch of `query` that only stores `answer` (a flight's promise,
   * or the entry's future): TanStack takes it as the fetch's first attempt
   * instead of calling the queryFn, so the fetch is no caller of the flight
   * and has no timeout or abort of its own. `options` replace the entry's.
   * Resolves once the answer is written, or will not be (failed, cancelled).
   */
  #store(query: Query, options: object | undefined, answer: Promise<Result>): Promise<void> {
    this.#written(query)
    let written!: () => void
    const done = new Promise<void>((resolve) => {
      written = resolve
    })
    this.#writes.set(query, written)
    const settle = (): void => {
      if (this.#writes.get(query) === written) this.#writes.delete(query)
      written()
    }
    query.fetch(options as QueryOptionsOf | undefined, { initialPromise: answer }).then(settle, () => {
      settle()
      // A failure is not kept: an entry with no answer and no observer goes.
      this.#dropIfEmpty(query)
    })
    return done
  }

  /** The storing fetch of `query` wrote, failed or was cancelled: its callers go on. */
  #written(query: Query): void {
    const written = this.#writes.get(query)
    if (!written) return
    this.#writes.delete(query)
    written()
  }

  /** Removes `query` when it holds no answer and nothing observes, fetches or is about to store into it. */
  #dropIfEmpty(query: Query): void {
    // A fetch that failed after a newer one started may have set the entry idle (TanStack cannot cancel a fetch whose answer is in).
    if (this.#writes.has(query)) return
    if (query.state.data !== undefined || query.getObserversCount() > 0 || query.state.fetchStatus !== 'idle') return
    const cache = this.queryClient.getQueryCache()
    if (cache.get(query.queryHash) === query) cache.remove(query)
  }

  /** Takes the current flight of `hash` out of the table: its callers keep waiting for it, nobody new joins. */
  #retire(hash: string): void {
    this.#flights.delete(hash)
  }

  /** Cancels the TanStack fetch of `query`, if any, restoring the state from before it: a cancelled fetch never writes. */
  #cancelFetch(query: Query): void {
    this.#written(query)
    if (query.state.fetchStatus === 'idle') return
    // TanStack makes a CancelledError and its AbortController a DOMException,
    // synchronously; nobody ever sees either (a silent cancel is swallowed,
    // and the fetch's signal has no reader left). Their stack traces were
    // most of what a requireFresh replacing a request in flight cost.
    // (V8's Error.stackTraceLimit; other engines ignore the property.)
    const errors = Error as { stackTraceLimit?: number | undefined }
    const limit = errors.stackTraceLimit
    errors.stackTraceLimit = 0
    try {
      void query.cancel({ revert: true, silent: true })
    } finally {
      errors.stackTraceLimit = limit
    }
  }

  /**
   * Fetches `query` again when an active hook observes it and the session is
   * up; the waiters of a fetch cancelled just before get this one's answer.
   */
  #refetch(query: Query): void {
    if (query.getObserversCount() > 0 && query.isActive() && this.#session.online) query.fetch().catch(noop)
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
    // The signal, costly to make, only for a source that reads it.
    const context = {
      get signal() {
        return stop.signal
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
    // Early in a new session, an entry showing what a full JID answered in the
    // last one (a roster row) waits for that JID's presence, and its caps,
    // rather than ask. A new question is asked at once.
    const window = this.#presenceWindow
    if (window?.awaits(jid) && isFullJid(jid) && this.#session.online) {
      const shown = this.queryClient.getQueryCache().get(hashOf(key))?.state
      if (shown?.data !== undefined && shown.isInvalidated) return window.wait(jid, stop).then(() => this.#request(key, fresh, stop, plan))
    }
    return this.#wire.info(jid, node, stop)
  }

  #connected(): boolean {
    const status = this.#xmpp.status
    return status === undefined || status === 'online'
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
    const query = this.#entry(this.#queryOptions(key, DEFAULT_TIMEOUT, {}, hash))
    // A reply on its way is older than this: it must not overwrite it.
    this.#cancelFetch(query)
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
    const query = this.#entry(options)
    this.#cancelFetch(query)
    // The entry stores what the future brings, through a fetch that waits for it.
    void this.#store(query, options, future)
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
    if (this.#detach.length > 0 && this.#futures.size === 0 && this.#flights.size === 0 && !this.#byJid.has(key[3])) return
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
    for (const query of this.#ours()) this.#forget(query, refetch, sessionEnded)
  }

  /** Stops serving `query`: removed when nothing observes it, else invalidated (and, with `refetch`, fetched again). */
  #forget(query: Query, refetch: boolean, sessionEnded = false): void {
    this.#retire(query.queryHash)
    this.#futures.delete(query.queryHash)
    if (query.getObserversCount() === 0) {
      if (query.state.fetchStatus !== 'idle') return this.#outlive(query, sessionEnded)
      this.queryClient.getQueryCache().remove(query)
      return
    }
    this.#cancelFetch(query)
    query.invalidate()
    if (refetch) this.#refetch(query)
  }

  /**
   * An entry nobody observes whose fetch is under way at a flush (a
   * prefetchQuery, fetchQuery or ensureQueryData of the app, or a queryInfo):
   * removing it would cancel the fetch, and its caller would get TanStack's
   * CancelledError. It is left to finish for its caller, not served
   * meanwhile, and removed once settled, as the flush would have, with one
   * exception: at the end of a session (`sessionEnded`) a request of that
   * session rejects with DisconnectedError (the end rejects them all), while
   * a fetch still waiting for the session (waitForSession) asks in the next
   * one, whose answer is right to keep.
   */
  #outlive(query: Query, sessionEnded: boolean): void {
    query.invalidate()
    const drop = (): void => {
      const cache = this.queryClient.getQueryCache()
      if (query.state.fetchStatus !== 'idle' || cache.get(query.queryHash) !== query) return
      if (sessionEnded) {
        if (query.getObserversCount() === 0 && query.state.status === 'error') cache.remove(query)
      } else if (query.getObserversCount() === 0) {
        cache.remove(query)
      } else {
        // A hook came meanwhile and got the answer from before the flush: it gets a fresh one.
        query.invalidate()
        this.#refetch(query)
      }
    }
    query.promise?.then(drop, drop)
  }

  // ---- presences ----

  /**
   * An unavailable full JID no longer answers for itself: its entries stop
   * being served. Observed ones wait, invalidated, for the JID's next
   * available presence and fetch again then.
   */
  readonly #onStanza = (ctx: IncomingContext): undefined => {
    const { stanza } = ctx
    if (stanza.name !== 'presence') return undefined
    const from = stanza.attrs.from
    if (from === undefined || !from.includes('/')) return undefined
    const window = this.#presenceWindow
    if (window?.awaits(from)) {
      // Once the other taps (entity capabilities) have read it.
      const jid = tryNormalizeJid(from)
      if (jid !== undefined) queueMicrotask(() => window.saw(jid))
    }
    if (this.#byJid.size === 0) return undefined
    const entries = this.#byJid.get(from) ?? this.#byJid.get(tryNormalizeJid(from) ?? '')
    if (!entries) return undefined
    const type = stanza.attrs.type
    if (type === 'unavailable') {
      for (const query of [...entries]) this.#forget(query, false)
    } else if (type === undefined || type === '') {
      // After the other taps (entity capabilities) have read this presence.
      queueMicrotask(() => {
        for (const query of entries) if (query.state.isInvalidated && query.state.fetchStatus === 'idle') this.#refetch(query)
      })
    }
    return undefined
  }

  #index(query: Query): void {
    const jid = query.queryKey[3]
    if (typeof jid !== 'string' || !this.#isOurs(query.queryKey)) return
    let entries = this.#byJid.get(jid)
    if (!entries) {
      entries = new Set()
      this.#byJid.set(jid, entries)
    }
    entries.add(query)
  }

  #unindex(query: Query): void {
    const jid = query.queryKey[3]
    if (typeof jid !== 'string') return
    const entries = this.#byJid.get(jid)
    if (!entries?.delete(query) || entries.size > 0) return
    this.#byJid.delete(jid)
  }

  /** Cached entries, per kind (for diagnostics and benchmarks). */
  get cacheSize(): Record<DiscoKind, number> {
    return { info: this.#bounds?.info.size ?? 0, items: this.#bounds?.items.size ?? 0 }
  }

  #isOurs(key: QueryKey): boolean {
    if (key[0] !== QUERY_KEY_ROOT || typeof key[1] !== 'string') return false
    if (this.#accounts.has(key[1])) return true
    // Our account's entries that came from elsewhere (hydrated after a server
    // render, restored by a persister) are ours before any query asks for them.
    const account = this.#account()
    if (account === '' || key[1] !== account) return false
    this.#noteAccount(account)
    return true
  }

  /**
   * Makes `account`'s entries ours. Those already in the cache (hydrated
   * before it was ours) are bounded and indexed now: no cache event will
   * tell about them again.
   */
  #noteAccount(account: string): void {
    if (this.#accounts.has(account)) return
    this.#accounts.add(account)
    const bounds = this.#bounds
    if (!bounds) return
    for (const query of this.queryClient.getQueryCache().findAll({ queryKey: [QUERY_KEY_ROOT, account] })) {
      const kind = query.queryKey[2]
      if (kind !== 'info' && kind !== 'items') continue
      bounds[kind].touch(query)
      this.#index(query)
    }
  }

  #ours(): Query[] {
    return this.queryClient.getQueryCache().findAll({ predicate: (q) => this.#isOurs(q.queryKey) })
  }

  // Cached per JID object: the key of every query and every cache event needs it.
  #accountOf: unknown = undefined
  #accountString = ''
  #account(): string {
    const jid = this.#xmpp.jid
    if (jid !== this.#accountOf) {
      this.#accountOf = jid
      this.#accountString = jid?.bare().toString() ?? ''
    }
    return this.#accountString
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

/** A full JID (with a resource): an entity that says with its presence that it is there. */
function isFullJid(jid: unknown): boolean {
  return typeof jid === 'string' && jid.includes('/')
}
