'use client'
import { useQueries } from '@tanstack/react-query'
import type { UseQueryResult } from '@tanstack/react-query'
import { useState } from 'react'
import { serverOf } from '../core/findServices.js'
import type { FoundService } from '../core/findServices.js'
import type { JidInput } from '../core/jid.js'
import { hasFeature } from '../core/model.js'
import type { DiscoInfo } from '../core/model.js'
import { RequestQueue } from '../core/RequestQueue.js'
import { assertText } from '../core/validate.js'
import { useDiscoContext } from './context.js'
import { discoQueryOptions } from './discoQueryOptions.js'
import { useDiscoItems } from './useDiscoItems.js'

export interface UseFindServicesOptions {
  /** Whose items to look through (default: our server's domain). */
  jid?: JidInput | null | undefined
  /** Milliseconds each query waits for its reply (default 30000). */
  timeout?: number | undefined
  enabled?: boolean | undefined
}

export interface UseFindServicesResult {
  /** The items whose info has the feature, in the items' order; undefined until every item has answered (or failed). */
  data: FoundService[] | undefined
  isPending: boolean
  isSuccess: boolean
  isError: boolean
  /** Why the items could not be listed (an item whose info fails is only left out). */
  error: Error | null
  /** Items whose info has come (or failed), of `total`. */
  checked: number
  total: number | undefined
}

/**
 * The items of `options.jid` (our server by default) whose disco#info
 * advertises `feature`, each with that info: "where is the HTTP upload
 * service?" (`useFindServices('urn:xmpp:http:upload:0')`). The items, then
 * the info of each, at most 6 in flight; every answer is the cache entry
 * useDiscoItems and useDiscoInfo share (DiscoClient.findServices is the core
 * counterpart).
 */
export function useFindServices(feature: string, options: UseFindServicesOptions = {}): UseFindServicesResult {
  const { client, xmpp, online } = useDiscoContext('useFindServices')
  const { timeout, enabled = true } = options
  const [queue] = useState(() => new RequestQueue())
  let badFeature: Error | null = null
  try {
    assertText(feature, 'feature')
  } catch (error) {
    badFeature = error as Error
  }
  const jid = options.jid === undefined ? serverOf(xmpp) : options.jid
  const items = useDiscoItems(badFeature ? null : jid, { timeout, enabled })
  const list = items.data?.items
  const infos: UseQueryResult<DiscoInfo, Error>[] = useQueries(
    {
      queries: (list ?? []).map((item) => {
        const { disabled: _, ...query } = discoQueryOptions(client, xmpp, online, 'info', item.jid, { node: item.node, timeout, queue, enabled })
        return query
      }),
    },
    client.queryClient,
  )
  const checked = infos.filter((info) => info.isSuccess || info.isError).length
  let data: FoundService[] | undefined
  if (list && checked === list.length) {
    data = []
    list.forEach((item, i) => {
      const info = infos[i]?.data
      if (info && hasFeature(info, feature)) data?.push({ ...item, info })
    })
  }
  const error = badFeature ?? items.error
  return {
    data,
    isPending: data === undefined && error === null,
    isSuccess: data !== undefined,
    isError: error !== null,
    error,
    checked,
    total: list?.length,
  }
}
