'use client'
import { useEffect, useMemo } from 'react'
import type { DataForm } from '../core/model.js'
import { useDeclarationNode } from './context.js'

/**
 * Claims `form` on the root or the nearest <DiscoNode> while mounted: what
 * <ExtendedInfo> and <SoftwareInfo> share. Claims are counted per FORM_TYPE
 * and the claims of one React commit make one onInfoChanged.
 */
export function useDeclaredForm(form: DataForm, caller: string): void {
  const node = useDeclarationNode(caller)
  // Compared by content, so a new fields object each render re-declares nothing.
  const key = JSON.stringify(form)
  const stable = useMemo(() => JSON.parse(key) as DataForm, [key])
  useEffect(() => {
    const release = node.coalesce(() => node.claimForm(stable))
    return () => node.coalesce(release)
  }, [node, stable])
}
