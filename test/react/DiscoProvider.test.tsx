import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { cleanup, render, screen, waitFor } from '@testing-library/react'
import { StrictMode } from 'react'
import type { ReactNode } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DiscoClient, DiscoServer, NS_DISCO_INFO, NS_DISCO_ITEMS } from '../../src/core/index.js'
import {
  DiscoNode,
  DiscoProvider,
  Feature,
  Identity,
  Item,
  useDiscoClient,
  useDiscoInfo,
  useDiscoItems,
  useDiscoServer,
  useFeature,
  useHasFeature,
} from '../../src/react/index.js'
import { asXmpp, latest, newQueryClient, renderStrict, renderWithDisco, setup } from '../helpers/renderWithDisco.js'

afterEach(() => {
  cleanup()
  vi.restoreAllMocks()
})

const BOB = 'bob@example.org/b'

function Instances({ onResult }: { onResult: (value: { client: DiscoClient; server: DiscoServer }) => void }) {
  onResult({ client: useDiscoClient(), server: useDiscoServer() })
  return null
}

function ShowFeatures({ jid }: { jid: string }) {
  const { status, data } = useDiscoInfo(jid)
  return <p data-testid="info">{status}:{data?.features.join(',')}</p>
}

describe('<DiscoProvider>', () => {
  it('gives useDiscoClient the DiscoClient.for instance of its client and QueryClient', () => {
    const { alice, queryClient } = setup()
    const seen = latest<{ client: DiscoClient; server: DiscoServer }>()
    renderWithDisco(alice, <Instances onResult={seen.record} />, queryClient)
    expect(seen.current?.client).toBe(DiscoClient.for(asXmpp(alice), { queryClient }))
    expect(seen.current?.client.queryClient).toBe(queryClient)
  })

  it('gives useDiscoServer the DiscoServer.for instance of its client', () => {
    const { alice } = setup()
    const seen = latest<{ client: DiscoClient; server: DiscoServer }>()
    renderWithDisco(alice, <Instances onResult={seen.record} />)
    expect(seen.current?.server).toBe(DiscoServer.for(asXmpp(alice)))
  })

  it('uses the app’s QueryClientProvider client when given no queryClient', async () => {
    const { alice, bob } = setup()
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    const appClient = newQueryClient()
    const seen = latest<{ client: DiscoClient; server: DiscoServer }>()
    renderStrict(
      <QueryClientProvider client={appClient}>
        <DiscoProvider client={asXmpp(alice)}>
          <Instances onResult={seen.record} />
          <ShowFeatures jid={BOB} />
        </DiscoProvider>
      </QueryClientProvider>,
    )
    expect(seen.current?.client.queryClient).toBe(appClient)
    expect(seen.current?.client).toBe(DiscoClient.for(asXmpp(alice), { queryClient: appClient }))
    await waitFor(() => expect(screen.getByTestId('info').textContent).toMatch(/^success:/))
    const [cached] = appClient.getQueryCache().findAll({ queryKey: ['xmpp-disco'] })
    expect(cached?.state.data).toMatchObject({ features: [NS_DISCO_INFO, NS_DISCO_ITEMS, 'urn:example:a'] })
  })

  it('prefers its queryClient prop over the app’s QueryClientProvider', () => {
    const { alice } = setup()
    const appClient = newQueryClient()
    const own = newQueryClient()
    const seen = latest<{ client: DiscoClient; server: DiscoServer }>()
    renderStrict(
      <QueryClientProvider client={appClient}>
        <DiscoProvider client={asXmpp(alice)} queryClient={own}>
          <Instances onResult={seen.record} />
        </DiscoProvider>
      </QueryClientProvider>,
    )
    expect(seen.current?.client.queryClient).toBe(own)
  })

  it('works without any QueryClientProvider, on a private QueryClient', async () => {
    const { alice, bob } = setup()
    renderWithDisco(bob, <Feature var="urn:example:a" />)
    const seen = latest<{ client: DiscoClient; server: DiscoServer }>()
    renderStrict(
      <DiscoProvider client={asXmpp(alice)}>
        <Instances onResult={seen.record} />
        <ShowFeatures jid={BOB} />
      </DiscoProvider>,
    )
    await waitFor(() => expect(screen.getByTestId('info').textContent).toBe(`success:${NS_DISCO_INFO},${NS_DISCO_ITEMS},urn:example:a`))
    expect(seen.current?.client.queryClient).toBeInstanceOf(QueryClient)
    expect(seen.current?.client).toBe(DiscoClient.for(asXmpp(alice)))
  })

  it('lets two providers of one client share the server: declarations from both are advertised', async () => {
    const { alice, bob } = setup()
    renderStrict(
      <>
        <DiscoProvider client={asXmpp(bob)}>
          <Feature var="urn:example:a" />
        </DiscoProvider>
        <DiscoProvider client={asXmpp(bob)}>
          <Feature var="urn:example:b" />
        </DiscoProvider>
      </>,
    )
    const alicesClient = DiscoClient.for(asXmpp(alice), { queryClient: newQueryClient() })
    expect((await alicesClient.queryInfo(BOB)).features).toEqual([NS_DISCO_INFO, NS_DISCO_ITEMS, 'urn:example:a', 'urn:example:b'])
  })
})

describe('hooks and components outside <DiscoProvider>', () => {
  const Hook = ({ use }: { use: () => unknown }) => {
    use()
    return null
  }
  const cases: [string, ReactNode][] = [
    ['useDiscoInfo', <Hook key="" use={() => useDiscoInfo(BOB)} />],
    ['useDiscoItems', <Hook key="" use={() => useDiscoItems(BOB)} />],
    ['useHasFeature', <Hook key="" use={() => useHasFeature(BOB, 'urn:example:a')} />],
    ['useFeature', <Hook key="" use={() => useFeature('urn:example:a')} />],
    ['useDiscoClient', <Hook key="" use={useDiscoClient} />],
    ['useDiscoServer', <Hook key="" use={useDiscoServer} />],
    ['<Feature>', <Feature key="" var="urn:example:a" />],
    ['<Identity>', <Identity key="" category="client" type="web" />],
    ['<Item>', <Item key="" jid="pubsub.example.org" />],
    ['<DiscoNode>', <DiscoNode key="" node="n" />],
  ]

  it.each(cases)('%s throws an error that names DiscoProvider', (_name, element) => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const queryClient = newQueryClient()
    // Inside a QueryClientProvider, so only the missing DiscoProvider is wrong.
    expect(() =>
      render(
        <StrictMode>
          <QueryClientProvider client={queryClient}>{element}</QueryClientProvider>
        </StrictMode>,
      ),
    ).toThrow(/DiscoProvider/)
  })
})
