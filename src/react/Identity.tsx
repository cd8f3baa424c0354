'use client'
import { useEffect, useMemo } from 'react'
import type { IdentityNames } from '../core/Node.js'
import { useDeclarationNode } from './context.js'

export interface IdentityProps {
  /** e.g. "client" (XEP-0030 registry of categories). */
  category: string
  /** e.g. "web", "pc", "bot". */
  type: string
  /** The name without xml:lang. */
  name?: string
  /** Names per xml:lang; `''` is the name without xml:lang. */
  names?: IdentityNames
}

/**
 * Declares an identity of our entity (or of the nearest <DiscoNode>) while
 * mounted. On the root, the first one replaces the default client/bot
 * identity, which comes back when the last one unmounts.
 */
export function Identity({ category, type, name, names }: IdentityProps): null {
  const node = useDeclarationNode('Identity')
  // Compare names by content, so a new object literal each render re-registers nothing.
  const namesKey = JSON.stringify(Object.entries({ ...names, ...(name === undefined ? {} : { '': name }) }).sort())
  const merged = useMemo(() => Object.fromEntries(JSON.parse(namesKey) as [string, string][]), [namesKey])
  useEffect(() => {
    const release = node.coalesce(() => node.claimIdentity(category, type, { names: merged }))
    return () => node.coalesce(release)
  }, [node, category, type, merged])
  return null
}
