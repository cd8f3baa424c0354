'use client'
import type { UseQueryResult } from '@tanstack/react-query'
import { useMemo } from 'react'
import type { JidInput } from '../core/jid.js'
import { hasFeature } from '../core/model.js'
import type { DiscoInfo } from '../core/model.js'
import { resultView } from './resultView.js'
import { useDiscoInfo } from './useDiscoInfo.js'
import type { UseDiscoInfoOptions } from './useDiscoInfo.js'

/** useDiscoInfo's options (node, enabled, timeout, refetch settings, ...), less `select`. */
export type UseHasFeatureOptions = Omit<UseDiscoInfoOptions<boolean>, 'select'>

export type UseHasFeatureResult = Omit<UseQueryResult<boolean, Error>, 'data'> & {
  /** true or false once known; undefined while unknown or when the query failed. */
  supported: boolean | undefined
}

const supports = (feature: string) => (info: DiscoInfo) => hasFeature(info, feature)

/** Whether `jid` (at `node`) advertises `feature`: true, false, or undefined while unknown. */
export function useHasFeature(
  jid: JidInput | null | undefined,
  feature: string,
  options: UseHasFeatureOptions = {},
): UseHasFeatureResult {
  const select = useMemo(() => supports(feature), [feature])
  const result = useDiscoInfo(jid, { ...options, select })
  // In place of data (which may be an earlier answer's when the query failed).
  return resultView(result, { supported: () => (result.isError ? undefined : result.data) }, 'data')
}
