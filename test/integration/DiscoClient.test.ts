// The querying side through a real server (Prosody, or ejabberd with
// XMPP_TEST_SERVER=ejabberd, see test/helpers/server.ts): alice's DiscoClient asks the
// server and bob (a DiscoServer that counts what reaches it).
import { QueryClient } from '@tanstack/query-core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  DisconnectedError,
  DiscoClient,
  DiscoServer,
  InvalidJidError,
  NS_DISCO_INFO,
  StanzaError,
  StaticNode,
  TimeoutError,
} from '../../src/core/index.js'
import type { XmlElement, XmppClient } from '../../src/core/index.js'
import { serverName, startServer } from '../helpers/server.js'
import type { TestServer } from '../helpers/server.js'
import { connectClient, countDiscoGets, stopClient } from '../helpers/xmppClient.js'
import type { Client } from '../helpers/xmppClient.js'

const users = ['alice', 'bob', 'dave'].map((username) => ({ username, password: `${username}-pw` }))
const asXmpp = (c: Client) => c as unknown as XmppClient

/** Counts the disco gets `xmpp` sends. */
function countSent(xmpp: Client): () => number {
  let sent = 0
  xmpp.on('send', (el: XmlElement) => {
    if (el.name === 'iq' && el.attrs.type === 'get' && el.getChild('query', NS_DISCO_INFO)) sent++
  })
  return () => sent
}

