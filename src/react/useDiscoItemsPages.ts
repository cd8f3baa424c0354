'use client'
import { skipToken, useInfiniteQuery } from '@tanstack/react-query'
import type { InfiniteData, UseInfiniteQueryOptions, UseInfiniteQueryResult } from '@tanstack/react-query'
import type { DiscoClient } from '../core/DiscoClient.js'
import { QUERY_KEY_ROOT } from '../core/queryKeys.js'
import type { JidInput } from '../core/jid.js'
import type { DiscoItem, DiscoItemsPage } from '../core/model.js'
import { walkPages } from '../core/PageWalk.js'
import type { XmppClient } from '../core/XmppClient.js'
import { useDiscoContext } from './context.js'
import { withoutRefetch } from './discoQueryOptions.js'
import { resultView } from './resultView.js'

export interface UseDiscoItemsPagesOptions {
  /** The node whose items to page through. */
  node?: string | undefined
  /** Items per page, 1-100 (default 100), always sent as `<max>`. */
  pageSize?: number | undefined
  /** Milliseconds each page waits for its reply (Infinity: no limit); default 30000. */
  timeout?: number | undefined
  enabled?: boolean | undefined
}

type Pages = InfiniteData<DiscoItemsPage, string | null>

export type UseDiscoItemsPagesResult = UseInfiniteQueryResult<Pages, Error> & {
  /** The items of the pages fetched so far, each once, in order. */
  items: DiscoItem[]
  /** How many items there are, as the responder said (or, once every page is in, how many came); undefined while unknown. */
  count: number | undefined
}

const NONE: DiscoItem[] = []
const noNextPage = (): undefined => undefined

function pagesOptions(
  client: DiscoClient,
  xmpp: XmppClient,
  online: boolean,
  jid: JidInput | null | undefined,
  { node, pageSize, timeout, enabled = true }: UseDiscoItemsPagesOptions,
): UseInfiniteQueryOptions<DiscoItemsPage, Error, Pages, readonly unknown[], string | null> & { disabled?: true } {
  const common = { initialPageParam: null, getNextPageParam: noNextPage, retry: false }
  if (jid === null || jid === undefined || !xmpp.jid) {
    return { ...common, queryKey: [QUERY_KEY_ROOT, 'disabled', 'items-pages', null, node ?? null], queryFn: skipToken, enabled: false, disabled: true }
  }
  try {
    const options = client.itemsPagesQueryOptions(jid, node, { pageSize, timeout })
    return { ...(options as unknown as UseInfiniteQueryOptions<DiscoItemsPage, Error, Pages, readonly unknown[], string | null>), enabled: online && enabled }
  } catch (error) {
    return {
      ...common,
      queryKey: [QUERY_KEY_ROOT, 'invalid', 'items-pages', String(jid), node ?? null, pageSize ?? null, timeout ?? null],
      queryFn: () => Promise.reject(error instanceof Error ? error : new Error(String(error))),
      enabled,
    }
  }
}

/**
 * The items of `jid` (at `node`) a page at a time (XEP-0059), over TanStack's
 * useInfiniteQuery: the first page at once, the next with `fetchNextPage()`
 * while `hasNextPage`. `items` holds every item fetched so far and `count`
 * the total. A responder that ignores RSM answers everything in the first
 * page (then `hasNextPage` is false). Identical pages share one request with
 * every other hook and DiscoClient.queryItemsPage call. A null or undefined
 * jid disables it.
 */
export function useDiscoItemsPages(
  jid: JidInput | null | undefined,
  options: UseDiscoItemsPagesOptions = {},
): UseDiscoItemsPagesResult {
  const { client, xmpp, online } = useDiscoContext('useDiscoItemsPages')
  const { disabled, ...queryOptions } = pagesOptions(client, xmpp, online, jid, options)
  const result = useInfiniteQuery(queryOptions, client.queryClient)
  // Walked when read, once per result.
  let walked: ReturnType<typeof walkPages> | undefined
  const walk = () => {
    const pages = result.data?.pages
    if (pages && !walked) walked = walkPages(pages)
    return walked
  }
  const withTotals: UseDiscoItemsPagesResult = resultView(result, { items: () => walk()?.items ?? NONE, count: () => walk()?.count })
  return disabled ? withoutRefetch(withTotals) : withTotals
}
