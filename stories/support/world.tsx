// The world a story runs in: a fresh network (simulated or live), a client
// for the story's DiscoProvider, a second client ("the peer") and a fresh
// QueryClient. Built by the global decorator of .storybook/preview.tsx.
import { QueryClient } from '@tanstack/react-query'
import { client } from '@xmpp/client'
import { createContext, useContext, useEffect, useState, useSyncExternalStore } from 'react'
import type { ReactNode } from 'react'
import { entityCaps } from '../../src/core/caps/index.js'
import type { XmppClient } from '../../src/core/index.js'
import { DiscoProvider } from '../../src/react/index.js'
import { EXAMPLE_JIDS, exampleNetwork } from '../../src/testing/index.js'
import type { ExampleNetwork, ExampleNetworkOptions, SimulatedEntity } from '../../src/testing/index.js'
import { liveConfig } from './liveConfig.js'
import type { LiveAccount, LiveConfig } from './liveConfig.js'

export type NetworkMode = 'simulated' | 'live'

/** The JIDs a story talks to, whatever the network. */
export interface WorldJids {
  /** The server of our account. */
  server: string
  /** Our own full JID. */
  me: string
  /** The other client's full JID. */
  peer: string
}

export interface World {
  mode: NetworkMode
  /** The client given to the story's DiscoProvider. */
  me: XmppClient
  /** A second client: wrap it in its own DiscoProvider to declare things the story then queries. */
  peer: XmppClient
  jids: WorldJids
  /** The simulated network (undefined in live mode). */
  example: ExampleNetwork | undefined
  queryClient: QueryClient
  /** Live mode: where it connects. */
  live: LiveConfig | undefined
  close(): void
}

/** What a story may set in `parameters.world`. */
export interface WorldParameters extends ExampleNetworkOptions {
  /** False: the story needs the simulated network (slow, failing or silent services, request counters). */
  live?: boolean
  /** Turns entity capabilities on for our client, with this caps node. */
  caps?: string
  /** False: no banner above the story (a story that shows the session itself). */
  banner?: boolean
  /** Live mode: connect here instead (a story showing what happens without a server). */
  liveService?: string
}

/** How long live mode waits for the server before it says there is none. */
const LIVE_WAIT = 3000

function newQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: false } } })
}

function simulatedWorld(options: ExampleNetworkOptions): World {
  const example = exampleNetwork(options)
  return {
    mode: 'simulated',
    me: example.me,
    peer: example.peer,
    jids: { server: EXAMPLE_JIDS.server, me: EXAMPLE_JIDS.me, peer: EXAMPLE_JIDS.peer },
    example,
    queryClient: newQueryClient(),
    live: undefined,
    close: () => example.network.close(),
  }
}

function liveClient(config: LiveConfig, account: LiveAccount, resource: string) {
  const xmpp = client({
    service: config.service,
    domain: config.domain,
    resource,
    // The browser build of @xmpp/client has no SCRAM: PLAIN (fine on a loopback test server).
    credentials: (authenticate) => authenticate({ username: account.username, password: account.password }, 'PLAIN'),
  })
  xmpp.reconnect.stop()
  // An 'error' without listener would be thrown; the banner shows the status instead.
  xmpp.on('error', () => {})
  xmpp.start().catch(() => {})
  return xmpp
}

function liveWorld(service: string | undefined): World {
  const config = { ...liveConfig(), ...(service !== undefined && { service }) }
  const tag = Math.random().toString(36).slice(2, 8)
  const me = liveClient(config, config.me, `storybook-${tag}`)
  const peer = liveClient(config, config.peer, `storybook-${tag}`)
  return {
    mode: 'live',
    me: me as unknown as XmppClient,
    peer: peer as unknown as XmppClient,
    jids: {
      server: config.domain,
      me: `${config.me.username}@${config.domain}/storybook-${tag}`,
      peer: `${config.peer.username}@${config.domain}/storybook-${tag}`,
    },
    example: undefined,
    queryClient: newQueryClient(),
    live: config,
    close: () => {
      void me.stop().catch(() => {})
      void peer.stop().catch(() => {})
    },
  }
}

const WorldContext = createContext<World | null>(null)

/** The story's world (inside the global decorator). */
export function useWorld(): World {
  const world = useContext(WorldContext)
  if (!world) throw new Error('useWorld() outside the Storybook decorator')
  return world
}

/** The simulated network; throws in live mode (such stories declare `parameters.world.live = false`). */
export function useExample(): ExampleNetwork {
  const { example } = useWorld()
  if (!example) throw new Error('This story needs the simulated network')
  return example
}

