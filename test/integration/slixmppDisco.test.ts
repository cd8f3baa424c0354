// slixmpp's disco (Debian's python3-slixmpp 1.8.3) as an independent peer
// through a real server (Prosody, or ejabberd with XMPP_TEST_SERVER=ejabberd),
// both ways: its get_info / get_items ask our DiscoServer, our DiscoClient
// asks its xep_0030 static disco, and our caps verify its presence's XEP-0115
// ver. (Its caps plugin verifying ours: extendedInfo.test.ts; its RSM
// iterator walking our pages: paging.test.tsx.)
import { QueryClient } from '@tanstack/query-core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  DiscoClient,
  DiscoServer,
  NS_DISCO_INFO,
  NS_DISCO_ITEMS,
  NS_SOFTWARE_INFO,
  StanzaError,
  StaticNode,
  softwareInfoForm,
} from '../../src/core/index.js'
import type { XmppClient } from '../../src/core/index.js'
import { EntityCaps } from '../../src/core/caps/index.js'
import { PeerCommandError } from '../helpers/commandPeer.js'
import { serverName, startServer } from '../helpers/server.js'
import type { TestServer } from '../helpers/server.js'
import { SLIXMPP_FEATURE, SLIXMPP_INFO_FORM, startSlixmppDiscoPeer } from '../helpers/slixmppPeer.js'
import type { SlixmppDiscoPeer } from '../helpers/slixmppPeer.js'
import { connectClient, recordSentQueries, stopClient } from '../helpers/xmppClient.js'
import type { Client } from '../helpers/xmppClient.js'

const NODE = 'https://app.example'
const NS_CAPS = 'http://jabber.org/protocol/caps'
const asXmpp = (c: Client) => c as unknown as XmppClient
const password = (username: string) => `${username}-pw`


