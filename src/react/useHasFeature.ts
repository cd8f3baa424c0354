'use client'
import type { UseQueryResult } from '@tanstack/react-query'
import { useMemo } from 'react'
import type { JidInput } from '../core/jid.js'
import { hasFeature } from '../core/model.js'
import type { DiscoInfo } from '../core/model.js'
import { useDiscoInfo } from './useDiscoInfo.js'
import type { UseDiscoInfoOptions } from './useDiscoInfo.js'

/** useDiscoInfo's options (node, enabled, timeout, refetch settings, ...), less `select`. */
export type UseHasFeatureOptions = Omit<UseDiscoInfoOptions<boolean>, 'select'>

export type UseHasFeatureResult = Omit<UseQueryResult<boolean, Error>, 'data'> & {
  /** true or false once known; undefined while unknown or when the query failed. */
  supported: boolean | undefined
}

const supports = (feature: string) => (info: DiscoInfo) => hasFeature(info, feature)

/**
 * The query's result with `supported` in place of `data`, each property read
 * through from it. TanStack re-renders a component only when a property it
 * read changes (tracked queries); a copy (`{ ...result }`) would read them
 * all, and a row showing `supported` would render again for every fetch.
 */
function withSupported(result: UseQueryResult<boolean, Error>): UseHasFeatureResult {
  const view = {}
  for (const key of Object.keys(result) as (keyof typeof result)[]) {
    if (key !== 'data') Object.defineProperty(view, key, { enumerable: true, get: () => result[key] })
  }
  Object.defineProperty(view, 'supported', { enumerable: true, get: () => (result.isError ? undefined : result.data) })
  return view as UseHasFeatureResult
}

/** Whether `jid` (at `node`) advertises `feature`: true, false, or undefined while unknown. */
export function useHasFeature(
  jid: JidInput | null | undefined,
  feature: string,
  options: UseHasFeatureOptions = {},
): UseHasFeatureResult {
  const select = useMemo(() => supports(feature), [feature])
  return withSupported(useDiscoInfo(jid, { ...options, select }))
}
