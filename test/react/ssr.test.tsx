// Server rendering and hydration: results prefetched on the server (with
// discoInfoQueryOptions) survive dehydrate -> JSON -> HydrationBoundary; the
// page renders them with renderToString and hydrateRoot (StrictMode at the
// root) takes over without a mismatch and without asking again.
import { HydrationBoundary, QueryClientProvider, dehydrate } from '@tanstack/react-query'
import type { DehydratedState, QueryClient } from '@tanstack/react-query'
import { act } from '@testing-library/react'
import { StrictMode, Suspense } from 'react'
import { hydrateRoot } from 'react-dom/client'
import { renderToString } from 'react-dom/server'
import { afterEach, describe, expect, it } from 'vitest'
import { DiscoClient } from '../../src/core/index.js'
import type { DiscoInfo } from '../../src/core/index.js'
import { DiscoProvider, Feature, Item, discoInfoQueryOptions, discoItemsQueryOptions, useDiscoInfo, useDiscoItems, useSuspenseDiscoInfo } from '../../src/react/index.js'
import type { FakeEntity } from '../helpers/fakeNetwork.js'
import { asXmpp, newQueryClient, renderWithDisco, settle, setup } from '../helpers/renderWithDisco.js'

const BOB = 'bob@example.org/b'

let containers: HTMLElement[] = []
afterEach(() => {
  for (const container of containers) container.remove()
  containers = []
})

const features = (info: DiscoInfo | undefined) => info?.features.filter((f) => f.startsWith('urn:example:')).join(',') ?? 'none'

function Page() {
  const { data: info, status } = useDiscoInfo(BOB)
  const { data: items } = useDiscoItems(BOB)
  return (
    <>
      <p>{`useDiscoInfo ${status}: ${features(info)}`}</p>
      <p>{`useDiscoItems: ${items?.items.map((i) => i.jid).join(',') ?? 'none'}`}</p>
      <Suspense fallback={<p>suspended</p>}>
        <SuspensePart />
      </Suspense>
    </>
  )
}

function SuspensePart() {
  const { data } = useSuspenseDiscoInfo(BOB)
  return <p>{`useSuspenseDiscoInfo: ${features(data)}`}</p>
}

/** The whole app: the browser and the server render the same tree. */
function App({ xmpp, queryClient, state }: { xmpp: FakeEntity; queryClient: QueryClient; state: DehydratedState }) {
  return (
    <QueryClientProvider client={queryClient}>
      <DiscoProvider client={asXmpp(xmpp)}>
        <HydrationBoundary state={state}>
          <Page />
        </HydrationBoundary>
      </DiscoProvider>
    </QueryClientProvider>
  )
}

/** What the server does for one request: prefetch as the user's account, dehydrate, send along as JSON. */
async function prefetchOnServer(): Promise<DehydratedState> {
  const { alice, bob } = setup()
  renderWithDisco(
    bob,
    <>
      <Feature var="urn:example:a" />
      <Item jid="room@conference.example.org" />
    </>,
  )
  const queryClient = newQueryClient()
  const dc = DiscoClient.for(asXmpp(alice), { queryClient })
  await queryClient.prefetchQuery(discoInfoQueryOptions(dc, BOB))
  await queryClient.prefetchQuery(discoItemsQueryOptions(dc, BOB))
  const state = JSON.parse(JSON.stringify(dehydrate(queryClient))) as DehydratedState
  dc.dispose()
  return state
}

describe('server rendering and hydration', () => {
  it('renders prefetched results with renderToString, and hydrateRoot shows them without a mismatch or a query', async () => {
    const state = await prefetchOnServer()

    // The server render: the app's client is not connected there.
    const onServer = setup().alice
    onServer.goOffline()
    const html = renderToString(<App xmpp={onServer} queryClient={newQueryClient()} state={state} />)
    expect(html).toContain('useDiscoInfo success: urn:example:a')
    expect(html).toContain('useDiscoItems: room@conference.example.org')
    expect(html).toContain('useSuspenseDiscoInfo: urn:example:a')
    expect(onServer.sent).toHaveLength(0)

    // The browser: the same account, online, a fresh QueryClient.
    const { alice, bob } = setup()
    renderWithDisco(bob, <Feature var="urn:example:changed" />)
    const container = document.createElement('div')
    document.body.append(container)
    containers.push(container)
    container.innerHTML = html
    const recoverable: unknown[] = []
    const root = await act(async () =>
      hydrateRoot(container, <StrictMode><App xmpp={alice} queryClient={newQueryClient()} state={state} /></StrictMode>, {
        onRecoverableError: (error) => recoverable.push(error),
      }),
    )
    await act(() => settle(20))
    expect(recoverable).toEqual([])
    expect(container.textContent).toContain('useDiscoInfo success: urn:example:a')
    expect(container.textContent).toContain('useSuspenseDiscoInfo: urn:example:a')
    expect(alice.sentQueries()).toHaveLength(0)
    act(() => root.unmount())
  })
})
