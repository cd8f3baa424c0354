// Hostile and malformed answers through a real server (Prosody, or ejabberd
// with XMPP_TEST_SERVER=ejabberd): mallory is a raw @xmpp/client that answers
// alice's disco queries with hand-written stanzas. Alice's DiscoClient must
// never crash, must reject with a typed DiscoError, and must keep every bad
// answer out of the TanStack cache.
import { QueryClient } from '@tanstack/query-core'
import { xml } from '@xmpp/client'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  DiscoClient,
  DiscoServer,
  InvalidJidError,
  MalformedResponseError,
  NS_CAPS,
  NS_CAPS2,
  NS_DISCO_INFO,
  NS_DISCO_ITEMS,
  NS_RSM,
  NS_STANZAS,
  STANZA_ERROR_CONDITIONS,
  StanzaError,
  TimeoutError,
} from '../../src/core/index.js'
import type { IncomingContext, XmlElement, XmppClient } from '../../src/core/index.js'
import { EntityCaps } from '../../src/core/caps/index.js'
import { serverName, startServer } from '../helpers/server.js'
import type { TestServer } from '../helpers/server.js'
import { clientErrors, connectClient, stopClient } from '../helpers/xmppClient.js'
import type { Client } from '../helpers/xmppClient.js'

const users = ['alice', 'mallory', 'bob', 'carol'].map((username) => ({ username, password: `${username}-pw` }))
const asXmpp = (c: Client) => c as unknown as XmppClient

/** How mallory answers one disco get: the stanzas to send back (none: stay silent). */
type Answer = (request: XmlElement) => XmlElement[]

/** A result to `request` carrying `children` (no `from`: the server stamps mallory's). */
function result(request: XmlElement, ...children: (XmlElement | string)[]): XmlElement {
  return xml('iq', { type: 'result', id: request.attrs.id, to: request.attrs.from }, ...children)
}

function infoQuery(attrs: Record<string, string | undefined>, ...children: XmlElement[]): XmlElement {
  return xml('query', { xmlns: NS_DISCO_INFO, ...attrs }, ...children)
}

function itemsQuery(attrs: Record<string, string | undefined>, ...children: XmlElement[]): XmlElement {
  return xml('query', { xmlns: NS_DISCO_ITEMS, ...attrs }, ...children)
}

const identity = xml('identity', { category: 'client', type: 'pc' })
const NODE = 'https://app.example'
const NS_HASHES = 'urn:xmpp:hashes:2'

