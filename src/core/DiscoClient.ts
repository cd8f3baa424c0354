/**
 * DiscoClient: cache-backed disco#info / disco#items queries to other entities.
 *
 * XEP-0030 section 3 and 4 (queries), section 8 (trust only the entity asked)
 * aioxmpp.disco.DiscoClient (aliasing, caching, require_fresh, no_cache,
 * set_info_future, flush_cache, cache sizes: the semantics kept here)
 *
 * The cache is a TanStack QueryCache, so hooks (useQuery over
 * infoQueryOptions) and imperative calls share the very same entries. What
 * TanStack does not model is kept beside it: the requests on the wire
 * ("flights", shared by every caller of one target), per-caller timeouts and
 * aborts, and futures set by setInfoFuture.
 */
import { QueryClient, hashKey } from '@tanstack/query-core'
import type { Query, QueryFunctionContext, QueryKey } from '@tanstack/query-core'
import xml from '@xmpp/xml'
import { CacheBound } from './CacheBound.js'
import { MalformedResponseError, TimeoutError } from './errors.js'
import { normalizeJid } from './jid.js'
import type { JidInput } from './jid.js'
import { parseInfo, parseItems } from './model.js'
import type { DiscoInfo, DiscoItems } from './model.js'
import { NS_DISCO_INFO, NS_DISCO_ITEMS } from './namespaces.js'
import { ReplyMatcher } from './ReplyMatcher.js'
import type { PendingRequest } from './ReplyMatcher.js'
import { assertOptionalText } from './validate.js'
import type { XmlElement } from './xml.js'
import type { XmppClient } from './XmppClient.js'

/** The first element of every query key of this library. */
export const QUERY_KEY_ROOT = 'xmpp-disco'
/** xmpp.js's default IQ timeout, in milliseconds. */
export const DEFAULT_TIMEOUT = 30_000

export type DiscoKind = 'info' | 'items'
/** `['xmpp-disco', account, kind, jid, node]`; account is our bare JID, node null for none. */
export type DiscoQueryKey<K extends DiscoKind = DiscoKind> = readonly [
  typeof QUERY_KEY_ROOT,
  string,
  K,
  string,
  string | null,
]

export interface QueryOptions {
  /** The node to query (XEP-0030 section 3.2). */
  node?: string | undefined
  /** Send a new request even if a result is cached or a request is in flight. */
  requireFresh?: boolean | undefined
  /** Milliseconds to wait for this caller; default 30000. */
  timeout?: number | undefined
  /** Abort this caller only; the request goes on while others wait for it. */
  signal?: AbortSignal | undefined
}

export interface InfoQueryOptions extends QueryOptions {
  /** Use a cached or pending result if there is one, but do not store this request's. */
  noCache?: boolean | undefined
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

export interface DiscoClientOptions {
  /** The QueryClient whose cache holds the results (the app's); a private one when absent. */
  queryClient?: QueryClient | undefined
}

/** TanStack query options for one target; `useQuery(discoClient.infoQueryOptions(jid))`. */
export interface DiscoQueryOptions<T, K extends DiscoKind> {
  queryKey: DiscoQueryKey<K>
  queryFn: (context: QueryFunctionContext<DiscoQueryKey<K>>) => Promise<T>
  staleTime: number
  gcTime: number
  retry: boolean
}

type Result<K extends DiscoKind> = K extends 'info' ? DiscoInfo : DiscoItems

/** One request on the wire and everyone waiting for it. */
interface Flight<T> {
  readonly generation: number
  /** Set when a TanStack queryFn waits on it: TanStack then stores the result itself. */
  joinedByQueryFn: boolean
  /** Set by forgetInfo: the reply is still delivered to its callers, never stored. */
  discarded: boolean
  readonly promise: Promise<T>
  callers: number
  settled: boolean
  abandon(): void
}

interface Caller {
  timeout?: number | undefined
  signal?: AbortSignal | undefined
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError')
}

const clients = new WeakMap<XmppClient, WeakMap<QueryClient, DiscoClient>>()

export class DiscoClient {
  readonly #xmpp: XmppClient
  readonly #matcher: ReplyMatcher
  readonly queryClient: QueryClient
  readonly #flights = new Map<string, Flight<DiscoInfo | DiscoItems>>()
  /** Generation of the newest result written per query hash: an older reply never overwrites it. */
  readonly #written = new Map<string, number>()
  readonly #futures = new Map<string, Promise<DiscoInfo>>()
  readonly #sources = new Set<InfoSource>()
  readonly #bounds: Record<DiscoKind, CacheBound>
  #generation = 0
  /** Bumped by flushCache: requests older than the flush finish without writing. */
  #epoch = 0
  #infoCacheSize = 10_000
  #itemsCacheSize = 100

