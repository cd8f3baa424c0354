'use client'
import { QueryClientContext } from '@tanstack/react-query'
import type { QueryClient } from '@tanstack/react-query'
import { useContext, useMemo, useSyncExternalStore } from 'react'
import type { ReactNode } from 'react'
import { EntityCaps } from '../core/caps/EntityCaps.js'
import type { EntityCapsOptions } from '../core/caps/EntityCaps.js'
import { DiscoClient } from '../core/DiscoClient.js'
import { DiscoServer } from '../core/DiscoServer.js'
import { removeListener } from '../core/XmppClient.js'
import type { XmppClient } from '../core/XmppClient.js'
import { DiscoContext } from './context.js'
import type { DiscoContextValue } from './context.js'

/**
 * Entity capabilities (XEP-0115, XEP-0390) for the client, in both
 * directions: `<DiscoProvider caps={{ node: 'https://app.example' }}>`.
 * Once on, they stay on for that xmpp client.
 */
export type DiscoProviderCaps = Omit<EntityCapsOptions, 'discoClient'>

export interface DiscoProviderProps {
  /** The xmpp.js client (`client()` from @xmpp/client). */
  client: XmppClient
  /** Where results are cached: this one, else the app's QueryClientProvider's, else a private one. */
  queryClient?: QueryClient
  /** Turns entity capabilities on: `<c/>` on our presences, peers' caps answering disco#info queries. */
  caps?: DiscoProviderCaps
  children?: ReactNode
}

function useOnline(xmpp: XmppClient): boolean {
  return useSyncExternalStore(
    (onChange) => {
      xmpp.on('status', onChange)
      return () => removeListener(xmpp, 'status', onChange)
    },
    () => xmpp.status === 'online',
    () => false,
  )
}

/** Gives the hooks and components below it the DiscoServer and DiscoClient of `client`. */
export function DiscoProvider({ client: xmpp, queryClient, caps, children }: DiscoProviderProps) {
  const appQueryClient = useContext(QueryClientContext)
  const chosen = queryClient ?? appQueryClient
  const online = useOnline(xmpp)
  // Primitives, so a caps object literal written inline does not change the value each render.
  const { node: capsNode, ecaps2, history, maxJids, maxHashes, maxVersPerMinute } = caps ?? {}
  // DiscoServer.for / DiscoClient.for / EntityCaps.for return one instance per
  // client, so StrictMode's double render and remounts share them.
  const value = useMemo<DiscoContextValue>(() => {
    const server = DiscoServer.for(xmpp)
    const client = DiscoClient.for(xmpp, { queryClient: chosen })
    if (capsNode !== undefined) {
      EntityCaps.for(xmpp, { node: capsNode, ecaps2, history, maxJids, maxHashes, maxVersPerMinute, discoClient: client })
    }
    return { xmpp, server, client, online }
  }, [xmpp, chosen, online, capsNode, ecaps2, history, maxJids, maxHashes, maxVersPerMinute])
  return <DiscoContext.Provider value={value}>{children}</DiscoContext.Provider>
}
