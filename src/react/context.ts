'use client'
import { createContext, useContext } from 'react'
import { DiscoError } from '../core/errors.js'
import type { DiscoClient } from '../core/DiscoClient.js'
import type { DiscoServer } from '../core/DiscoServer.js'
import type { Node } from '../core/Node.js'
import type { XmppClient } from '../core/XmppClient.js'

export interface DiscoContextValue {
  xmpp: XmppClient
  client: DiscoClient
  server: DiscoServer
  /** Whether the XMPP session is up: queries wait for it. */
  online: boolean
  /**
   * The node that <Feature>, <Identity>, <Item> and the forms declare on:
   * the root (the server), or the nearest <DiscoNode>'s. In this one context
   * so that a declaration reads one context, not two: they mount by the thousand.
   */
  node: Node
}

export const DiscoContext = createContext<DiscoContextValue | null>(null)

export function useDiscoContext(caller: string): DiscoContextValue {
  const value = useContext(DiscoContext)
  if (!value) {
    throw new DiscoError(`${caller} must be used inside <DiscoProvider client={xmpp}>: wrap your app (or this part of it) in a DiscoProvider.`)
  }
  return value
}

/** The node declarations go to: the nearest <DiscoNode>, else the DiscoServer. */
export function useDeclarationNode(caller: string): Node {
  return useDiscoContext(caller).node
}
