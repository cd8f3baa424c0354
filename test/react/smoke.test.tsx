import { QueryClient } from '@tanstack/react-query'
import { render, screen, waitFor } from '@testing-library/react'
import { StrictMode } from 'react'
import { describe, expect, it } from 'vitest'
import { DiscoServer, NS_DISCO_INFO } from '../../src/core/index.js'
import { DiscoProvider, Feature, useDiscoInfo } from '../../src/react/index.js'
import { FakeNetwork } from '../helpers/fakeNetwork.js'

function Show({ jid }: { jid: string }) {
  const { data, status } = useDiscoInfo(jid)
  return <p>{status}:{data?.features.join(',')}</p>
}

describe('react smoke', () => {
  it('queries and declares', async () => {
    const net = new FakeNetwork()
    const alice = net.entity('alice@example.org/a')
    const bob = net.entity('bob@example.org/b')
    let changes = 0
    DiscoServer.for(bob as never).onInfoChanged(() => changes++)
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    render(
      <StrictMode>
        <DiscoProvider client={bob as never} queryClient={new QueryClient()}>
          {Array.from({ length: 100 }, (_, i) => <Feature key={i} var={`urn:f:${i % 50}`} />)}
        </DiscoProvider>
        <DiscoProvider client={alice as never} queryClient={qc}>
          <Show jid="bob@example.org/b" />
          <Show jid="bob@example.org/b" />
        </DiscoProvider>
      </StrictMode>,
    )
    await waitFor(() => expect(screen.getAllByText(/success/)).toHaveLength(2))
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(1)
    expect(screen.getAllByText(/urn:f:49/)).toHaveLength(2)
    expect(changes).toBe(1)
  })
})
