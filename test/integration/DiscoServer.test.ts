// The answering side through a real server (Prosody, or ejabberd with
// XMPP_TEST_SERVER=ejabberd, see test/helpers/server.ts): bob runs a DiscoServer; alice
// and carol ask bob's full JID with plain IQs (no library code on their side).
import { xml } from '@xmpp/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DiscoServer, NS_DISCO_INFO, NS_DISCO_ITEMS, Node, StaticNode, parseInfo, parseItems } from '../../src/core/index.js'
import type { DiscoIdentity, XmlElement, XmppClient } from '../../src/core/index.js'
import { serverName, startServer } from '../helpers/server.js'
import type { TestServer } from '../helpers/server.js'
import { connectClient, stopClient } from '../helpers/xmppClient.js'
import type { Client } from '../helpers/xmppClient.js'

const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas'

/** A node that does not exist for alice (XEP-0030: answers may differ per requester). */
class CarolOnlyNode extends Node {
  override iterIdentities(request?: XmlElement): Iterable<DiscoIdentity> {
    const from = request?.attrs.from ?? ''
    return from.startsWith('carol@') ? super.iterIdentities(request) : []
  }
}

/** Sends a raw IQ and resolves with the reply stanza, result or error alike. */
async function ask(from: Client, to: string, ns: string, attrs: { node?: string; type?: 'get' | 'set' } = {}): Promise<XmlElement> {
  const iq = xml('iq', { type: attrs.type ?? 'get', to }, xml('query', { xmlns: ns, node: attrs.node }))
  try {
    return await from.iqCaller.request(iq)
  } catch (err) {
    // @xmpp/iq rejects error replies with a StanzaError carrying the <error/> element.
    const element = (err as { element?: XmlElement }).element
    if (!element) throw err
    return xml('iq', { type: 'error' }, element)
  }
}

function condition(reply: XmlElement): string | undefined {
  const error = reply.getChild('error')
  return error?.getChildElements().find((c) => c.getNS() === NS_STANZAS)?.name
}

