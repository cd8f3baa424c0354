'use client'
import { skipToken, useQuery } from '@tanstack/react-query'
import type { UseQueryOptions, UseQueryResult } from '@tanstack/react-query'
import { QUERY_KEY_ROOT } from '../core/DiscoClient.js'
import type { DiscoClient, DiscoKind } from '../core/DiscoClient.js'
import type { JidInput } from '../core/jid.js'
import type { DiscoInfo, DiscoItemsList } from '../core/model.js'
import type { RequestQueue } from '../core/RequestQueue.js'
import type { XmppClient } from '../core/XmppClient.js'
import { useDiscoContext } from './context.js'

/** Options shared by useDiscoInfo and useDiscoItems: TanStack's, less what the library sets. */
export type DiscoHookOptions<TResult, TData> = Omit<
  UseQueryOptions<TResult, Error, TData>,
  'queryKey' | 'queryFn'
> & {
  /** The node to query. */
  node?: string | undefined
  /** Milliseconds to wait for the reply (Infinity: no limit); default 30000. */
  timeout?: number | undefined
  /**
   * Send the request through this queue (a RequestQueue of the core): with
   * many hooks sharing one, at most its `limit` of their requests are in
   * flight. A cached answer, or a request already under way, needs no turn.
   */
  queue?: RequestQueue | undefined
}

type Result<K extends DiscoKind> = K extends 'info' ? DiscoInfo : DiscoItemsList

/**
 * The useQuery options of a hook.
 * - A missing jid, or a client that has never had an account, gives a
 *   disabled query outside the library's entries (TanStack's gcTime applies).
 * - While the session is not up, the query keeps its entry (and its data,
 *   through a stream resumption) but does not fetch.
 * - An invalid jid, node or timeout becomes the query's error
 *   (InvalidJidError / InvalidInputError) without anything being sent.
 */
export function discoQueryOptions<K extends DiscoKind, TData>(
  client: DiscoClient,
  xmpp: XmppClient,
  online: boolean,
  kind: K,
  jid: JidInput | null | undefined,
  { node, timeout, queue, enabled = true, ...rest }: DiscoHookOptions<Result<K>, TData>,
): UseQueryOptions<Result<K>, Error, TData> & { disabled?: true } {
  if (jid === null || jid === undefined || !xmpp.jid) {
    return { ...rest, queryKey: [QUERY_KEY_ROOT, 'disabled', kind, null, node ?? null], queryFn: skipToken, enabled: false, disabled: true }
  }
  try {
    const base = kind === 'info' ? client.infoQueryOptions(jid, node, { timeout, queue }) : client.itemsQueryOptions(jid, node, { timeout, queue })
    return { ...(base as unknown as UseQueryOptions<Result<K>, Error, TData>), ...rest, enabled: online ? enabled : false }
  } catch (error) {
    return {
      ...rest,
      queryKey: [QUERY_KEY_ROOT, 'invalid', kind, String(jid), node ?? null, timeout ?? null],
      queryFn: () => Promise.reject(error instanceof Error ? error : new Error(String(error))),
      retry: false,
      enabled,
    }
  }
}

/** useDiscoInfo and useDiscoItems: useQuery over discoQueryOptions; a disabled hook's refetch does nothing. */
export function useDiscoQuery<K extends DiscoKind, TData>(
  caller: string,
  kind: K,
  jid: JidInput | null | undefined,
  options: DiscoHookOptions<Result<K>, TData>,
): UseQueryResult<TData, Error> {
  const { client, xmpp, online } = useDiscoContext(caller)
  const { disabled, ...queryOptions } = discoQueryOptions(client, xmpp, online, kind, jid, options)
  const result = useQuery(queryOptions, client.queryClient)
  return disabled ? withoutRefetch(result) : result
}

/**
 * TanStack's refetch() ignores `enabled` and would run the skipToken queryFn
 * (an error for every hook sharing the disabled key): there is nothing to
 * fetch, so it resolves with the current result. The result is TanStack's
 * property-tracking proxy; this one keeps reads going through it.
 */
export function withoutRefetch<R extends { refetch: (...args: never[]) => Promise<unknown> }>(result: R): R {
  const refetch = (): Promise<R> => Promise.resolve(result)
  return new Proxy(result, {
    get: (target, key, receiver) => (key === 'refetch' ? refetch : Reflect.get(target, key, receiver)),
  })
}
