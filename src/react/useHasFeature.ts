'use client'
import type { UseQueryResult } from '@tanstack/react-query'
import { useMemo } from 'react'
import type { JidInput } from '../core/jid.js'
import type { DiscoInfo } from '../core/model.js'
import { NS_DISCO_INFO } from '../core/namespaces.js'
import { useDiscoInfo } from './useDiscoInfo.js'
import type { UseDiscoInfoOptions } from './useDiscoInfo.js'

/** useDiscoInfo's options (node, enabled, timeout, refetch settings, ...), less `select`. */
export type UseHasFeatureOptions = Omit<UseDiscoInfoOptions<boolean>, 'select'>

export type UseHasFeatureResult = Omit<UseQueryResult<boolean, Error>, 'data'> & {
  /** true or false once known; undefined while unknown or when the query failed. */
  supported: boolean | undefined
}

// XEP-0030 section 3.1: a reply missing the disco#info feature still supports it.
const supports = (feature: string) => (info: DiscoInfo) =>
  feature === NS_DISCO_INFO || info.features.includes(feature)

/** Whether `jid` (at `node`) advertises `feature`: true, false, or undefined while unknown. */
export function useHasFeature(
  jid: JidInput | null | undefined,
  feature: string,
  options: UseHasFeatureOptions = {},
): UseHasFeatureResult {
  const select = useMemo(() => supports(feature), [feature])
  const { data, ...query } = useDiscoInfo(jid, { ...options, select })
  return { ...query, supported: query.isError ? undefined : data } as UseHasFeatureResult
}
