'use client'
import { useFeature } from './useFeature.js'

export interface FeatureProps {
  /** The feature's var, e.g. "urn:xmpp:jingle:1". */
  var: string
  /** A mountpoint to declare it on instead of the nearest <DiscoNode> or the root. */
  node?: string
}

/** Declares a feature while mounted (XEP-0030 section 3.1). Renders nothing. */
export function Feature({ var: feature, node }: FeatureProps): null {
  useFeature(feature, node === undefined ? ON_ROOT : { node })
  return null
}

const ON_ROOT = {}
