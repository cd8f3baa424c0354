'use client'
import type { UseSuspenseQueryResult } from '@tanstack/react-query'
import type { JidInput } from '../core/jid.js'
import type { DiscoInfo } from '../core/model.js'
import { useSuspenseDiscoQuery } from './discoQueryOptions.js'
import type { DiscoSuspenseHookOptions } from './discoQueryOptions.js'

export type UseSuspenseDiscoInfoOptions<TData = DiscoInfo> = DiscoSuspenseHookOptions<DiscoInfo, TData>

/**
 * useDiscoInfo for React Suspense: suspends until the answer is in, so
 * `data` is always there; a failure goes to the nearest error boundary. The
 * same cache entry as useDiscoInfo(jid). There is no disabled state (nor
 * `enabled`): render it only when there is a jid. While the session is down
 * it waits for it, at most `timeout` ms (default 30000), then throws
 * DisconnectedError; rendering on a server it never asks.
 */
export function useSuspenseDiscoInfo<TData = DiscoInfo>(
  jid: JidInput,
  options: UseSuspenseDiscoInfoOptions<TData> = {},
): UseSuspenseQueryResult<TData, Error> {
  return useSuspenseDiscoQuery('useSuspenseDiscoInfo', 'info', jid, options)
}
