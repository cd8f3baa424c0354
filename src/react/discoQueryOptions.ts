'use client'
import { skipToken } from '@tanstack/react-query'
import type { UseQueryOptions } from '@tanstack/react-query'
import { QUERY_KEY_ROOT } from '../core/DiscoClient.js'
import type { DiscoClient, DiscoKind } from '../core/DiscoClient.js'
import type { JidInput } from '../core/jid.js'
import type { DiscoInfo, DiscoItems } from '../core/model.js'

/** Options shared by useDiscoInfo and useDiscoItems: TanStack's, less what the library sets. */
export type DiscoHookOptions<TResult, TData> = Omit<
  UseQueryOptions<TResult, Error, TData>,
  'queryKey' | 'queryFn'
> & {
  /** The node to query. */
  node?: string | undefined
  /** Milliseconds to wait for the reply; default 30000. */
  timeout?: number | undefined
}

type Result<K extends DiscoKind> = K extends 'info' ? DiscoInfo : DiscoItems

/**
 * The useQuery options of a hook. A missing jid, or a session that is not up,
 * disables the query; an invalid jid or node becomes the query's error
 * (InvalidJidError / InvalidInputError) without anything being sent.
 */
export function discoQueryOptions<K extends DiscoKind, TData>(
  client: DiscoClient,
  online: boolean,
  kind: K,
  jid: JidInput | null | undefined,
  { node, timeout, enabled = true, ...rest }: DiscoHookOptions<Result<K>, TData>,
): UseQueryOptions<Result<K>, Error, TData> {
  if (jid === null || jid === undefined) {
    return { ...rest, queryKey: [QUERY_KEY_ROOT, '', kind, null, node ?? null], queryFn: skipToken }
  }
  try {
    const base =
      kind === 'info'
        ? client.infoQueryOptions(jid, node, timeout === undefined ? {} : { timeout })
        : client.itemsQueryOptions(jid, node, timeout === undefined ? {} : { timeout })
    return { ...(base as unknown as UseQueryOptions<Result<K>, Error, TData>), ...rest, enabled: online ? enabled : false }
  } catch (error) {
    return {
      ...rest,
      queryKey: [QUERY_KEY_ROOT, 'invalid', kind, String(jid), node ?? null],
      queryFn: () => Promise.reject(error instanceof Error ? error : new Error(String(error))),
      retry: false,
      enabled,
    }
  }
}
