'use client'
import { useEffect } from 'react'
import type { Node } from '../core/Node.js'
import { useDiscoContext } from './context.js'

export interface UseFeatureOptions {
  /** Declare it (default true); false withdraws this component's claim. */
  enabled?: boolean
  /** A mountpoint to declare it on instead of the nearest <DiscoNode> or the root. */
  node?: string
}

export interface UseFeatureResult {
  feature: string
  /** Whether this component declares it (while mounted). */
  enabled: boolean
}

/**
 * Declares `feature` on our entity while the component is mounted and
 * `enabled` (aioxmpp's RegisteredFeature as a hook). Reference-counted: the
 * feature stays while any component declares it. All declarations of one
 * React commit produce one onInfoChanged.
 */
export function useFeature(feature: string, { enabled = true, node }: UseFeatureOptions = {}): UseFeatureResult {
  const { server, node: nearest } = useDiscoContext('useFeature')
  useEffect(() => {
    if (!enabled) return
    // A node not mounted yet gets the shared node a <DiscoNode> of that
    // mountpoint will mount, so sibling order does not matter.
    const target: Node = node === undefined ? nearest : (server.getNode(node) ?? server.declaredNode(node))
    const release = target.coalesce(() => target.claimFeature(feature))
    return () => target.coalesce(release)
  }, [server, nearest, node, feature, enabled])
  return { feature, enabled }
}
