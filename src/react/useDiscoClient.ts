'use client'
import type { DiscoClient } from '../core/DiscoClient.js'
import { useDiscoContext } from './context.js'

/** The DiscoClient of the nearest DiscoProvider, for imperative queries. */
export function useDiscoClient(): DiscoClient {
  return useDiscoContext('useDiscoClient').client
}