  /** The DiscoClient of `xmpp` for that QueryClient (a private one when none is given). */
  static for(xmpp: XmppClient, options: DiscoClientOptions = {}): DiscoClient {
    let perClient = clients.get(xmpp)
    if (!perClient) {
      perClient = new WeakMap()
      clients.set(xmpp, perClient)
    }
    const key = options.queryClient ?? privateQueryClient(xmpp)
    let client = perClient.get(key)
    if (!client) {
      client = new DiscoClient(xmpp, key)
      perClient.set(key, client)
    }
    return client
  }

  private constructor(xmpp: XmppClient, queryClient: QueryClient) {
    this.#xmpp = xmpp
    this.queryClient = queryClient
    this.#matcher = ReplyMatcher.for(xmpp)
    // "Cached until flushed": our entries never expire by time; CacheBound bounds them.
    queryClient.setQueryDefaults([QUERY_KEY_ROOT], { gcTime: Infinity, staleTime: Infinity })
    const cache = queryClient.getQueryCache()
    const mine = (kind: DiscoKind) => (key: QueryKey) =>
      key[0] === QUERY_KEY_ROOT && key[1] === this.#account() && key[2] === kind
    this.#bounds = {
      info: new CacheBound(cache, mine('info'), () => this.#infoCacheSize),
      items: new CacheBound(cache, mine('items'), () => this.#itemsCacheSize),
    }
    this.#matcher.onSessionEnd(() => this.flushCache())
    // The generation guard lives as long as its entry: an evicted target leaves nothing behind.
    cache.subscribe((event) => {
      if (event.type === 'removed') this.#written.delete(event.query.queryHash)
    })
  }

  /** Maximum number of cached disco#info results (default 10000). */
  get infoCacheSize(): number {
    return this.#infoCacheSize
  }
  set infoCacheSize(size: number) {
    this.#infoCacheSize = size
    this.#bounds.info.enforce()
  }

  /** Maximum number of cached disco#items results (default 100). */
  get itemsCacheSize(): number {
    return this.#itemsCacheSize
  }
  set itemsCacheSize(size: number) {
    this.#itemsCacheSize = size
    this.#bounds.items.enforce()
  }

  // ---- query keys and TanStack options ----

  /** The query key of a target. Throws InvalidJidError / InvalidInputError on bad input. */
  queryKey<K extends DiscoKind>(kind: K, jid: JidInput, node?: string): DiscoQueryKey<K> {
    assertOptionalText(node, 'node')
    return [QUERY_KEY_ROOT, this.#account(), kind, normalizeJid(jid), node ?? null] as const
  }

  /** Options for useQuery / fetchQuery sharing the cache entry of queryInfo(jid, { node }). */
  infoQueryOptions(jid: JidInput, node?: string, options: { timeout?: number } = {}): DiscoQueryOptions<DiscoInfo, 'info'> {
    return this.#queryOptions(this.queryKey('info', jid, node), options.timeout)
  }

  /** Options for useQuery / fetchQuery sharing the cache entry of queryItems(jid, { node }). */
  itemsQueryOptions(jid: JidInput, node?: string, options: { timeout?: number } = {}): DiscoQueryOptions<DiscoItems, 'items'> {
    return this.#queryOptions(this.queryKey('items', jid, node), options.timeout)
  }

  #queryOptions<K extends DiscoKind>(queryKey: DiscoQueryKey<K>, timeout: number | undefined): DiscoQueryOptions<Result<K>, K> {
    return {
      queryKey,
      // TanStack calls this when it wants fresh data: join the request in
      // flight or send one, never answer from the cache.
      queryFn: ({ signal }) => this.#fetch(queryKey, { signal, timeout }) as Promise<Result<K>>,
      staleTime: Infinity,
      gcTime: Infinity,
      retry: false,
    }
  }

  // ---- queries ----

  /** The identities, features and forms of `jid` (at `node`), from the cache or one shared request. */
  // async: bad input (InvalidJidError, InvalidInputError) rejects like every
  // other failure instead of throwing synchronously, and still sends nothing.
  async queryInfo(jid: JidInput, options: InfoQueryOptions = {}): Promise<DiscoInfo> {
    return (await this.#query(this.queryKey('info', jid, options.node), options)) as DiscoInfo
  }

  /** The items of `jid` (at `node`), with the same caching and aliasing as queryInfo. */
  async queryItems(jid: JidInput, options: QueryOptions = {}): Promise<DiscoItems> {
    return (await this.#query(this.queryKey('items', jid, options.node), { ...options, noCache: false })) as DiscoItems
  }

  async #query(key: DiscoQueryKey, options: InfoQueryOptions): Promise<DiscoInfo | DiscoItems> {
    const { signal } = options
    if (signal?.aborted) throw abortReason(signal)
    const hash = hashKey(key)
    if (options.requireFresh) {
      // With noCache the fresh request replaces nothing: it is neither stored nor joined.
      if (!options.noCache) this.#futures.delete(hash)
      return this.#join(this.#startFlight(key, hash, !options.noCache, true), options)
    }
    const future = this.#futures.get(hash)
    if (future) return this.#waitFor(future, options)
    // A request in flight (after requireFresh or a flush) is the entry: join it, not an older cached result.
    if (this.#flights.has(hash)) return this.#fetch(key, options)
    const query = this.queryClient.getQueryCache().get(hash)
    if (query && isCached(query)) {
      this.#bounds[key[2]].touch(query)
      return query.state.data as DiscoInfo | DiscoItems
    }
    if (options.noCache) return this.#join(this.#startFlight(key, hash, false), options)
    return this.#fetch(key, options)
  }

  /** Joins the flight of `key` or starts one (the queryFn of the TanStack options). */
  #fetch(key: DiscoQueryKey, caller: Caller): Promise<DiscoInfo | DiscoItems> {
    const hash = hashKey(key)
    const future = this.#futures.get(hash)
    if (future) return this.#waitFor(future, caller)
    const flight = this.#flights.get(hash) ?? this.#startFlight(key, hash, true)
    flight.joinedByQueryFn = true
    return this.#join(flight, caller).then((result) => {
      // An older reply that lost the race returns what the newer one wrote.
      const written = this.#written.get(hash)
      return written !== undefined && written > flight.generation
        ? ((this.queryClient.getQueryData(key) as DiscoInfo | DiscoItems | undefined) ?? result)
        : result
    })
  }

