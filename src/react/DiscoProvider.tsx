'use client'
import { QueryClientContext } from '@tanstack/react-query'
import type { QueryClient } from '@tanstack/react-query'
import { useContext, useMemo, useSyncExternalStore } from 'react'
import type { ReactNode } from 'react'
import { DiscoClient } from '../core/DiscoClient.js'
import { DiscoServer } from '../core/DiscoServer.js'
import { removeListener } from '../core/XmppClient.js'
import type { XmppClient } from '../core/XmppClient.js'
import { DiscoContext } from './context.js'
import type { DiscoContextValue } from './context.js'

export interface DiscoProviderProps {
  /** The xmpp.js client (`client()` from @xmpp/client). */
  client: XmppClient
  /** Where results are cached: this one, else the app's QueryClientProvider's, else a private one. */
  queryClient?: QueryClient
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
export function DiscoProvider({ client: xmpp, queryClient, children }: DiscoProviderProps) {
  const appQueryClient = useContext(QueryClientContext)
  const chosen = queryClient ?? appQueryClient
  const online = useOnline(xmpp)
  // DiscoServer.for / DiscoClient.for return one instance per client, so
  // StrictMode's double render and remounts share them.
  const value = useMemo<DiscoContextValue>(
    () => ({
      xmpp,
      server: DiscoServer.for(xmpp),
      client: DiscoClient.for(xmpp, { queryClient: chosen }),
      online,
    }),
    [xmpp, chosen, online],
  )
  return <DiscoContext.Provider value={value}>{children}</DiscoContext.Provider>
}
