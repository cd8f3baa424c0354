/**
 * Testing Library's render() for components that use this library: the tree
 * runs on a simulated network (no server), in <StrictMode>, inside a
 * <DiscoProvider> with a QueryClient of its own, as React users test.
 */
import { QueryClient } from '@tanstack/react-query'
import { render } from '@testing-library/react'
import type { RenderOptions, RenderResult } from '@testing-library/react'
import type { ComponentType, ReactElement, ReactNode } from 'react'
import { DiscoProvider } from '../../react/DiscoProvider.js'
import type { CapsPlugin } from '../../core/caps/EntityCaps.js'
import { EXAMPLE_JIDS, exampleNetwork } from '../exampleNetwork.js'
import type { ExampleNetwork } from '../exampleNetwork.js'
import type { SimulatedEntity } from '../SimulatedEntity.js'
import { SimulatedNetwork } from '../SimulatedNetwork.js'

/** A network of your own, or exampleNetwork()'s world (its entities by role: `peer`, `server`, ...). */
export type DiscoTestNetwork = SimulatedNetwork | ExampleNetwork

export interface RenderWithDiscoOptions<N extends DiscoTestNetwork = ExampleNetwork> extends Omit<RenderOptions, 'queries' | 'wrapper' | 'reactStrictMode'> {
  /** Where the app lives. Default: a fresh `exampleNetwork()`. */
  network?: N
  /** Who the app is: an entity, or a JID on the network (added when nobody has it). Default `EXAMPLE_JIDS.me`. */
  as?: SimulatedEntity | string
  /** Default: a fresh QueryClient with retries off, so an error shows at once. */
  queryClient?: QueryClient
  /** DiscoProvider's `caps`: `entityCaps({ node })` from 'react-xmpp-disco/caps'. */
  caps?: CapsPlugin
  /** The app's own providers (router, theme...), rendered inside DiscoProvider. */
  wrapper?: ComponentType<{ children: ReactNode }>
}

export interface RenderWithDiscoResult<N extends DiscoTestNetwork = ExampleNetwork> extends RenderResult {
  network: N
  /** The entity handed to DiscoProvider. */
  me: SimulatedEntity
  queryClient: QueryClient
}

/**
 * Renders `ui` as the app running as `as` on `network`; `rerender` keeps the
 * providers. Unmount (Testing Library's `cleanup`) disposes what the provider set up.
 */
export function renderWithDisco<N extends DiscoTestNetwork = ExampleNetwork>(
  ui: ReactElement,
  options: RenderWithDiscoOptions<N> = {},
): RenderWithDiscoResult<N> {
  const { network: given, as = EXAMPLE_JIDS.me, queryClient = testQueryClient(), caps, wrapper: AppProviders, ...renderOptions } = options
  // Without a `network`, nothing fixes N but its default, ExampleNetwork: which is what we build.
  const network = given ?? (exampleNetwork() as N)
  const simulated = simulatedNetworkOf(network)
  const me = typeof as === 'string' ? (simulated.get(as) ?? simulated.entity(as)) : as

  function Wrapper({ children }: { children: ReactNode }) {
    return (
      <DiscoProvider client={me} queryClient={queryClient} {...(caps === undefined ? {} : { caps })}>
        {AppProviders ? <AppProviders>{children}</AppProviders> : children}
      </DiscoProvider>
    )
  }
  // Not a <StrictMode> inside the wrapper: React 19 double-invokes effects
  // only under a StrictMode at the root, which is where this option puts it.
  const result: RenderResult = render(ui, { ...renderOptions, wrapper: Wrapper, reactStrictMode: true })
  return { ...result, network, me, queryClient }
}

function simulatedNetworkOf(network: DiscoTestNetwork): SimulatedNetwork {
  return network instanceof SimulatedNetwork ? network : network.network
}

function testQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: false } } })
}
