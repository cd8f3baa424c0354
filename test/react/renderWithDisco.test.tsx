// renderWithDisco from react-xmpp-disco/testing/react: what an app's own
// component tests get. The first test is the README's "Testing your
// components" example, word for word but for the import paths.
import { cleanup, screen, waitFor } from '@testing-library/react'
import xml from '@xmpp/xml'
import { createContext, useContext, useEffect } from 'react'
import type { ReactNode } from 'react'
import { afterEach, describe, expect, it, test } from 'vitest'
import { NS_CAPS } from '../../src/core/index.js'
import { entityCaps } from '../../src/core/caps/index.js'
import { useDiscoClient, useDiscoInfo, useHasFeature } from '../../src/react/index.js'
import { EXAMPLE_JIDS, SimulatedNetwork, answerDisco } from '../../src/testing/index.js'
import { renderWithDisco } from '../../src/testing/react/index.js'

afterEach(cleanup)

// The README's component.
function CallButton({ jid }: { jid: string }) {
  const { supported } = useHasFeature(jid, 'urn:xmpp:jingle:apps:rtp:audio')
  if (supported === undefined) return <p>Checking…</p>
  return <button disabled={!supported}>{supported ? 'Call' : 'No audio calls'}</button>
}

describe('the README example', () => {
  test('offers a call to a peer that supports audio calls, asking it once', async () => {
    const { network } = renderWithDisco(<CallButton jid={EXAMPLE_JIDS.peer} />)
    expect(await screen.findByRole('button', { name: 'Call' })).toHaveProperty('disabled', false)
    expect(network.peer.requestCount).toBe(1)
  })
})

function ServiceName({ jid }: { jid: string }) {
  const { data, error } = useDiscoInfo(jid)
  if (error) return <p>failed: {error.message}</p>
  return <p>{data ? (data.identities[0]?.name ?? 'no name') : 'asking'}</p>
}

describe('renderWithDisco', () => {
  it('disables a call to a peer of the example network that has no audio calls', async () => {
    renderWithDisco(<CallButton jid={EXAMPLE_JIDS.otherPeer} />)
    expect(await screen.findByRole('button', { name: 'No audio calls' })).toHaveProperty('disabled', true)
  })

  it('runs the app as the `as` JID on a network of your own, adding that entity', async () => {
    const network = new SimulatedNetwork()
    const upload = network.entity('upload.example.net')
    answerDisco(upload, { info: { identities: [{ category: 'store', type: 'file', name: 'Uploads' }], features: [], forms: [] } })

    const { me } = renderWithDisco(<ServiceName jid="upload.example.net" />, { network, as: 'me@example.net/test' })
    expect(await screen.findByText('Uploads')).toBeDefined()
    expect(me.jid.toString()).toBe('me@example.net/test')
    expect(network.get('me@example.net/test')).toBe(me)
    expect(upload.requests.map((r) => r.from)).toEqual(['me@example.net/test'])
  })

  it('renders in StrictMode: effects mount, unmount and mount again', () => {
    let mounts = 0
    function Probe() {
      useEffect(() => {
        mounts++
      }, [])
      return null
    }
    renderWithDisco(<Probe />)
    expect(mounts).toBe(2)
  })

  it('gives each render a QueryClient of its own, with retries off so an error shows after one request', async () => {
    const first = renderWithDisco(<ServiceName jid={EXAMPLE_JIDS.broken} />)
    expect(await first.findByText(/^failed:/)).toBeDefined()
    expect(first.network.broken.requestCount).toBe(1)

    const second = renderWithDisco(<ServiceName jid={EXAMPLE_JIDS.server} />)
    expect(second.queryClient).not.toBe(first.queryClient)
    expect(await second.findByText('Example Server')).toBeDefined()
  })

  it("puts the app's own providers inside DiscoProvider and keeps both on rerender", async () => {
    const Theme = createContext('none')
    function AppProviders({ children }: { children: ReactNode }) {
      return <Theme.Provider value="dark">{children}</Theme.Provider>
    }
    function Themed({ label }: { label: string }) {
      const theme = useContext(Theme)
      const disco = useDiscoClient()
      return <p>{`${label} ${theme} ${disco ? 'with disco' : 'without'}`}</p>
    }
    const { rerender } = renderWithDisco(<Themed label="first" />, { wrapper: AppProviders })
    expect(screen.getByText('first dark with disco')).toBeDefined()
    rerender(<Themed label="second" />)
    expect(screen.getByText('second dark with disco')).toBeDefined()
  })

  it('hands `caps` to DiscoProvider: our presences carry <c/>', async () => {
    const { me } = renderWithDisco(<p>app</p>, { caps: entityCaps({ node: 'https://app.example' }) })
    const presence = xml('presence')
    await me.send(presence)
    await waitFor(() => expect(presence.getChild('c', NS_CAPS)?.attrs.node).toBe('https://app.example'))
  })
})
