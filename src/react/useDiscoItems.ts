'use client'
import type { UseQueryResult } from '@tanstack/react-query'
import type { JidInput } from '../core/jid.js'
import type { DiscoItems } from '../core/model.js'
import { useDiscoQuery } from './discoQueryOptions.js'
import type { DiscoHookOptions } from './discoQueryOptions.js'

export type UseDiscoItemsOptions<TData = DiscoItems> = DiscoHookOptions<DiscoItems, TData>

/** The items of `jid` (at `options.node`), shared and cached like useDiscoInfo. */
export function useDiscoItems<TData = DiscoItems>(
  jid: JidInput | null | undefined,
  options: UseDiscoItemsOptions<TData> = {},
): UseQueryResult<TData, Error> {
  return useDiscoQuery('useDiscoItems', 'items', jid, options)
}