  #startFlight(key: DiscoQueryKey, hash: string, store: boolean, fresh = false): Flight<DiscoInfo | DiscoItems> {
    const request = this.#request(key, fresh)
    const generation = ++this.#generation
    const epoch = this.#epoch
    let rejectFlight: (reason: unknown) => void = () => {}
    const promise = new Promise<DiscoInfo | DiscoItems>((resolve, reject) => {
      rejectFlight = reject
      request.promise.then(resolve, reject)
    })
    const flight: Flight<DiscoInfo | DiscoItems> = {
      generation,
      promise,
      joinedByQueryFn: false,
      discarded: false,
      callers: 0,
      settled: false,
      abandon: () => {
        request.cancel()
        if (this.#flights.get(hash) === flight) this.#flights.delete(hash)
        rejectFlight(new DOMException('Every caller left', 'AbortError'))
      },
    }
    if (store) this.#flights.set(hash, flight)
    const settle = (): void => {
      flight.settled = true
      if (this.#flights.get(hash) === flight) this.#flights.delete(hash)
    }
    promise.then(
      (result) => {
        settle()
        // A flushCache since the request went out: let it finish, but do not store it.
        if (!store || flight.discarded || epoch !== this.#epoch) return
        if ((this.#written.get(hash) ?? 0) > generation) return
        this.#written.set(hash, generation)
        // A TanStack fetch waiting on this flight stores the same result: one write, not two.
        const query = this.queryClient.getQueryCache().get(hash)
        if (flight.joinedByQueryFn && query?.state.fetchStatus === 'fetching') return
        this.queryClient.setQueryData(key, result)
      },
      () => {
        settle()
        // Errors are never cached: the next call for the target sends again.
        // A failure from before a flush, or older than the result stored, discards nothing.
        if (!store || flight.discarded || epoch !== this.#epoch || (this.#written.get(hash) ?? 0) > generation) return
        const query = this.queryClient.getQueryCache().get(hash)
        if (query && !query.state.isInvalidated) void query.invalidate()
      },
    )
    return flight
  }

  /**
   * The answer for `key`: an info source's for a plain disco#info query
   * (unless `fresh`: requireFresh asks the entity itself), else one IQ.
   */
  #request(key: DiscoQueryKey, fresh: boolean): { promise: Promise<DiscoInfo | DiscoItems>; cancel(): void } {
    const [, , kind, jid, node] = key
    const direct = (): { promise: Promise<DiscoInfo | DiscoItems>; cancel(): void } => {
      const payload = xml('query', { xmlns: kind === 'info' ? NS_DISCO_INFO : NS_DISCO_ITEMS, node: node ?? undefined })
      const request: PendingRequest = this.#matcher.request(jid, payload)
      return { promise: request.promise.then((stanza) => parseReply(kind, stanza, node)), cancel: request.cancel }
    }
    if (kind !== 'info' || node !== null || fresh) return direct()
    const controller = new AbortController()
    for (const source of this.#sources) {
      const answer = source.resolveInfo(jid, { signal: controller.signal })
      if (!answer) continue
      let fallback: { cancel(): void } | undefined
      const promise = answer.then((info) => {
        if (info) return info
        if (controller.signal.aborted) throw abortReason(controller.signal)
        const request = direct()
        fallback = request
        return request.promise
      })
      return {
        promise,
        cancel: () => {
          controller.abort()
          fallback?.cancel()
        },
      }
    }
    return direct()
  }

  /** Waits for `flight` as one caller, with its own timeout and abort signal. */
  #join<T>(flight: Flight<T>, caller: Caller): Promise<T> {
    flight.callers++
    return this.#waitFor(flight.promise, caller, () => {
      flight.callers--
      // Abandoned at the end of the task, not at once: a caller that leaves
      // and comes straight back (React StrictMode's unmount and remount,
      // a refetch) joins the same request instead of sending another.
      if (flight.callers === 0) {
        queueMicrotask(() => {
          if (flight.callers === 0 && !flight.settled) flight.abandon()
        })
      }
    })
  }

  #waitFor<T>(promise: Promise<T>, caller: Caller, onLeave?: () => void): Promise<T> {
    const { signal } = caller
    const timeout = caller.timeout ?? DEFAULT_TIMEOUT
    return new Promise<T>((resolve, reject) => {
      let done = false
      const finish = (): boolean => {
        if (done) return false
        done = true
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        return true
      }
      const leave = (error: unknown): void => {
        if (!finish()) return
        onLeave?.()
        reject(error)
      }
      const onAbort = (): void => leave(signal ? abortReason(signal) : undefined)
      const timer = setTimeout(() => leave(new TimeoutError(timeout)), timeout)
      signal?.addEventListener('abort', onAbort, { once: true })
      promise.then(
        (value) => finish() && resolve(value),
        (error: unknown) => finish() && reject(error),
      )
    })
  }

