'use client'
import { useEffect } from 'react'
import { DiscoServer } from '../core/DiscoServer.js'
import { InvalidInputError } from '../core/errors.js'
import { normalizeJid } from '../core/jid.js'
import type { DiscoItem } from '../core/model.js'
import { StaticNode } from '../core/Node.js'
import { useDeclarationNode } from './context.js'

export interface ItemProps {
  jid: string
  node?: string
  name?: string
}

/** Lists an item in the disco#items of our entity (or of the nearest <DiscoNode>) while mounted. */
export function Item({ jid, node, name }: ItemProps): null {
  const target = useDeclarationNode('Item')
  useEffect(() => {
    if (!(target instanceof StaticNode || target instanceof DiscoServer)) {
      throw new InvalidInputError('<Item> needs a node with items: the root or a <DiscoNode>')
    }
    const item: DiscoItem = { jid: normalizeJid(jid) }
    if (node !== undefined) item.node = node
    if (name !== undefined) item.name = name
    return target.claimItem(item)
  }, [target, jid, node, name])
  return null
}
