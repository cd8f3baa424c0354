'use client'
import { QueryClientContext } from '@tanstack/react-query'
import type { QueryClient } from '@tanstack/react-query'
import { Fragment, useContext, useLayoutEffect, useMemo, useReducer, useRef, useState, useSyncExternalStore } from 'react'
import type { ReactNode } from 'react'
import { BroadcastPresence } from '../core/BroadcastPresence.js'
import type { CapsPlugin } from '../core/caps/EntityCaps.js'
import { discoClientOf, privateQueryClient } from '../core/DiscoClient.js'
import { DiscoServer, discoServerOf } from '../core/DiscoServer.js'
import { DiscoError } from '../core/errors.js'
import { Session } from '../core/Session.js'
import type { XmppClient } from '../core/XmppClient.js'
import { DiscoContext } from './context.js'
import type { DiscoContextValue } from './context.js'

export interface DiscoProviderProps {
  /** The xmpp.js client (`client()` from @xmpp/client). A new one (logout/login) reconfigures everything. */
  client: XmppClient
  /** Where results are cached: this one, else the app's QueryClientProvider's, else a private one. */
  queryClient?: QueryClient | undefined
  /**
   * Turns entity capabilities (XEP-0115, XEP-0390) on, in both directions:
   * `caps={entityCaps({ node: 'https://app.example' })}`, with `entityCaps`
   * from 'react-xmpp-disco/caps' (only apps that pass it ship caps). Live:
   * other options take effect at once, `caps={undefined}` turns them off.
   */
  caps?: CapsPlugin | undefined
  children?: ReactNode
}

const serverSnapshot = (): boolean => false

/**
 * Gives the hooks and components below it the DiscoServer and DiscoClient of
 * `client`. Rendering only looks them up; they attach to the client in
 * (layout) effects, and what the provider attached goes when the last provider of that
 * client unmounts (after StrictMode's remount has had its chance).
 */
export function DiscoProvider({ client: xmpp, queryClient, caps, children }: DiscoProviderProps) {
  const appQueryClient = useContext(QueryClientContext)
  // Without a QueryClient from the app: the private one of the first client,
  // kept for the next ones (logout/login), so the hooks below stay on it.
  // State adjusted while rendering, as React has it for state that follows
  // props; privateQueryClient is a lookup that creates on first use (and
  // hands the one kept here to a new client).
  const [own, setOwn] = useState<QueryClient | undefined>(undefined)
  const ownNow = queryClient ?? appQueryClient ? own : privateQueryClient(xmpp, own)
  if (ownNow !== own) setOwn(ownNow)
  const chosen = queryClient ?? appQueryClient ?? ownNow
  const session = Session.of(xmpp)
  // Status events, and the silent XEP-0198 resumption: hooks work again after either.
  const online = useSyncExternalStore(session.subscribe, () => session.online, serverSnapshot)
  const server = discoServerOf(xmpp)
  const client = discoClientOf(xmpp, { queryClient: chosen })

  // Layout effects: they run before the passive effects of the children, so
  // the server answers, the client is attached and caps are on before the
  // first hook below subscribes and sends its query.
  useLayoutEffect(() => {
    DiscoServer.for(xmpp)
  }, [xmpp])
  const [, renderAgain] = useReducer((n: number) => n + 1, 0)
  useLayoutEffect(() => {
    // Disposed between this render and its commit (the last other provider of
    // the client let go meanwhile): render again, which looks up a fresh one.
    if (client.disposed) return renderAgain()
    return client.mount()
  }, [client])

  // The plugin is compared by its options (`key`), so `entityCaps({ ... })` written inline changes nothing each render.
  if (caps !== undefined && typeof caps.attach !== 'function') {
    throw new DiscoError("DiscoProvider's caps takes entityCaps({ node }) from 'react-xmpp-disco/caps'")
  }
  const capsKey = caps?.key
  // Caps turned on later in the session (toggled, or other options) announce
  // themselves on the app's presence: known here while they are off too.
  useLayoutEffect(() => BroadcastPresence.of(xmpp).hold(), [xmpp])
  const latestCaps = useRef(caps)
  useLayoutEffect(() => {
    latestCaps.current = caps
  })
  useLayoutEffect(() => latestCaps.current?.attach(xmpp, client), [xmpp, client, capsKey])

  // TanStack binds a mounted useQuery to the QueryClient it mounted with: under
  // another one the hooks must mount again, or they would go on reading and
  // writing the old cache, which no DiscoClient flushes or bounds any more.
  // A new key per QueryClient, kept in state and adjusted while rendering
  // (React's pattern for state that follows a prop): the children remount in
  // the same commit.
  const [cache, setCache] = useState({ queryClient: client.queryClient, key: 0 })
  if (cache.queryClient !== client.queryClient) setCache({ queryClient: client.queryClient, key: cache.key + 1 })

  const value = useMemo<DiscoContextValue>(() => ({ xmpp, server, client, online, node: server }), [xmpp, server, client, online])
  return (
    <DiscoContext.Provider value={value}>
      <Fragment key={cache.key}>{children}</Fragment>
    </DiscoContext.Provider>
  )
}
