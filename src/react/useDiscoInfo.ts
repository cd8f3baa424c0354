'use client'
import type { UseQueryResult } from '@tanstack/react-query'
import type { JidInput } from '../core/jid.js'
import type { DiscoInfo } from '../core/model.js'
import { useDiscoQuery } from './discoQueryOptions.js'
import type { DiscoHookOptions } from './discoQueryOptions.js'

export type UseDiscoInfoOptions<TData = DiscoInfo> = DiscoHookOptions<DiscoInfo, TData>

/**
 * What `jid` (at `options.node`) is and supports. Every component asking for
 * one target shares one request and one cache entry with DiscoClient.queryInfo.
 * A null or undefined jid disables the query.
 */
export function useDiscoInfo<TData = DiscoInfo>(
  jid: JidInput | null | undefined,
  options: UseDiscoInfoOptions<TData> = {},
): UseQueryResult<TData, Error> {
  return useDiscoQuery('useDiscoInfo', 'info', jid, options)
}
