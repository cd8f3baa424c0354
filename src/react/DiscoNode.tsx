'use client'
import { useEffect, useMemo } from 'react'
import type { ReactNode } from 'react'
import { DiscoContext, useDiscoContext } from './context.js'
import type { DiscoContextValue } from './context.js'

export interface DiscoNodeProps {
  /** The mountpoint: queries with this node attribute are answered by this node. */
  node: string
  /** List it in the root's disco#items (default false). */
  listed?: boolean
  /** Its name in that listing. */
  name?: string
  children?: ReactNode
}

/**
 * Mounts a node of our entity while rendered; <Feature>, <Identity> and
 * <Item> inside declare on it. A node without an <Identity> answers
 * item-not-found (XEP-0030: every node has an identity). Two <DiscoNode>s
 * with one mountpoint share the node; it goes when the last unmounts.
 */
export function DiscoNode({ node: mountpoint, listed = false, name, children }: DiscoNodeProps) {
  const context = useDiscoContext('DiscoNode')
  const { server } = context
  // Made during render (no wire effect) so that the children's effects,
  // which run before ours, already declare on it.
  const node = useMemo(() => server.declaredNode(mountpoint), [server, mountpoint])
  useEffect(
    () => server.claimNode(mountpoint, node, name === undefined ? { listed } : { listed, name }),
    [server, mountpoint, node, listed, name],
  )
  const value = useMemo<DiscoContextValue>(() => ({ ...context, node }), [context, node])
  return <DiscoContext.Provider value={value}>{children}</DiscoContext.Provider>
}