describe(`A hostile peer's disco answers through ${serverName}`, () => {
  let server: TestServer
  let alice: Client
  let mallory: Client
  let bob: Client
  let malloryJid: string
  let bobJid: string
  let answer: Answer = () => []
  const asked: XmlElement[] = []
  /** The bodies of the messages alice got: a message after a stanza tells that the stanza was delivered. */
  const delivered: string[] = []
  let queryClient: QueryClient
  let dc: DiscoClient

  beforeAll(async () => {
    server = await startServer({ users })
    const connect = (username: string) => connectClient(server, { username, password: `${username}-pw`, resource: 'hostile' })
    ;[alice, mallory, bob] = await Promise.all([connect('alice'), connect('mallory'), connect('bob')])
    malloryJid = String(mallory.jid)
    alice.on('stanza', (stanza: XmlElement) => {
      if (stanza.name === 'message') delivered.push(stanza.getChildText('body') ?? '')
    })
    bobJid = String(bob.jid)
    // Before xmpp.js's iqCallee, which would answer service-unavailable.
    asXmpp(mallory).middleware.use((ctx: IncomingContext, next) => {
      const { stanza } = ctx
      const query = stanza.name === 'iq' && stanza.attrs.type === 'get' ? stanza.getChild('query') : undefined
      if (query?.attrs.xmlns !== NS_DISCO_INFO && query?.attrs.xmlns !== NS_DISCO_ITEMS) return next()
      asked.push(stanza)
      for (const reply of answer(stanza)) mallory.send(reply).catch((e: unknown) => console.error('mallory send', e))
      // Never settles: @xmpp/iq's callee, which runs first, would send its own reply.
      return new Promise(() => {})
    })
  })

  beforeEach(() => {
    asked.length = 0
    answer = () => []
    queryClient = new QueryClient()
    dc = DiscoClient.for(asXmpp(alice), { queryClient })
  })

  afterEach(() => {
    dc.dispose()
  })

  afterAll(async () => {
    await Promise.all([alice, mallory, bob].map((c) => stopClient(c)))
    await server?.stop()
  })

  /** What alice's cache holds for mallory, for `kind`. */
  function cached(kind: 'info' | 'items', node?: string): unknown {
    return queryClient.getQueryData(dc.queryKey(kind, malloryJid, node))
  }

  it('rejects an info result without <query/> as MalformedResponseError and caches nothing', async () => {
    answer = (req) => [result(req)]
    const error = await dc.queryInfo(malloryJid).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MalformedResponseError)
    expect(cached('info')).toBeUndefined()
  })

  it('rejects an info result whose <query/> has the disco#items namespace', async () => {
    answer = (req) => [result(req, itemsQuery({}, xml('item', { jid: 'evil.example' })))]
    await expect(dc.queryInfo(malloryJid)).rejects.toBeInstanceOf(MalformedResponseError)
    expect(cached('info')).toBeUndefined()
  })

  it('rejects an info or items result for another node', async () => {
    answer = (req) => [
      result(req, xml('query', { xmlns: req.getChild('query')?.attrs.xmlns, node: 'other' }, identity)),
    ]
    await expect(dc.queryInfo(malloryJid, { node: 'asked' })).rejects.toBeInstanceOf(MalformedResponseError)
    await expect(dc.queryItems(malloryJid, { node: 'asked' })).rejects.toBeInstanceOf(MalformedResponseError)
    expect(cached('info', 'asked')).toBeUndefined()
    expect(cached('items', 'asked')).toBeUndefined()
  })

  it('rejects a node answer for the root (a node echoed to a root query)', async () => {
    answer = (req) => [result(req, infoQuery({ node: 'other' }, identity))]
    await expect(dc.queryInfo(malloryJid)).rejects.toBeInstanceOf(MalformedResponseError)
    expect(cached('info')).toBeUndefined()
  })

  it('drops identities without category or type, and rejects an answer left with none', async () => {
    answer = (req) => [
      result(req, infoQuery({}, xml('identity', { type: 'pc' }), xml('identity', { category: 'client' }), xml('feature', { var: 'a' }))),
    ]
    await expect(dc.queryInfo(malloryJid)).rejects.toBeInstanceOf(MalformedResponseError)
    expect(cached('info')).toBeUndefined()

    answer = (req) => [
      result(
        req,
        infoQuery(
          {},
          xml('identity', { category: 'client' }),
          identity,
          xml('feature', { var: 'urn:a' }),
          xml('feature', { var: 'urn:a' }),
          xml('feature', {}),
          xml('feature', { var: '' }),
          xml('feature', { var: 'urn:b' }),
        ),
      ),
    ]
    const info = await dc.queryInfo(malloryJid, { requireFresh: true })
    expect(info).toEqual({ identities: [{ category: 'client', type: 'pc' }], features: ['urn:a', 'urn:b'], forms: [] })
    expect(cached('info')).toEqual(info)
  })

  it('rejects two names for one identity', async () => {
    answer = (req) => [
      result(req, infoQuery({}, xml('identity', { category: 'client', type: 'pc', name: 'A' }), xml('identity', { category: 'client', type: 'pc', name: 'B' }))),
    ]
    await expect(dc.queryInfo(malloryJid)).rejects.toBeInstanceOf(MalformedResponseError)
    expect(cached('info')).toBeUndefined()
  })

  it('drops items whose jid is missing or invalid', async () => {
    answer = (req) => [
      result(
        req,
        itemsQuery(
          {},
          xml('item', { jid: 'a@b@c' }),
          xml('item', {}),
          xml('item', { jid: '' }),
          xml('item', { jid: 'x@/r' }),
          xml('item', { jid: 'Good.Example' }),
          xml('item', { jid: '@nolocal.example' }),
        ),
      ),
    ]
    const list = await dc.queryItems(malloryJid)
    expect(list.items).toEqual([{ jid: 'good.example' }])
  })

  it('surfaces each common error condition as a StanzaError, caching nothing', async () => {
    for (const condition of STANZA_ERROR_CONDITIONS) {
      answer = (req) => [
        xml(
          'iq',
          { type: 'error', id: req.attrs.id, to: req.attrs.from },
          xml('error', { type: 'cancel' }, xml(condition, { xmlns: NS_STANZAS }), xml('text', { xmlns: NS_STANZAS }, `because ${condition}`)),
        ),
      ]
      const error = await dc.queryInfo(malloryJid, { node: condition }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StanzaError)
      expect(error).toMatchObject({ condition, type: 'cancel', text: `because ${condition}` })
      expect(cached('info', condition)).toBeUndefined()
    }
    // An unknown condition and error type. (An error without <error/> does not get through Prosody.)
    answer = (req) => [
      xml('iq', { type: 'error', id: req.attrs.id, to: req.attrs.from }, xml('error', { type: 'weird' }, xml('made-up', { xmlns: NS_STANZAS }))),
    ]
    await expect(dc.queryInfo(malloryJid, { node: 'made-up' })).rejects.toMatchObject({ condition: 'undefined-condition', type: undefined })
  })

  it('rejects with TimeoutError, and an answer after the timeout is not cached', async () => {
    const silent: XmlElement[] = []
    answer = (req) => {
      silent.push(req)
      return []
    }
    await expect(dc.queryInfo(malloryJid, { timeout: 500 })).rejects.toBeInstanceOf(TimeoutError)
    const [late] = silent
    if (!late) throw new Error('mallory was not asked')
    // Sent after the timeout, then a query that mallory answers properly: the late answer is nowhere.
    await mallory.send(result(late, infoQuery({}, identity, xml('feature', { var: 'urn:late' }))))
    answer = (req) => [result(req, infoQuery({}, identity, xml('feature', { var: 'urn:fresh' })))]
    await mallory.send(xml('message', { to: String(alice.jid) }, xml('body', {}, 'after the late answer')))
    await vi.waitFor(() => expect(delivered).toContain('after the late answer'))
    expect(cached('info')).toBeUndefined()
    expect((await dc.queryInfo(malloryJid)).features).toEqual(['urn:fresh'])
  })

  it("ignores a result for a query to bob that mallory sends with the predicted id, and takes bob's", async () => {
    // Mallory learns alice's id scheme from a query to itself.
    answer = (req) => [result(req, infoQuery({}, identity))]
    await dc.queryInfo(malloryJid)
    const match = /^(.*-)([0-9a-z]+)$/.exec(String(asked[0]?.attrs.id))
    if (!match?.[1] || !match[2]) throw new Error(`unexpected id ${String(asked[0]?.attrs.id)}`)
    const prefix = match[1]
    const next = parseInt(match[2], 36)
    // Bob answers slowly, mallory at once with every id alice may use next.
    asXmpp(bob).iqCallee.get(NS_DISCO_INFO, 'query', async () => {
      await new Promise((r) => setTimeout(r, 500))
      return infoQuery({}, xml('identity', { category: 'client', type: 'phone' }), xml('feature', { var: 'urn:bob' }))
    })
    const pending = dc.queryInfo(bobJid)
    for (let i = 1; i <= 5; i++) {
      const id = `${prefix}${(next + i).toString(36)}`
      await mallory.send(xml('iq', { type: 'result', id, to: String(alice.jid) }, infoQuery({}, identity, xml('feature', { var: 'urn:forged' }))))
    }
    const info = await pending
    expect(info.features).toEqual(['urn:bob'])
    expect(queryClient.getQueryData(dc.queryKey('info', bobJid))).toEqual(info)
  })

  it('stops following pages at a repeated last, and at maxItems when the count is bogus', async () => {
    let n = 0
    const page = (req: XmlElement, last: string, count: string): XmlElement[] => {
      n++
      const items = Array.from({ length: 3 }, (_, i) => xml('item', { jid: `p${n}-${i}.example` }))
      return [result(req, itemsQuery({ node: req.getChild('query')?.attrs.node }, ...items, xml('set', { xmlns: NS_RSM }, xml('last', {}, last), xml('count', {}, count))))]
    }
    // A responder whose every page ends at the same last (and claims a million items).
    answer = (req) => page(req, 'same', '1000000')
    const looped = await dc.queryItems(malloryJid)
    expect(asked).toHaveLength(2)
    expect(looped.items).toHaveLength(6)

    // A responder with a count that is no number and new items forever: maxItems ends it.
    asked.length = 0
    answer = (req) => page(req, `l${n}`, '-5')
    const endless = await dc.queryItems(malloryJid, { node: 'endless', maxItems: 30 })
    expect(asked).toHaveLength(10)
    expect(endless).toMatchObject({ complete: false, last: expect.any(String) as unknown })
    expect(endless.items).toHaveLength(30)
    expect(endless.count).toBeUndefined()
  })

  it("keeps a peer that copies another's caps from poisoning them: its forged answer stays its own", async () => {
    const carol = await connectClient(server, { username: 'carol', password: 'carol-pw', resource: 'hostile' })
    const caps = EntityCaps.for(asXmpp(alice), { node: NODE, discoClient: dc })
    try {
      const carolJid = String(carol.jid)
      DiscoServer.for(asXmpp(carol)).registerFeature('urn:example:real')
      const carolCaps = EntityCaps.for(asXmpp(carol), { node: NODE })
      await vi.waitFor(() => expect(carolCaps.ver).toBeDefined())
      // Mallory advertises carol's hashes (both kinds) and answers its caps node with something else.
      const copied = [
        xml('c', { xmlns: NS_CAPS, hash: 'sha-1', node: NODE, ver: carolCaps.ver }),
        xml('c', { xmlns: NS_CAPS2 }, ...carolCaps.hashes.map((h) => xml('hash', { xmlns: NS_HASHES, algo: h.algo }, h.value))),
      ]
      answer = (req) => [result(req, infoQuery({ node: req.getChild('query')?.attrs.node }, identity, xml('feature', { var: 'urn:forged' })))]
      await mallory.send(xml('presence', { to: String(alice.jid) }, ...copied))
      await carol.send(xml('presence', { to: String(alice.jid) }))
      await vi.waitFor(() => expect(caps.snapshot().jids.map((j) => j.jid).sort()).toEqual([carolJid, malloryJid].sort()))
      // Mallory asked first: carol's query waits for mallory's verification, which fails, then asks carol.
      const [forged, real] = await Promise.all([dc.queryInfo(malloryJid), dc.queryInfo(carolJid)])
      expect(forged.features).toEqual(['urn:forged'])
      expect(real.features).toContain('urn:example:real')
      const verified = caps.snapshot().hashes
      expect(verified.length).toBeGreaterThan(0)
      for (const hash of verified) {
        expect(hash.info.features).toContain('urn:example:real')
        expect(hash.jids).toContain(carolJid)
      }
    } finally {
      caps.dispose()
      await stopClient(carol)
    }
  })

  it('parses a reply of 50,000 features without crashing', async () => {
    answer = (req) => {
      const query = infoQuery({}, identity)
      // One by one: 50,000 arguments would overflow the stack.
      for (let i = 0; i < 50_000; i++) query.append(xml('feature', { var: `urn:example:feature:${i}` }))
      return [result(req, query)]
    }
    const info = await dc.queryInfo(malloryJid, { timeout: 60_000 })
    expect(info.features).toHaveLength(50_000)
    expect(clientErrors(alice)).toEqual([])
  }, 90_000)

  it('refuses invalid JIDs from the app before sending anything', async () => {
    const sent: XmlElement[] = []
    const onSend = (el: XmlElement) => sent.push(el)
    alice.on('send', onSend)
    for (const jid of ['a@b@c', '', 'x@/r', '@example.org', 'a b@example.org', 'example.org/', 'a@example..org']) {
      await expect(dc.queryInfo(jid)).rejects.toBeInstanceOf(InvalidJidError)
      await expect(dc.queryItems(jid)).rejects.toBeInstanceOf(InvalidJidError)
      await expect(dc.queryItemsPage(jid)).rejects.toBeInstanceOf(InvalidJidError)
    }
    alice.off('send', onSend)
    expect(sent.filter((el) => el.name === 'iq')).toEqual([])
  })

  it('keeps going after all of it', async () => {
    await vi.waitFor(() => expect(alice.status).toBe('online'))
    expect(clientErrors(alice)).toEqual([])
  })
})
