// @vitest-environment jsdom
// What an app does all day, through a real server (Prosody with smacks,
// ejabberd with mod_stream_mgmt; XMPP_TEST_SERVER picks which): logout and
// login on one client object, an account switch that hands DiscoProvider a new
// client, and a peer whose full JID comes back with other caps.
import { QueryClient } from '@tanstack/react-query'
import { xml } from '@xmpp/client'
import { cleanup, render, screen, waitFor } from '@testing-library/react'
import { StrictMode } from 'react'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DisconnectedError, DiscoClient, DiscoServer, NS_DISCO_INFO } from '../../src/core/index.js'
import type { XmlElement, XmppClient } from '../../src/core/index.js'
import { EntityCaps, entityCaps } from '../../src/core/caps/index.js'
import { DiscoProvider, useDiscoInfo } from '../../src/react/index.js'
import { serverName, startServer } from '../helpers/server.js'
import type { TestServer } from '../helpers/server.js'
import { connectClient, stopClient } from '../helpers/xmppClient.js'
import type { Client } from '../helpers/xmppClient.js'

const asXmpp = (c: Client) => c as unknown as XmppClient
const users = ['alice', 'bob', 'dave', 'peer', 'watcher'].map((username) => ({ username, password: `${username}-pw` }))
const APP_NODE = 'https://app.example'

function Probe({ jid }: { jid: string }) {
  const { data, error, status } = useDiscoInfo(jid)
  const text = data ? data.features.filter((f) => f.startsWith('urn:example:')).join(' ') : error ? `error ${error.name}` : status
  return <output aria-label="probe">{text}</output>
}

const shown = () => screen.getByLabelText('probe').textContent

/** The listeners on the client and its stream management, per event: what the library adds must go again. */
function listeners(xmpp: Client): Record<string, number> {
  const emitter = xmpp as unknown as { eventNames(): (string | symbol)[]; listenerCount(event: string | symbol): number }
  const sm = xmpp.streamManagement as unknown as typeof emitter
  return Object.fromEntries([
    ...emitter.eventNames().map((e) => [String(e), emitter.listenerCount(e)]),
    ...sm.eventNames().map((e) => [`sm:${String(e)}`, sm.listenerCount(e)]),
  ])
}

/** The disco#info gets `xmpp` writes. */
function sentInfoQueries(xmpp: Client): XmlElement[] {
  const sent: XmlElement[] = []
  xmpp.on('send', (el: XmlElement) => {
    if (el.name === 'iq' && el.attrs.type === 'get' && el.getChild('query', NS_DISCO_INFO)) sent.push(el)
  })
  return sent
}

async function connect(server: TestServer, username: string, resource: string): Promise<Client> {
  const xmpp = await connectClient(server, { username, password: `${username}-pw`, resource })
  // xmpp.js listens for <enabled/> meanwhile: counted listeners are steady afterwards.
  await waitFor(() => expect(xmpp.streamManagement.enabled).toBe(true))
  return xmpp
}

describe(`an app's day through ${serverName}`, () => {
  let server: TestServer
  let bob: Client
  let bobJid: string

  beforeAll(async () => {
    server = await startServer({ users })
    bob = await connect(server, 'bob', 'desk')
    bobJid = String(bob.jid)
    DiscoServer.for(asXmpp(bob)).registerFeature('urn:example:one')
  })

  afterAll(async () => {
    cleanup()
    await stopClient(bob)
    await server?.stop()
  })

  it('logs out and in on one client, then switches account with a new client: hooks refetch for the account in use, and the old client keeps no listener of ours', async () => {
    const alice = await connect(server, 'alice', 'phone')
    const aliceSent = sentInfoQueries(alice)
    const before = listeners(alice)
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    const app = (xmpp: Client) => (
      <StrictMode>
        <DiscoProvider client={asXmpp(xmpp)} queryClient={queryClient} caps={entityCaps({ node: APP_NODE })}>
          <Probe jid={bobJid} />
        </DiscoProvider>
      </StrictMode>
    )
    const { rerender } = render(app(alice))
    await waitFor(() => expect(shown()).toBe('urn:example:one'))
    const mounted = listeners(alice)

    await alice.stop()
    // Between logout and login: nothing can be sent.
    await expect(DiscoClient.for(asXmpp(alice), { queryClient }).queryInfo(bobJid, { node: 'offline' })).rejects.toBeInstanceOf(
      DisconnectedError,
    )
    DiscoClient.for(asXmpp(alice), { queryClient }).dispose()
    DiscoServer.for(asXmpp(bob)).registerFeature('urn:example:two')
    await alice.start()
    await waitFor(() => expect(shown()).toBe('urn:example:one urn:example:two'))
    expect(aliceSent.filter((q) => q.attrs.to === bobJid)).toHaveLength(2)
    expect(listeners(alice)).toEqual(mounted)

    const dave = await connect(server, 'dave', 'phone')
    const daveSent = sentInfoQueries(dave)
    DiscoServer.for(asXmpp(bob)).registerFeature('urn:example:three')
    rerender(app(dave))
    // Dave's own answer, not alice's cached one.
    await waitFor(() => expect(shown()).toBe('urn:example:one urn:example:two urn:example:three'))
    expect(daveSent.filter((q) => q.attrs.to === bobJid)).toHaveLength(1)
    await waitFor(() => expect(listeners(alice)).toEqual(before))
    cleanup()
    await Promise.all([stopClient(alice), stopClient(dave)])
  })

  it("reads a peer's info again when its full JID goes offline and comes back in a new session with another caps ver", async () => {
    const watcher = await connect(server, 'watcher', 'phone')
    const watcherJid = String(watcher.jid)
    await watcher.send(xml('presence'))
    const peerOnline = async (feature: string): Promise<Client> => {
      const peer = await connect(server, 'peer', 'tablet')
      DiscoServer.for(asXmpp(peer)).registerFeature(feature)
      EntityCaps.for(asXmpp(peer), { node: 'https://peer.example' })
      await peer.send(xml('presence', { to: watcherJid }))
      return peer
    }
    let peer = await peerOnline('urn:example:first')
    const peerJid = String(peer.jid)
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    render(
      <StrictMode>
        <DiscoProvider client={asXmpp(watcher)} queryClient={queryClient} caps={entityCaps({ node: APP_NODE })}>
          <Probe jid={peerJid} />
        </DiscoProvider>
      </StrictMode>,
    )
    await waitFor(() => expect(shown()).toBe('urn:example:first'))

    await stopClient(peer)
    peer = await peerOnline('urn:example:second')
    expect(String(peer.jid)).toBe(peerJid)
    await waitFor(() => expect(shown()).toBe('urn:example:second'))
    cleanup()
    await Promise.all([stopClient(peer), stopClient(watcher)])
  })
})