describe(`DiscoClient through ${serverName}`, () => {
  let server: TestServer
  let alice: Client
  let bob: Client
  let dave: Client
  let bobJid: string
  let bobCounts: { info: number; items: number }
  let dc: DiscoClient

  beforeAll(async () => {
    server = await startServer({ users })
    const connect = (username: string) => connectClient(server, { username, password: `${username}-pw`, resource: 'it' })
    ;[alice, bob, dave] = await Promise.all([connect('alice'), connect('bob'), connect('dave')])
    bobJid = String(bob.jid)
    bobCounts = countDiscoGets(bob)
    const disco = DiscoServer.for(asXmpp(bob))
    disco.registerFeature('urn:example:chess')
    const node = new StaticNode()
    node.registerIdentity('hierarchy', 'branch')
    node.items.push({ jid: bobJid, node: 'leaf', name: 'Leaf' })
    disco.mountNode('tree', node)
    // dave never answers a disco#info query (the handler's promise never settles).
    asXmpp(dave).iqCallee.get(NS_DISCO_INFO, 'query', () => new Promise(() => {}))
    dc = DiscoClient.for(asXmpp(alice), { queryClient: new QueryClient({ defaultOptions: { queries: { retry: false } } }) })
  })

  afterAll(async () => {
    await Promise.all([alice, bob, dave].map((c) => stopClient(c)))
    await server?.stop()
  })

  it("queries the server's own disco#info and disco#items", async () => {
    const info = await dc.queryInfo(server.host)
    expect(info.identities).toContainEqual(expect.objectContaining({ category: 'server', type: 'im' }))
    expect(info.features).toContain(NS_DISCO_INFO)
    const items = await dc.queryItems(server.host)
    expect(Array.isArray(items.items)).toBe(true)
  })

  it('sends one request for 50 concurrent callers, none for a cached call and one more for requireFresh', async () => {
    const before = bobCounts.info
    const results = await Promise.all(Array.from({ length: 50 }, () => dc.queryInfo(bobJid)))
    expect(bobCounts.info - before).toBe(1)
    expect(new Set(results).size).toBe(1)
    expect(results[0]?.features).toContain('urn:example:chess')

    await dc.queryInfo(bobJid)
    expect(bobCounts.info - before).toBe(1)

    await dc.queryInfo(bobJid, { requireFresh: true })
    expect(bobCounts.info - before).toBe(2)
  })

  it('aliases and caches items queries with the node echoed', async () => {
    const before = bobCounts.items
    const [a, b] = await Promise.all([dc.queryItems(bobJid, { node: 'tree' }), dc.queryItems(bobJid, { node: 'tree' })])
    expect(a).toEqual({ node: 'tree', items: [{ jid: bobJid, node: 'leaf', name: 'Leaf' }] })
    expect(b).toBe(a)
    await dc.queryItems(bobJid, { node: 'tree' })
    expect(bobCounts.items - before).toBe(1)
  })

  it('surfaces an item-not-found from the peer as a StanzaError and caches nothing', async () => {
    const before = bobCounts.info
    const error = await dc.queryInfo(bobJid, { node: 'missing' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StanzaError)
    expect(error).toMatchObject({ condition: 'item-not-found', type: 'cancel' })
    await expect(dc.queryInfo(bobJid, { node: 'missing' })).rejects.toBeInstanceOf(StanzaError)
    expect(bobCounts.info - before).toBe(2)
  })

  it("gets bob's answer when the app writes his JID in another Unicode form: the server prepares it, and the reply comes from the prepared JID", async () => {
    const fullwidth = (ascii: string): string => String.fromCodePoint(...[...ascii].map((c) => (c.codePointAt(0) ?? 0) + 0xfee0))
    // Fullwidth letters are their ASCII letters to the server (stringprep NFKC, RFC 7622 width mapping):
    // in the localpart and domain, and, for Prosody's and ejabberd's resourceprep, in the resource.
    for (const written of [`${fullwidth('bob')}@${server.host}/it`, `bob@${fullwidth(server.host)}/it`, `bob@${server.host}/${fullwidth('it')}`]) {
      const info = await dc.queryInfo(written, { requireFresh: true, timeout: 10_000 })
      expect(info.features).toContain('urn:example:chess')
    }
  })

  it('refuses, sending nothing, a JID with a character RFC 7622 disallows, which the server would drop (and answer for another JID) or refuse', async () => {
    const sent = countSent(alice)
    // Zero-width space, soft hyphen (stringprep maps both to nothing), a variation selector, a private-use character.
    for (const written of [`b\u200bob@${server.host}/it`, `bob@local\u00adhost/it`, `bob@${server.host}/it\ufe0f`, `b\ue000ob@${server.host}/it`]) {
      await expect(dc.queryInfo(written, { timeout: 5000 })).rejects.toBeInstanceOf(InvalidJidError)
    }
    expect(sent()).toBe(0)
  })

  it('rejects with TimeoutError when the peer never answers', async () => {
    await expect(dc.queryInfo(String(dave.jid), { timeout: 300 })).rejects.toBeInstanceOf(TimeoutError)
  })

  it(`rejects every pending query when ${serverName} restarts and the session cannot be resumed, and queries the new server once reconnected`, async () => {
    const sent = countSent(alice)
    const pending = [
      dc.queryInfo(String(dave.jid), { node: 'a' }),
      dc.queryInfo(String(dave.jid), { node: 'b' }),
      dc.queryInfo(String(dave.jid)),
    ]
    const settled = Promise.allSettled(pending)
    let newSessions = 0
    alice.on('online', () => newSessions++)
    await server.stop()
    // A new server knows nothing of alice's session: xmpp.js reconnects by
    // itself, its <resume/> fails, and it binds a new session.
    server = await startServer({ users: users.slice(0, 1) })
    alice.options.service = server.tcpUrl
    const outcomes = await settled
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected')
      // The session's end, or the bounce the server sent on its way down, when it closed dave's session before alice's.
      const reason = (outcome as PromiseRejectedResult).reason as unknown
      if (reason instanceof StanzaError) expect(reason.condition).toBe('recipient-unavailable')
      else expect(reason).toBeInstanceOf(DisconnectedError)
    }
    await vi.waitFor(() => expect(alice.status).toBe('online'), { timeout: 15_000 })
    expect(newSessions).toBe(1)
    const before = sent()
    const info = await dc.queryInfo(server.host)
    expect(info.identities).toContainEqual(expect.objectContaining({ category: 'server' }))
    expect(sent() - before).toBe(1)
  })
})
