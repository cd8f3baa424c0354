'use client'
import type { UseSuspenseQueryResult } from '@tanstack/react-query'
import type { JidInput } from '../core/jid.js'
import type { DiscoItems } from '../core/model.js'
import { useSuspenseDiscoQuery } from './discoQueryOptions.js'
import type { DiscoSuspenseHookOptions } from './discoQueryOptions.js'

export type UseSuspenseDiscoItemsOptions<TData = DiscoItems> = DiscoSuspenseHookOptions<DiscoItems, TData>

/** useDiscoItems for React Suspense, as useSuspenseDiscoInfo. */
export function useSuspenseDiscoItems<TData = DiscoItems>(
  jid: JidInput,
  options: UseSuspenseDiscoItemsOptions<TData> = {},
): UseSuspenseQueryResult<TData, Error> {
  return useSuspenseDiscoQuery('useSuspenseDiscoItems', 'items', jid, options)
}
