// @vitest-environment node
// Rendering on a server (no DOM, TanStack's isServer): no hook asks anything,
// not even a Suspense hook without data; the Suspense fallback is rendered
// and the browser asks after hydration. The client given to DiscoProvider may
// be connected: nothing is sent and nothing installed on it all the same.
import { QueryClient } from '@tanstack/react-query'
import { Suspense } from 'react'
import { renderToString } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { ClientHooks } from '../../src/core/ClientHooks.js'
import { DisconnectedError } from '../../src/core/index.js'
import type { XmppClient } from '../../src/core/index.js'
import { entityCaps } from '../../src/core/caps/index.js'
import { DiscoProvider, useDiscoInfo, useDiscoItems, useSuspenseDiscoInfo, useSuspenseDiscoItems } from '../../src/react/index.js'
import { FakeNetwork } from '../helpers/fakeNetwork.js'

const BOB = 'bob@example.org/b'

function Plain() {
  const info = useDiscoInfo(BOB)
  const items = useDiscoItems(BOB)
  return <p>{`plain ${info.status}/${info.fetchStatus} ${items.status}/${items.fetchStatus}`}</p>
}

function WithSuspense() {
  const { data } = useSuspenseDiscoInfo(BOB)
  const { data: items } = useSuspenseDiscoItems(BOB)
  return <p>{`suspense ${data.features.length} ${items.items.length}`}</p>
}

describe('rendering on a server', () => {
  it('asks nothing: useDiscoInfo stays pending/idle, a Suspense hook without data renders the fallback', async () => {
    const network = new FakeNetwork()
    const alice = network.entity('alice@example.org/a')
    const bob = network.entity(BOB)
    const queryClient = new QueryClient()
    const html = renderToString(
      <DiscoProvider client={alice as unknown as XmppClient} queryClient={queryClient} caps={entityCaps({ node: 'https://app.example' })}>
        <Plain />
        <Suspense fallback={<p>fallback</p>}>
          <WithSuspense />
        </Suspense>
      </DiscoProvider>,
    )
    // Whatever a fetch would send goes out after a few turns.
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(html).toContain('plain pending/idle pending/idle')
    expect(html).toContain('fallback')
    expect(html).not.toContain('suspense ')
    expect(alice.sent).toHaveLength(0)
    expect(bob.requestCount).toBe(0)
    expect(ClientHooks.of(alice as unknown as XmppClient).attached).toEqual({ taps: 0, interceptors: 0 })
    // The Suspense hook's error is what turned it into the fallback.
    const query = queryClient.getQueryCache().getAll().find((q) => q.queryKey[2] === 'info' && q.state.error)
    expect(query?.state.error).toBeInstanceOf(DisconnectedError)
    network.close()
  })
})
