/**
 * The TanStack options DiscoClient gives for its entries: what
 * `useQuery(discoClient.infoQueryOptions(jid))` and
 * `useInfiniteQuery(discoClient.itemsPagesQueryOptions(jid))` take.
 *
 * Entries never go stale by time (XEP-0030 answers are cached until
 * something says they changed: a flush, a presence, new caps), are never
 * retried by TanStack (a peer's error is an answer), and follow the XMPP
 * session rather than the browser's online state.
 */
import type { QueryFunctionContext } from '@tanstack/query-core'
import type { DiscoItemsPage } from './model.js'
import type { DiscoKind, DiscoPagesKey, DiscoQueryKey } from './queryKeys.js'
import type { RequestQueue } from './RequestQueue.js'

/** TanStack query options for one target; `useQuery(discoClient.infoQueryOptions(jid))`. */
export interface DiscoQueryOptions<T, K extends DiscoKind> {
  queryKey: DiscoQueryKey<K>
  queryFn: (context: QueryFunctionContext<DiscoQueryKey<K>>) => Promise<T>
  queryHash: string
  /** A plain disco#info entry starts with what an info source knows at once (InfoSource.peekInfo). */
  initialData?: () => T | undefined
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