  // ---- priming and flushing ----

  /** Stores `info` as the disco#info of `jid` at `node`, as if it had been queried. */
  setInfoCache(jid: JidInput, node: string | undefined, info: DiscoInfo): void {
    const key = this.queryKey('info', jid, node)
    const hash = hashKey(key)
    this.#futures.delete(hash)
    this.#written.set(hash, ++this.#generation)
    this.queryClient.setQueryData(key, info)
  }

  /**
   * Makes `future` the answer for `jid` at `node`: queries wait for it instead
   * of sending. A future that rejects stays, failing every query with its
   * error, until a query with requireFresh.
   */
  setInfoFuture(jid: JidInput, node: string | undefined, future: Promise<DiscoInfo>): void {
    const key = this.queryKey('info', jid, node)
    const hash = hashKey(key)
    const generation = ++this.#generation
    this.#futures.set(hash, future)
    // Nobody may be listening yet: the rejection is for later callers.
    future.then(
      (info) => {
        if (this.#futures.get(hash) !== future) return
        this.#futures.delete(hash)
        if ((this.#written.get(hash) ?? 0) > generation) return
        this.#written.set(hash, generation)
        this.queryClient.setQueryData(key, info)
      },
      () => {},
    )
  }

  /**
   * Consults `source` before every plain disco#info query (no node, not
   * requireFresh) this client would send. Returns the removal.
   */
  addInfoSource(source: InfoSource): () => void {
    this.#sources.add(source)
    return () => {
      this.#sources.delete(source)
    }
  }

  /**
   * Forgets the disco#info of `jid` at `node` (cached, future or in flight:
   * a reply still on its way is not stored). An entry a hook observes is
   * fetched anew at once; others on the next call.
   */
  forgetInfo(jid: JidInput, node?: string): void {
    const key = this.queryKey('info', jid, node)
    const hash = hashKey(key)
    const query = this.queryClient.getQueryCache().get(hash)
    const flight = this.#flights.get(hash)
    if (flight) flight.discarded = true
    this.#futures.delete(hash)
    this.#flights.delete(hash)
    if (!query) return
    // Older requests compare their generation with this one and do not write.
    this.#written.set(hash, ++this.#generation)
    if (query.getObserversCount() > 0) void this.queryClient.invalidateQueries({ queryKey: key, exact: true })
    else this.queryClient.getQueryCache().remove(query)
  }

  /** Forgets every cached result; requests in flight finish, but the next call for each target sends anew. */
  flushCache(): void {
    this.#epoch++
    this.#futures.clear()
    this.#flights.clear()
    this.#written.clear()
    this.queryClient.removeQueries({
      predicate: (q) => q.queryKey[0] === QUERY_KEY_ROOT && q.queryKey[1] === this.#account(),
    })
  }

  /** Cached entries, per kind (for diagnostics and benchmarks). */
  get cacheSize(): Record<DiscoKind, number> {
    return { info: this.#bounds.info.size, items: this.#bounds.items.size }
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

/** A result is served from the cache when it has data and no error or invalidation came after it. */
function isCached(query: Query): boolean {
  const { state } = query
  return state.data !== undefined && !state.isInvalidated && state.dataUpdatedAt >= state.errorUpdatedAt
}

function parseReply(kind: DiscoKind, stanza: XmlElement, node: string | null): DiscoInfo | DiscoItems {
  const ns = kind === 'info' ? NS_DISCO_INFO : NS_DISCO_ITEMS
  const query = stanza.getChild('query', ns)
  if (!query) {
    // An items result without payload has no items; an info result must have identities.
    if (kind === 'items') return node === null ? { items: [] } : { node, items: [] }
    throw new MalformedResponseError(`result without <query xmlns='${ns}'/>`, stanza)
  }
  const echoed = query.attrs.node || null
  if (echoed !== null && echoed !== node) {
    throw new MalformedResponseError(`reply for node ${JSON.stringify(echoed)}, asked ${JSON.stringify(node)}`, stanza)
  }
  const result = kind === 'info' ? parseInfo(query) : parseItems(query)
  // Some servers do not echo the node (XEP-0030 says they MUST): the answer is still for it.
  if (node !== null) result.node = node
  return result
}

const privateClients = new WeakMap<XmppClient, QueryClient>()
function privateQueryClient(xmpp: XmppClient): QueryClient {
  let queryClient = privateClients.get(xmpp)
  if (!queryClient) {
    // Not mounted: focus and online refetching are the app's choice, on its own QueryClient.
    queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    privateClients.set(xmpp, queryClient)
  }
  return queryClient
}