describe(`DiscoServer through ${serverName}`, () => {
  let server: TestServer
  let alice: Client
  let bob: Client
  let carol: Client
  let bobJid: string
  let disco: DiscoServer

  beforeAll(async () => {
    const users = ['alice', 'bob', 'carol'].map((username) => ({ username, password: `${username}-pw` }))
    server = await startServer({ users })
    const connect = (username: string) => connectClient(server, { username, password: `${username}-pw`, resource: 'it' })
    ;[alice, bob, carol] = await Promise.all([connect('alice'), connect('bob'), connect('carol')])
    bobJid = String(bob.jid)
    disco = DiscoServer.for(bob as unknown as XmppClient)
    disco.registerIdentity('client', 'pc', { names: { '': 'Bob', de: 'Bob (Schreibtisch)' } })
    disco.registerFeature('urn:example:chess')
    disco.registerFeature('urn:xmpp:jingle:1')

    const albums = new StaticNode()
    albums.registerIdentity('hierarchy', 'branch', { names: { '': 'Albums' } })
    albums.registerFeature('urn:example:albums')
    albums.items.push({ jid: bobJid, node: 'albums/2025', name: '2025' }, { jid: bobJid, node: 'albums/2026', name: '2026' })
    disco.mountNode('albums', albums, { listed: true, name: 'Photo albums' })

    const secret = new CarolOnlyNode()
    secret.registerIdentity('hierarchy', 'leaf', { names: { '': 'For Carol' } })
    disco.mountNode('secret', secret)
  })

  afterAll(async () => {
    await Promise.all([alice, bob, carol].map((c) => stopClient(c)))
    await server?.stop()
  })

  it("answers the root disco#info with bob's identities and features", async () => {
    const reply = await ask(alice, bobJid, NS_DISCO_INFO)
    expect(reply.attrs.type).toBe('result')
    const info = parseInfo(reply)
    expect(info.node).toBeUndefined()
    expect(info.identities).toEqual(
      expect.arrayContaining([
        { category: 'client', type: 'pc', name: 'Bob' },
        { category: 'client', type: 'pc', name: 'Bob (Schreibtisch)', lang: 'de' },
      ]),
    )
    expect(info.features).toEqual([NS_DISCO_INFO, NS_DISCO_ITEMS, 'urn:example:chess', 'urn:xmpp:jingle:1'])
  })

  it("echoes the node in a node's disco#info", async () => {
    const reply = await ask(alice, bobJid, NS_DISCO_INFO, { node: 'albums' })
    expect(reply.getChild('query', NS_DISCO_INFO)?.attrs.node).toBe('albums')
    const info = parseInfo(reply)
    expect(info.identities).toEqual([{ category: 'hierarchy', type: 'branch', name: 'Albums' }])
    expect(info.features).toEqual([NS_DISCO_INFO, 'urn:example:albums'])
  })

  it("lists a node's items with the node echoed, and the listed mount at the root", async () => {
    const nodeReply = await ask(alice, bobJid, NS_DISCO_ITEMS, { node: 'albums' })
    expect(nodeReply.getChild('query', NS_DISCO_ITEMS)?.attrs.node).toBe('albums')
    expect(parseItems(nodeReply).items).toEqual([
      { jid: bobJid, node: 'albums/2025', name: '2025' },
      { jid: bobJid, node: 'albums/2026', name: '2026' },
    ])
    const rootReply = await ask(alice, bobJid, NS_DISCO_ITEMS)
    expect(parseItems(rootReply).items).toEqual([{ jid: bobJid, node: 'albums', name: 'Photo albums' }])
  })

  it('answers item-not-found for a node that is not mounted', async () => {
    const reply = await ask(alice, bobJid, NS_DISCO_INFO, { node: 'no-such-node' })
    expect(reply.attrs.type).toBe('error')
    expect(reply.getChild('error')?.attrs.type).toBe('cancel')
    expect(condition(reply)).toBe('item-not-found')
    const items = await ask(alice, bobJid, NS_DISCO_ITEMS, { node: 'no-such-node' })
    expect(condition(items)).toBe('item-not-found')
  })

  it('answers service-unavailable to a disco set', async () => {
    for (const ns of [NS_DISCO_INFO, NS_DISCO_ITEMS]) {
      const reply = await ask(alice, bobJid, ns, { type: 'set' })
      expect(reply.attrs.type).toBe('error')
      expect(condition(reply)).toBe('service-unavailable')
    }
  })

  it('shows the hidden node to carol only', async () => {
    const toAlice = await ask(alice, bobJid, NS_DISCO_INFO, { node: 'secret' })
    expect(condition(toAlice)).toBe('item-not-found')
    const toCarol = await ask(carol, bobJid, NS_DISCO_INFO, { node: 'secret' })
    expect(toCarol.attrs.type).toBe('result')
    expect(parseInfo(toCarol).identities).toEqual([{ category: 'hierarchy', type: 'leaf', name: 'For Carol' }])
  })

  it("shows a feature registered or unregistered on bob in alice's very next query", async () => {
    disco.registerFeature('urn:example:new')
    expect(parseInfo(await ask(alice, bobJid, NS_DISCO_INFO)).features).toContain('urn:example:new')
    disco.unregisterFeature('urn:example:new')
    expect(parseInfo(await ask(alice, bobJid, NS_DISCO_INFO)).features).not.toContain('urn:example:new')
  })

  it('answers item-not-found once a node is unmounted', async () => {
    const temp = new StaticNode()
    temp.registerIdentity('hierarchy', 'leaf')
    disco.mountNode('temp', temp)
    expect((await ask(alice, bobJid, NS_DISCO_INFO, { node: 'temp' })).attrs.type).toBe('result')
    disco.unmountNode('temp')
    expect(condition(await ask(alice, bobJid, NS_DISCO_INFO, { node: 'temp' }))).toBe('item-not-found')
  })
})
