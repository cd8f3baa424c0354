// aioxmpp (Debian's python3-aioxmpp 0.13), the library whose disco semantics
// ours follows, as an independent peer through a real server (Prosody, or
// ejabberd with XMPP_TEST_SERVER=ejabberd), both ways: its DiscoClient asks
// our DiscoServer and its caps service verifies our presence's hashes; our
// DiscoClient asks its DiscoServer and our caps verify its presence's hashes.
import { QueryClient } from '@tanstack/query-core'
import { xml } from '@xmpp/client'
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
import { AIOXMPP_FEATURE, PeerCommandError, startAioxmppPeer } from '../helpers/aioxmppPeer.js'
import type { AioxmppPeer } from '../helpers/aioxmppPeer.js'
import { serverName, startServer } from '../helpers/server.js'
import type { TestServer } from '../helpers/server.js'
import { connectClient, recordSentQueries, stopClient } from '../helpers/xmppClient.js'
import type { Client } from '../helpers/xmppClient.js'

const NODE = 'https://app.example'
const NS_CAPS = 'http://jabber.org/protocol/caps'
const NS_CAPS2 = 'urn:xmpp:caps'
const asXmpp = (c: Client) => c as unknown as XmppClient
const password = (username: string) => `${username}-pw`


describe(`aioxmpp as a peer through ${serverName}`, () => {
  let server: TestServer
  let bob: Client
  let bobJid: string
  let carol: Client
  let alice: Client
  let aliceSent: ReturnType<typeof recordSentQueries>
  let aliceDc: DiscoClient
  let aliceCaps: EntityCaps
  let aiox: AioxmppPeer
  let aiox2: AioxmppPeer

  beforeAll(async () => {
    server = await startServer({ users: ['bob', 'alice', 'carol', 'aiox', 'aiox2'].map((username) => ({ username, password: password(username) })) })
    ;[bob, alice] = await Promise.all([
      // Declared before the stream opens, as a React app does: our XEP-0390 hash takes the stream's language.
      connectClient(server, {
        username: 'bob',
        password: password('bob'),
        resource: 'it',
        beforeStart: (xmpp) => {
          const disco = DiscoServer.for(asXmpp(xmpp))
          // Each identity with an xml:lang: aioxmpp 0.13 gives one without it the stream's language under XEP-0115 (README).
          disco.registerIdentity('client', 'pc', { names: { en: 'Bob', de: 'Bob (Schreibtisch)' } })
          disco.unregisterIdentity('client', 'bot')
          disco.registerFeature('urn:example:chess')
          disco.registerFeature('urn:xmpp:jingle:1')
          disco.registerForm(softwareInfoForm({ name: 'Chat', version: '1.2', os: 'Linux' }))
          EntityCaps.for(asXmpp(xmpp), { node: NODE })
        },
      }),
      connectClient(server, { username: 'alice', password: password('alice'), resource: 'it' }),
    ])
    bobJid = String(bob.jid)
    // XEP-0115 only: aioxmpp verifies the first hash it can, XEP-0390's when there is one.
    carol = await connectClient(server, {
      username: 'carol',
      password: password('carol'),
      resource: 'it',
      beforeStart: (xmpp) => {
        const disco = DiscoServer.for(asXmpp(xmpp))
        disco.registerIdentity('client', 'phone', { names: { en: 'Carol', fr: 'Carole' } })
        disco.unregisterIdentity('client', 'bot')
        disco.registerFeature('urn:example:chess')
        disco.registerForm(softwareInfoForm({ name: 'Chat', version: '1.2' }))
        EntityCaps.for(asXmpp(xmpp), { node: NODE, ecaps2: false })
      },
    })
    const albums = new StaticNode()
    albums.registerIdentity('hierarchy', 'branch', { names: { '': 'Albums' } })
    albums.registerFeature('urn:example:albums')
    albums.items.push({ jid: bobJid, node: 'albums/2025', name: '2025' }, { jid: bobJid, node: 'albums/2026', name: '2026' })
    DiscoServer.for(asXmpp(bob)).mountNode('albums', albums, { listed: true, name: 'Photo albums' })

    aliceSent = recordSentQueries(alice)
    aliceDc = DiscoClient.for(asXmpp(alice), { queryClient: new QueryClient() })
    aliceCaps = EntityCaps.for(asXmpp(alice), { node: NODE, discoClient: aliceDc })
    ;[aiox, aiox2] = await Promise.all([
      startAioxmppPeer(server, { username: 'aiox', password: password('aiox') }),
      startAioxmppPeer(server, { username: 'aiox2', password: password('aiox2') }),
    ])
  })

  afterAll(async () => {
    await Promise.all([aiox?.stop(), aiox2?.stop()])
    await Promise.all([bob, alice, carol].map((c) => stopClient(c)))
    await server?.stop()
  })

  describe('asking our DiscoServer', () => {
    it('reads our root identities (names per xml:lang), features and XEP-0232 form exactly as declared', async () => {
      const info = await aiox.info(bobJid)
      expect(info.identities).toEqual(
        expect.arrayContaining([
          { category: 'client', type: 'pc', name: 'Bob', lang: 'en' },
          { category: 'client', type: 'pc', name: 'Bob (Schreibtisch)', lang: 'de' },
        ]),
      )
      expect(info.identities).toHaveLength(2)
      expect([...info.features].sort()).toEqual(
        [NS_DISCO_INFO, NS_DISCO_ITEMS, 'urn:example:chess', 'urn:xmpp:jingle:1', NS_CAPS, NS_CAPS2].sort(),
      )
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

    it("reads a node's info and items, and the root's items listing the node", async () => {
      const info = await aiox.info(bobJid, 'albums')
      expect(info.node).toBe('albums')
      expect(info.identities).toEqual([expect.objectContaining({ category: 'hierarchy', type: 'branch', name: 'Albums' })])
      // aioxmpp keeps features in a set: their order is its own.
      expect([...info.features].sort()).toEqual([NS_DISCO_INFO, 'urn:example:albums'])
      const items = await aiox.items(bobJid, 'albums')
      expect(items.items).toEqual([
        { jid: bobJid, node: 'albums/2025', name: '2025' },
        { jid: bobJid, node: 'albums/2026', name: '2026' },
      ])
      expect((await aiox.items(bobJid)).items).toEqual([{ jid: bobJid, node: 'albums', name: 'Photo albums' }])
    })

    it('gets item-not-found for a node that is not mounted', async () => {
      const error = await aiox.info(bobJid, 'no-such-node').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(PeerCommandError)
      expect((error as PeerCommandError).condition).toBe('item-not-found')
    })

    it("verifies our presence's XEP-0390 hash with its own caps service", async () => {
      await bob.send(xml('presence', { to: aiox.jid }))
      // aioxmpp verifies lazily: when its DiscoClient is asked for the JID's info (without require_fresh).
      await vi.waitFor(async () => {
        const info = await aiox.info(bobJid, undefined, { fresh: false })
        expect(info.features).toContain('urn:example:chess')
        expect(aiox.reports.filter((r) => r.jid === bobJid)).not.toEqual([])
      }, { timeout: 15_000 })
      const reports = aiox.reports.filter((r) => r.jid === bobJid)
      expect(reports).toEqual([{ jid: bobJid, node: expect.stringMatching(/^urn:xmpp:caps#sha-256\./), verified: true }])
    })

    it("verifies our presence's XEP-0115 ver, a form in it, with its own caps service", async () => {
      const carolJid = String(carol.jid)
      await carol.send(xml('presence', { to: aiox.jid }))
      await vi.waitFor(async () => {
        const info = await aiox.info(carolJid, undefined, { fresh: false })
        expect(info.features).toContain('urn:example:chess')
        expect(aiox.reports.filter((r) => r.jid === carolJid)).not.toEqual([])
      }, { timeout: 15_000 })
      const ver = EntityCaps.for(asXmpp(carol), { node: NODE, ecaps2: false }).ver
      expect(aiox.reports.filter((r) => r.jid === carolJid)).toEqual([{ jid: carolJid, node: `${NODE}#${ver}`, verified: true }])
    })
  })

  describe('answering our DiscoClient', () => {
    it("gives its root identities, features and no forms, as aioxmpp's DiscoServer declares them", async () => {
      const info = await aliceDc.queryInfo(aiox.jid, { requireFresh: true })
      expect(info.identities).toEqual(
        expect.arrayContaining([
          { category: 'client', type: 'pc', name: 'aioxmpp peer', lang: 'en' },
          { category: 'client', type: 'pc', name: 'aioxmpp Gegenstelle', lang: 'de' },
        ]),
      )
      expect(info.identities).toHaveLength(2)
      // aioxmpp does not advertise disco#items.
      expect([...info.features].sort()).toEqual([NS_DISCO_INFO, AIOXMPP_FEATURE, NS_CAPS, NS_CAPS2].sort())
      expect(info.forms).toEqual([])
    })

    it('gives a node, its items (aioxmpp does not echo the node in items), and item-not-found for another', async () => {
      const info = await aliceDc.queryInfo(aiox.jid, { node: 'albums' })
      expect(info).toMatchObject({ node: 'albums', features: expect.arrayContaining(['urn:example:albums']) })
      expect(info.identities).toEqual([{ category: 'hierarchy', type: 'branch', name: 'Albums', lang: 'en' }])
      const items = await aliceDc.queryItems(aiox.jid, { node: 'albums' })
      expect(items).toEqual({
        node: 'albums',
        items: [
          { jid: aiox.jid, node: 'albums/2025', name: '2025' },
          { jid: aiox.jid, node: 'albums/2026', name: '2026' },
        ],
      })
      expect((await aliceDc.queryItems(aiox.jid)).items).toEqual([{ jid: aiox.jid, node: 'albums', name: 'Photo albums' }])
      const error = await aliceDc.queryInfo(aiox.jid, { node: 'no-such-node' }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StanzaError)
      expect(error).toMatchObject({ condition: 'item-not-found' })
    })

    it("verifies aioxmpp's XEP-0115 and XEP-0390 hashes: one query for two aioxmpp peers advertising them", async () => {
      await aiox.presence(String(alice.jid))
      await aiox2.presence(String(alice.jid))
      const before = aliceSent.length
      // The presences travel while we ask: wait until the first is known to our caps.
      await vi.waitFor(() => expect(aliceCaps.stats.jids).toBeGreaterThanOrEqual(2), { timeout: 15_000 })
      const first = await aliceDc.queryInfo(aiox.jid)
      expect(first.features).toContain(AIOXMPP_FEATURE)
      const asked = aliceSent.slice(before)
      expect(asked).toHaveLength(1)
      expect(asked[0]).toMatchObject({ to: aiox.jid, node: expect.stringContaining('#') })
      // Both of aioxmpp's hashes that we compute verified its answer: XEP-0390's sha-256 and XEP-0115's sha-1.
      const verified = aliceCaps.snapshot().hashes.map((h) => h.hash.split(' ').slice(0, 2).join(' '))
      expect(verified.sort()).toEqual(['caps sha-1', 'ecaps2 sha-256'])
      // The second peer's hash is the first's, verified: it is answered without a query.
      const second = await aliceDc.queryInfo(aiox2.jid)
      expect(second).toEqual(first)
      expect(aliceSent.slice(before)).toHaveLength(1)
    })
  })
})