/** IQ requests a simulated entity has received, live. */
export function useRequestCount(entity: SimulatedEntity, ns?: string): number {
  return useSyncExternalStore(
    (onChange) => entity.subscribe(onChange),
    () => (ns === undefined ? entity.requestCount : entity.countRequests(ns)),
  )
}

/** The status of an xmpp.js client ('online', 'connecting', ...), live. */
export function useStatus(xmpp: XmppClient): string {
  return useSyncExternalStore(
    (onChange) => {
      // A XEP-0198 resumption sets the status back to 'online' without a status event.
      const onResumed = (): void => queueMicrotask(onChange)
      xmpp.on('status', onChange)
      xmpp.streamManagement?.on?.('resumed', onResumed)
      return () => {
        xmpp.off?.('status', onChange)
        xmpp.streamManagement?.off?.('resumed', onResumed)
      }
    },
    () => xmpp.status ?? 'offline',
  )
}

/** Live mode: whether the server has not let us in within LIVE_WAIT ms (or has dropped us since). */
function useNoServer(world: World): boolean {
  const status = useStatus(world.me)
  const [waited, setWaited] = useState(false)
  useEffect(() => {
    if (world.mode !== 'live') return
    const timer = setTimeout(() => setWaited(true), LIVE_WAIT)
    return () => clearTimeout(timer)
  }, [world])
  return world.mode === 'live' && waited && status !== 'online'
}

/** What a reader of a live story needs when nothing answers: the command to run. */
function NoServer({ world }: { world: World }) {
  return (
    <div role="alert" className="sb-no-server">
      <strong>
        No XMPP server at {world.live?.service}; start one with <code>npm run prosody</code>
      </strong>
      <p>
        It serves the accounts alice, bob and carol (password <code>secret</code>) at ws://127.0.0.1:5280/xmpp-websocket, the
        stories’ default (<code>STORYBOOK_XMPP_SERVICE</code> changes it). Or switch the Network toolbar back to
        “Simulated”: every story also runs on the simulated network, with no server.
      </p>
    </div>
  )
}

function Banner({ world }: { world: World }) {
  const status = useStatus(world.me)
  const peerStatus = useStatus(world.peer)
  const text =
    world.mode === 'simulated'
      ? `Simulated network · ${world.jids.me} (${status})`
      : `Live server ${world.live?.service ?? ''} · ${world.jids.me} (${status}) · peer ${world.jids.peer} (${peerStatus})`
  return (
    <p className="sb-world-banner" data-network={world.mode} data-status={status}>
      {text}
    </p>
  )
}

/**
 * Builds a fresh world when mounted (in an effect, so StrictMode's double
 * mount closes the first one) and wraps the story in its DiscoProvider.
 */
export function WorldProvider({ mode, parameters = {}, children }: { mode: NetworkMode; parameters?: WorldParameters; children: ReactNode }) {
  const [world, setWorld] = useState<World | null>(null)
  const { latency, slowLatency, directorySize, liveService } = parameters
  useEffect(() => {
    const created =
      mode === 'live'
        ? liveWorld(liveService)
        : simulatedWorld({
            ...(latency !== undefined && { latency }),
            ...(slowLatency !== undefined && { slowLatency }),
            ...(directorySize !== undefined && { directorySize }),
          })
    // The world is an external resource whose lifetime is this effect's (made
    // here, not during render, so StrictMode's second mount gets a fresh one).
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setWorld(created)
    return () => created.close()
  }, [mode, latency, slowLatency, directorySize, liveService])

  if (mode === 'live' && parameters.live === false) {
    return (
      <p role="note" className="sb-world-note">
        This story needs the simulated network (a slow, failing or silent service, or a request counter, that a real
        server does not have). Switch the Network toolbar back to “Simulated”.
      </p>
    )
  }
  if (!world || world.mode !== mode) return <p className="sb-world-banner">Starting the {mode} network…</p>
  return <WorldStage world={world} parameters={parameters}>{children}</WorldStage>
}

function WorldStage({ world, parameters, children }: { world: World; parameters: WorldParameters; children: ReactNode }) {
  const noServer = useNoServer(world)
  // entityCaps compares by its options: a new plugin each render changes nothing.
  const caps = parameters.caps === undefined ? undefined : entityCaps({ node: parameters.caps })
  return (
    <WorldContext.Provider value={world}>
      {noServer && <NoServer world={world} />}
      {parameters.banner !== false && <Banner world={world} />}
      <DiscoProvider client={world.me} queryClient={world.queryClient} caps={caps}>
        <div className="sb-stage">{children}</div>
      </DiscoProvider>
    </WorldContext.Provider>
  )
}