describe(`slixmpp's disco as a peer through ${serverName}`, () => {
  let server: TestServer
  let bob: Client
  let bobJid: string
  let alice: Client
  let aliceSent: ReturnType<typeof recordSentQueries>
  let aliceDc: DiscoClient
  let aliceCaps: EntityCaps
  let slix: SlixmppDiscoPeer

  beforeAll(async () => {
    server = await startServer({ users: ['bob', 'alice', 'slix'].map((username) => ({ username, password: password(username) })) })
    const connect = (username: string) => connectClient(server, { username, password: password(username), resource: 'it' })
    ;[bob, alice] = await Promise.all([connect('bob'), connect('alice')])
    bobJid = String(bob.jid)
    const disco = DiscoServer.for(asXmpp(bob))
    disco.claimIdentity('client', 'pc', { names: { '': 'Bob', de: 'Bob (Schreibtisch)' } })
    disco.registerFeature('urn:example:chess')
    disco.registerForm(softwareInfoForm({ name: 'Chat', version: '1.2', os: 'Linux' }))
    const albums = new StaticNode()
    albums.registerIdentity('hierarchy', 'branch', { names: { '': 'Albums' } })
    albums.registerFeature('urn:example:albums')
    albums.items.push({ jid: bobJid, node: 'albums/2025', name: '2025' }, { jid: bobJid, node: 'albums/2026', name: '2026' })
    disco.mountNode('albums', albums, { listed: true, name: 'Photo albums' })

    aliceSent = recordSentQueries(alice)
    aliceDc = DiscoClient.for(asXmpp(alice), { queryClient: new QueryClient() })
    aliceCaps = EntityCaps.for(asXmpp(alice), { node: NODE, discoClient: aliceDc })
    slix = await startSlixmppDiscoPeer(server, { username: 'slix', password: password('slix') })
  })

  afterAll(async () => {
    await slix?.stop()
    await Promise.all([bob, alice].map((c) => stopClient(c)))
    await server?.stop()
  })

  describe('asking our DiscoServer', () => {
    it('reads our root identities (names per xml:lang), features and XEP-0232 form exactly as declared', async () => {
      const info = await slix.info(bobJid)
      expect(info.node).toBeNull()
      // slixmpp keeps identities and features in sets: their order is its own.
      expect(info.identities).toEqual(
        expect.arrayContaining([
          { category: 'client', type: 'pc', name: 'Bob' },
          { category: 'client', type: 'pc', name: 'Bob (Schreibtisch)', lang: 'de' },
        ]),
      )
      expect(info.identities).toHaveLength(2)
      expect([...info.features].sort()).toEqual([NS_DISCO_INFO, NS_DISCO_ITEMS, 'urn:example:chess'])
      expect(info.forms).toEqual([
        {
          type: 'result',
          fields: [
            { var: 'FORM_TYPE', values: [NS_SOFTWARE_INFO] },
            { var: 'software', values: ['Chat'] },
            { var: 'software_version', values: ['1.2'] },
            { var: 'os', values: ['Linux'] },
          ],
        },
      ])
    })

    it("reads a node's info and items with the node echoed, the root's items, and item-not-found for another node", async () => {
      const info = await slix.info(bobJid, 'albums')
      expect(info).toMatchObject({ node: 'albums', identities: [{ category: 'hierarchy', type: 'branch', name: 'Albums' }] })
      expect([...info.features].sort()).toEqual([NS_DISCO_INFO, 'urn:example:albums'])
      expect(await slix.items(bobJid, 'albums')).toEqual({
        node: 'albums',
        items: [
          { jid: bobJid, node: 'albums/2025', name: '2025' },
          { jid: bobJid, node: 'albums/2026', name: '2026' },
        ],
      })
      expect(await slix.items(bobJid)).toEqual({ node: null, items: [{ jid: bobJid, node: 'albums', name: 'Photo albums' }] })
      const error = await slix.info(bobJid, 'no-such-node').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(PeerCommandError)
      expect((error as PeerCommandError).condition).toBe('item-not-found')
    })
  })

  describe('answering our DiscoClient', () => {
    it('gives its identities, features and XEP-0128 form as slixmpp declares them', async () => {
      const info = await aliceDc.queryInfo(slix.jid, { requireFresh: true })
      expect(info.identities).toEqual(
        expect.arrayContaining([
          { category: 'client', type: 'pc', name: 'slixmpp peer', lang: 'en' },
          { category: 'client', type: 'pc', name: 'slixmpp Gegenstelle', lang: 'de' },
        ]),
      )
      expect(info.identities).toHaveLength(2)
      expect(info.features).toEqual(expect.arrayContaining([NS_DISCO_INFO, NS_CAPS, SLIXMPP_FEATURE]))
      expect(info.forms).toEqual([
        {
          type: 'result',
          fields: [
            { var: 'FORM_TYPE', type: 'hidden', values: [SLIXMPP_INFO_FORM] },
            { var: 'colour', values: ['green'] },
          ],
        },
      ])
    })

    it('gives a node, its items, its root items, and item-not-found for another node', async () => {
      const info = await aliceDc.queryInfo(slix.jid, { node: 'albums' })
      expect(info).toEqual({
        node: 'albums',
        identities: [{ category: 'hierarchy', type: 'branch', name: 'Albums' }],
        features: ['urn:example:albums'],
        forms: [],
      })
      const items = await aliceDc.queryItems(slix.jid, { node: 'albums' })
      expect(items.node).toBe('albums')
      expect([...items.items].sort((a, b) => String(a.node).localeCompare(String(b.node)))).toEqual([
        { jid: slix.jid, node: 'albums/2025', name: '2025' },
        { jid: slix.jid, node: 'albums/2026', name: '2026' },
      ])
      expect((await aliceDc.queryItems(slix.jid)).items).toEqual([{ jid: slix.jid, node: 'albums', name: 'Photo albums' }])
      for (const query of [aliceDc.queryInfo(slix.jid, { node: 'no-such-node' }), aliceDc.queryItems(slix.jid, { node: 'no-such-node' })]) {
        const error = await query.catch((e: unknown) => e)
        expect(error).toBeInstanceOf(StanzaError)
        expect(error).toMatchObject({ condition: 'item-not-found' })
      }
    })

    it('gives every item and no rsm for a page request (slixmpp answers without XEP-0059)', async () => {
      const page = await aliceDc.queryItemsPage(slix.jid, { node: 'albums', max: 1 })
      expect(page.rsm).toBeUndefined()
      expect(page.items).toHaveLength(2)
    })

    it("verifies slixmpp's XEP-0115 ver: its features come from one query at node#ver", async () => {
      await slix.presence(String(alice.jid))
      await vi.waitFor(() => expect(aliceCaps.snapshot().jids.map((j) => j.jid)).toContain(slix.jid), { timeout: 15_000 })
      aliceDc.forgetInfo(slix.jid)
      const before = aliceSent.length
      const info = await aliceDc.queryInfo(slix.jid)
      expect(info.features).toContain(SLIXMPP_FEATURE)
      expect(aliceSent.slice(before)).toEqual([{ to: slix.jid, node: expect.stringMatching(/#.+=$/) as unknown }])
      expect(aliceCaps.snapshot().hashes).toEqual([expect.objectContaining({ hash: expect.stringMatching(/^caps sha-1 /) as unknown, jids: [slix.jid] })])
    })
  })
})
