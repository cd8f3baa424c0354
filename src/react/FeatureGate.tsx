'use client'
import type { ReactNode } from 'react'
import type { JidInput } from '../core/jid.js'
import { useHasFeature } from './useHasFeature.js'

export interface FeatureGateProps {
  /** The entity whose support decides. A null or undefined jid keeps the gate pending. */
  jid: JidInput | null | undefined
  /** The feature var, e.g. "urn:xmpp:jingle:1". */
  feature: string
  /** The node to ask. */
  node?: string | undefined
  /** Shown when the entity does not support the feature, or when asking failed (default: nothing). */
  fallback?: ReactNode | ((error: Error | null) => ReactNode) | undefined
  /** Shown while support is unknown (default: nothing). */
  pending?: ReactNode | undefined
  /** Milliseconds to wait for the reply (default 30000). */
  timeout?: number | undefined
  /** Shown when the entity supports the feature. */
  children?: ReactNode
}

/**
 * Renders its children only when `jid` advertises `feature` (useHasFeature):
 * `pending` while that is unknown, `fallback` when it is not supported or the
 * query failed. A function as fallback gets the error (null when unsupported).
 */
export function FeatureGate({ jid, feature, node, fallback = null, pending = null, timeout, children }: FeatureGateProps) {
  const { supported, error } = useHasFeature(jid, feature, { node, timeout })
  if (supported === true) return <>{children}</>
  if (supported === false || error) {
    return <>{typeof fallback === 'function' ? fallback(error) : fallback}</>
  }
  return <>{pending}</>
}
