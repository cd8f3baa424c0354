// @vitest-environment jsdom
// A big directory through a real server (Prosody, or ejabberd with
// XMPP_TEST_SERVER=ejabberd): bob answers disco#items as Prosody 0.12's MUC
// service does, every item in one stanza whatever RSM asks, here 5000 rooms
// named in Japanese and French. Such a stanza takes many TCP reads.
import { QueryClient } from '@tanstack/react-query'
import { xml } from '@xmpp/client'
import { cleanup, render, screen, waitFor } from '@testing-library/react'
import { StrictMode } from 'react'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DiscoClient, NS_DISCO_ITEMS } from '../../src/core/index.js'
import type { DiscoItem, IncomingContext, XmppClient } from '../../src/core/index.js'
import { DiscoProvider, useDiscoItems } from '../../src/react/index.js'
import { serverName, startServer } from '../helpers/server.js'
import type { TestServer } from '../helpers/server.js'
import { connectClient, stopClient } from '../helpers/xmppClient.js'
import type { Client } from '../helpers/xmppClient.js'

const asXmpp = (c: Client) => c as unknown as XmppClient
const users = ['alice', 'bob'].map((username) => ({ username, password: `${username}-pw` }))
const ROOMS = 5000
// Mostly multi-byte characters: most byte offsets fall inside one.
const rooms: DiscoItem[] = Array.from({ length: ROOMS }, (_, i) => ({
  jid: `部屋-${i}-café@rooms.example`,
  name: `日本語の部屋 ${i} — salle « été » ${'漢字'.repeat(i % 5)} 🎉`,
}))

describe(`a big directory answered in one stanza through ${serverName}`, () => {
  let server: TestServer
  let alice: Client
  let bob: Client
  let bobJid: string

  beforeAll(async () => {
    server = await startServer({ users })
    const connect = (username: string) => connectClient(server, { username, password: `${username}-pw`, resource: 'dir' })
    ;[alice, bob] = await Promise.all([connect('alice'), connect('bob')])
    bobJid = String(bob.jid)
    // Every room at once, RSM or not (Prosody 0.12's MUC service).
    asXmpp(bob).middleware.use((ctx: IncomingContext, next) => {
      const { stanza } = ctx
      if (stanza.name !== 'iq' || stanza.attrs.type !== 'get' || !stanza.getChild('query', NS_DISCO_ITEMS)) return next()
      const items = rooms.map((room) => xml('item', { jid: room.jid, name: room.name }))
      void bob.send(xml('iq', { type: 'result', to: stanza.attrs.from, id: stanza.attrs.id }, xml('query', { xmlns: NS_DISCO_ITEMS }, ...items)))
      return undefined
    })
  })

  afterAll(async () => {
    cleanup()
    await Promise.all([alice, bob].map((c) => stopClient(c)))
    await server?.stop()
  })

  it('reads every room name and JID whole, each time it is asked', async () => {
    const client = DiscoClient.for(asXmpp(alice), { queryClient: new QueryClient({ defaultOptions: { queries: { retry: false } } }) })
    for (let i = 0; i < 3; i++) {
      const list = await client.queryItems(bobJid, { requireFresh: true })
      expect(list.items.filter((item, n) => item.jid !== rooms[n]?.jid || item.name !== rooms[n]?.name)).toEqual([])
      expect(list.items).toHaveLength(ROOMS)
    }
    client.dispose()
  })

  it('shows them with useDiscoItems', async () => {
    function Count() {
      const { data, status } = useDiscoItems(bobJid)
      const whole = data?.items.every((item, n) => item.name === rooms[n]?.name)
      return <output aria-label="rooms">{data ? `${data.items.length} ${whole ? 'whole' : 'mangled'}` : status}</output>
    }
    render(
      <StrictMode>
        <DiscoProvider client={asXmpp(alice)} queryClient={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
          <Count />
        </DiscoProvider>
      </StrictMode>,
    )
    await waitFor(() => expect(screen.getByLabelText('rooms').textContent).toBe(`${ROOMS} whole`))
    cleanup()
  })
})
