'use client'
import type { DiscoServer } from '../core/DiscoServer.js'
import { useDiscoContext } from './context.js'

/** The DiscoServer of the nearest DiscoProvider, to declare nodes imperatively. */
export function useDiscoServer(): DiscoServer {
  return useDiscoContext('useDiscoServer').server
}
