// Entity capabilities through a real server (Prosody, or ejabberd with
// XMPP_TEST_SERVER=ejabberd): our clients advertise caps on their presences,
// another of our clients learns their features through them (counting the
// disco#info queries on the wire), and the server's own PEP service learns our
// +notify interests through them and sends us PEP notifications.
import { QueryClient, QueryObserver } from '@tanstack/query-core'
import { xml } from '@xmpp/client'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { DiscoClient, DiscoServer, NS_CAPS, NS_CAPS2, NS_DISCO_INFO } from '../../src/core/index.js'
import { EntityCaps, capsVer, verifyCapsHash } from '../../src/core/caps/index.js'
import { capsDataFromQuery, inheritedLang } from '../../src/core/caps/capsData.js'
import { ecaps2Hash, ecaps2HashNode } from '../../src/core/caps/ecaps390.js'
import type { IncomingContext, XmlElement, XmppClient } from '../../src/core/index.js'
import { onlyOn, serverName, startServer } from '../helpers/server.js'
import type { TestServer } from '../helpers/server.js'
import { connectClient, recordSentQueries, stopClient } from '../helpers/xmppClient.js'
import type { Client } from '../helpers/xmppClient.js'

const NODE = 'https://app.example'
const NS_PUBSUB = 'http://jabber.org/protocol/pubsub'
const NS_PUBSUB_EVENT = 'http://jabber.org/protocol/pubsub#event'
const MOOD = 'urn:example:mood'

const accounts = ['watcher', 'lingo', 'late', 'latews', 'roster', 'contact0', 'contact1', 'contact2', 'alice', 'moody', 'fan', 'peer0', 'peer1', 'peer2', 'peer3', 'group0', 'group1', 'group2']
const users = accounts.map((username) => ({ username, password: `${username}-pw` }))
const asXmpp = (c: Client) => c as unknown as XmppClient
function must<T>(value: T | undefined | null): T {
  if (value === undefined || value === null) throw new Error('missing')
  return value
}


/** Counts the disco#info gets that reach `xmpp`, with who asked and for which node. */
function recordReceivedQueries(xmpp: Client): { from: string | undefined; node: string | undefined }[] {
  const received: { from: string | undefined; node: string | undefined }[] = []
  asXmpp(xmpp).middleware.use((ctx: IncomingContext, next) => {
    const query = ctx.stanza.name === 'iq' && ctx.stanza.attrs.type === 'get' ? ctx.stanza.getChild('query', NS_DISCO_INFO) : undefined
    if (query) received.push({ from: ctx.stanza.attrs.from, node: query.attrs.node })
    return next()
  })
  return received
}

/** The presences with caps `xmpp` received, by sender. */
function recordCapsPresences(xmpp: Client): Map<string, XmlElement> {
  const seen = new Map<string, XmlElement>()
  asXmpp(xmpp).middleware.use((ctx: IncomingContext, next) => {
    const { stanza } = ctx
    if (stanza.name === 'presence' && stanza.getChild('c', NS_CAPS) && stanza.attrs.from) seen.set(stanza.attrs.from, stanza)
    return next()
  })
  return seen
}


/** Publishes item `id` to the publisher's own PEP node MOOD. */
function publishMood(publisher: Client, id: string): Promise<XmlElement> {
  return publisher.iqCaller.request(
    xml(
      'iq',
      { type: 'set' },
      xml('pubsub', { xmlns: NS_PUBSUB }, xml('publish', { node: MOOD }, xml('item', { id }, xml('mood', { xmlns: MOOD }, id)))),
    ),
  )
}

describe(`Entity capabilities through ${serverName}`, () => {
  let server: TestServer
  const clients: Client[] = []
  let watcher: Client
  let watcherJid: string
  let watcherDc: DiscoClient
  let watcherSent: ReturnType<typeof recordSentQueries>
  let watcherSeen: Map<string, XmlElement>

  const connect = async (username: string, resource: string): Promise<Client> => {
    const client = await connectClient(server, { username, password: `${username}-pw`, resource })
    clients.push(client)
    return client
  }

  /** The disco#info gets that reached each peer made by capsPeer. */
  const peerQueries = new Map<Client, ReturnType<typeof recordReceivedQueries>>()

  /** A client of this library with caps on, `features` declared, its presence sent to the watcher. */
  const capsPeer = async (username: string, resource: string, features: string[]): Promise<Client> => {
    const client = await connect(username, resource)
    // Before DiscoServer routes its IQs (xmpp.js runs middleware in order; a route ends the chain).
    peerQueries.set(client, recordReceivedQueries(client))
    const disco = DiscoServer.for(asXmpp(client))
    disco.batch(() => {
      for (const f of features) disco.registerFeature(f)
    })
    EntityCaps.for(asXmpp(client), { node: NODE })
    await client.send(xml('presence', { to: watcherJid }))
    return client
  }

  beforeAll(async () => {
    server = await startServer({ users })
    watcher = await connect('watcher', 'w')
    watcherJid = String(watcher.jid)
    watcherSent = recordSentQueries(watcher)
    watcherSeen = recordCapsPresences(watcher)
    watcherDc = DiscoClient.for(asXmpp(watcher), {
      queryClient: new QueryClient({ defaultOptions: { queries: { retry: false } } }),
    })
    EntityCaps.for(asXmpp(watcher), { node: NODE, discoClient: watcherDc })
    await watcher.send(xml('presence'))
  })

  afterAll(async () => {
    await Promise.all(clients.map((c) => stopClient(c)))
    await server?.stop()
  })

  it('advertises our caps on presence, and answers node#ver with info that verifies', async () => {
    const alice = await capsPeer('alice', 'a', ['urn:example:jingle'])
    const aliceJid = String(alice.jid)
    await vi.waitFor(() => expect(watcherSeen.has(aliceJid)).toBe(true))
    const presence = watcherSeen.get(aliceJid) as XmlElement
    const c = presence.getChild('c', NS_CAPS) as XmlElement
    expect(c.attrs).toMatchObject({ hash: 'sha-1', node: NODE })
    expect(c.attrs.ver).toBe(await capsVer(DiscoServer.for(asXmpp(alice)).toInfo()))
    expect(presence.getChild('c', NS_CAPS2)?.getChild('hash')?.attrs.algo).toBe('sha-256')

    // What a peer that is not this library sees at node#ver.
    const reply = await watcher.iqCaller.request(
      xml('iq', { type: 'get', to: aliceJid }, xml('query', { xmlns: NS_DISCO_INFO, node: `${NODE}#${c.attrs.ver}` })),
    )
    const query = reply.getChild('query', NS_DISCO_INFO) as XmlElement
    expect(await verifyCapsHash(query, { kind: 'caps', algo: 'sha-1', value: c.attrs.ver ?? '' })).toBe('verified')

    // The watcher learns alice's features through her caps: one query, at node#ver.
    const before = watcherSent.length
    const info = await watcherDc.queryInfo(aliceJid)
    expect(info.features).toContain('urn:example:jingle')
    expect(watcherSent.slice(before)).toEqual([{ to: aliceJid, node: `${NODE}#${c.attrs.ver}` }])
  })

  it('advertises a XEP-0390 hash that verifies strictly at its hash node, in the language the server gives our reply', async () => {
    // Caps set up before connecting, as a React app does: the stream header is seen.
    const lingo = await connectClient(server, {
      username: 'lingo',
      password: 'lingo-pw',
      resource: 'l',
      beforeStart: (xmpp) => {
        DiscoServer.for(asXmpp(xmpp)).registerFeature('urn:example:jingle')
        EntityCaps.for(asXmpp(xmpp), { node: NODE })
      },
    })
    clients.push(lingo)
    const jid = String(lingo.jid)
    await lingo.send(xml('presence', { to: watcherJid }))
    await vi.waitFor(() => expect(watcherSeen.has(jid)).toBe(true))
    const hash = must(watcherSeen.get(jid)?.getChild('c', NS_CAPS2)?.getChild('hash')).getText()
    const reply = await watcher.iqCaller.request(
      xml('iq', { type: 'get', to: jid }, xml('query', { xmlns: NS_DISCO_INFO, node: ecaps2HashNode('sha-256', hash) })),
    )
    const query = must(reply.getChild('query', NS_DISCO_INFO))
    // The server gave our reply the stream's language (RFC 6120 section 4.7.4): XEP-0390 hashes with it.
    expect(inheritedLang(query)).toBeDefined()
    expect(await ecaps2Hash(capsDataFromQuery(query, { inheritLang: true }), 'sha-256')).toBe(hash)
    expect(await verifyCapsHash(query, { kind: 'ecaps2', algo: 'sha-256', value: hash })).toBe('verified')
  })

  it('advertises a strictly verifying XEP-0390 hash when caps are turned on after login (TCP: the header the parser kept)', async () => {
    // A login screen first, the app with caps after: nobody saw the stream open.
    const late = await connectClient(server, { username: 'late', password: 'late-pw', resource: 'l' })
    clients.push(late)
    DiscoServer.for(asXmpp(late)).registerFeature('urn:example:jingle')
    const caps = EntityCaps.for(asXmpp(late), { node: NODE })
    const jid = String(late.jid)
    await late.send(xml('presence', { to: watcherJid }))
    await vi.waitFor(() => expect(watcherSeen.get(jid)?.getChild('c', NS_CAPS2)).toBeDefined())
    const hash = must(watcherSeen.get(jid)?.getChild('c', NS_CAPS2)?.getChild('hash')).getText()
    expect(caps.hashes.map((h) => h.value)).toContain(hash)
    const reply = await watcher.iqCaller.request(
      xml('iq', { type: 'get', to: jid }, xml('query', { xmlns: NS_DISCO_INFO, node: ecaps2HashNode('sha-256', hash) })),
    )
    const query = must(reply.getChild('query', NS_DISCO_INFO))
    expect(inheritedLang(query)).toBeDefined()
    expect(await ecaps2Hash(capsDataFromQuery(query, { inheritLang: true }), 'sha-256')).toBe(hash)
  })

  it('over WebSocket, caps turned on after login learn the language from our own presence sent back, and announce a strictly verifying hash', async () => {
    // xmpp.js's WebSocket parser keeps no header: the server's language comes with our own broadcast presence.
    const late = await connectClient(server, { username: 'latews', password: 'latews-pw', resource: 'w', transport: 'ws' })
    clients.push(late)
    DiscoServer.for(asXmpp(late)).registerFeature('urn:example:jingle')
    const caps = EntityCaps.for(asXmpp(late), { node: NODE })
    const sent: string[] = []
    late.on('send', (el: XmlElement) => {
      const hash = el.name === 'presence' ? el.getChild('c', NS_CAPS2)?.getChild('hash')?.getText() : undefined
      if (hash !== undefined) sent.push(hash)
    })
    await late.send(xml('presence'))
    await vi.waitFor(() => expect(sent).toHaveLength(2))
    // Prosody lets a stranger's IQ reach our full JID once we sent it presence.
    await late.send(xml('presence', { to: watcherJid }))
    const [first, second] = sent
    expect(second).not.toBe(first)
    expect(caps.hashes.map((h) => h.value)).toContain(second)
    const reply = await watcher.iqCaller.request(
      xml('iq', { type: 'get', to: String(late.jid) }, xml('query', { xmlns: NS_DISCO_INFO, node: ecaps2HashNode('sha-256', must(second)) })),
    )
    const query = must(reply.getChild('query', NS_DISCO_INFO))
    expect(inheritedLang(query)).toBeDefined()
    expect(await ecaps2Hash(capsDataFromQuery(query, { inheritLang: true }), 'sha-256')).toBe(second)
  })

  it("asks none of its contacts again in a new session: the rows wait for the contacts' presences, whose caps are known", async () => {
    const me = await connect('roster', 'phone')
    const meDc = DiscoClient.for(asXmpp(me), { queryClient: new QueryClient({ defaultOptions: { queries: { retry: false } } }) })
    EntityCaps.for(asXmpp(me), { node: NODE, discoClient: meDc })
    const meSent = recordSentQueries(me)
    // What a client does in every new session: its roster first, then its initial presence (RFC 6121 section 2.1.3).
    const login = async (): Promise<void> => {
      await me.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })))
      await me.send(xml('presence'))
    }
    me.on('online', () => void login().catch(() => {}))
    await login()
    const meBare = `roster@${server.host}`
    const contacts = await Promise.all(
      ['contact0', 'contact1', 'contact2'].map(async (name) => {
        const contact = await connect(name, 'desk')
        DiscoServer.for(asXmpp(contact)).registerFeature('urn:example:jingle')
        EntityCaps.for(asXmpp(contact), { node: NODE })
        // Each approves our subscription request (RFC 6121 section 3.1).
        contact.on('stanza', (stanza: XmlElement) => {
          if (stanza.is('presence') && stanza.attrs.type === 'subscribe') void contact.send(xml('presence', { to: meBare, type: 'subscribed' }))
        })
        await contact.send(xml('presence'))
        return contact
      }),
    )
    const jids = contacts.map((c) => String(c.jid))
    for (const jid of jids) await me.send(xml('presence', { to: jid.split('/')[0], type: 'subscribe' }))
    const caps = must(EntityCaps.find(asXmpp(me)))
    await vi.waitFor(() => expect(caps.stats.jids).toBeGreaterThanOrEqual(3), { timeout: 5000 })
    // A row per contact, as a roster shows them: one query for their one ver.
    const rows = jids.map((jid) => new QueryObserver(meDc.queryClient, meDc.infoQueryOptions(jid)))
    const stops = rows.map((row) => row.subscribe(() => {}))
    await vi.waitFor(() => expect(rows.every((row) => row.getCurrentResult().data?.features.includes('urn:example:jingle'))).toBe(true))
    const before = meSent.length
    expect(before).toBeGreaterThanOrEqual(1)

    // The phone is away longer than the server keeps its session: a new one.
    let sessions = 0
    me.on('online', () => sessions++)
    me.streamManagement.id = 'forgotten-session'
    ;(me.socket as { destroy(): void }).destroy()
    await vi.waitFor(() => expect(sessions).toBe(1), { timeout: 15_000 })
    // Within PRESENCE_WAIT: each row is refetched when its contact's presence is back, through caps known already.
    await vi.waitFor(
      () => expect(rows.every((row) => !row.getCurrentQuery().state.isInvalidated && row.getCurrentResult().fetchStatus === 'idle')).toBe(true),
      { timeout: 4000 },
    )
    expect(meSent.slice(before)).toEqual([])
    for (const row of rows) expect(row.getCurrentResult().data?.features).toContain('urn:example:jingle')
    for (const stop of stops) stop()
  })

  it('learns the features of 20 peers advertising one ver with exactly one disco query', async () => {
    const features = ['urn:example:jingle', 'urn:example:video']
    const peers: Client[] = []
    for (let account = 0; account < 4; account++) {
      peers.push(...(await Promise.all([0, 1, 2, 3, 4].map((r) => capsPeer(`peer${account}`, `r${r}`, features)))))
    }
    const received = peers.map((p) => peerQueries.get(p) ?? [])
    const jids = peers.map((p) => String(p.jid))
    expect(new Set(jids).size).toBe(20)
    await vi.waitFor(() => expect(jids.every((j) => watcherSeen.has(j))).toBe(true))
    const vers = new Set(jids.map((j) => watcherSeen.get(j)?.getChild('c', NS_CAPS)?.attrs.ver))
    expect(vers.size).toBe(1)

    const before = watcherSent.length
    const infos = await Promise.all(jids.map((j) => watcherDc.queryInfo(j)))
    const queries = watcherSent.length - before
    const answered = received.reduce((n, r) => n + r.length, 0)
    console.info(`caps through ${serverName}: N=20 peers, M=1 ver -> ${queries} disco#info query (${answered} answered)`)
    expect(queries).toBe(1)
    expect(answered).toBe(1)
    for (const info of infos) expect(info.features).toEqual(expect.arrayContaining([...features, NS_CAPS]))
  })

  it('sends M queries for N peers advertising M distinct vers', async () => {
    const N = 12
    const M = 3
    const peers = await Promise.all(
      Array.from({ length: N }, (_, i) => capsPeer(`group${i % M}`, `g${i}`, ['urn:example:jingle', `urn:example:group${i % M}`])),
    )
    const jids = peers.map((p) => String(p.jid))
    await vi.waitFor(() => expect(jids.every((j) => watcherSeen.has(j))).toBe(true))
    expect(new Set(jids.map((j) => watcherSeen.get(j)?.getChild('c', NS_CAPS)?.attrs.ver)).size).toBe(M)

    const before = watcherSent.length
    const infos = await Promise.all(jids.map((j) => watcherDc.queryInfo(j)))
    const queries = watcherSent.length - before
    console.info(`caps through ${serverName}: N=${N} peers, M=${M} vers -> ${queries} disco#info queries`)
    expect(queries).toBe(M)
    infos.forEach((info, i) => expect(info.features).toContain(`urn:example:group${i % M}`))
  })

  // Prosody's mod_pep (0.12): the owner's own resources get notifications by
  // their caps' +notify, and a new interest gets the node's last item. ejabberd's
  // PEP differs (owner resources get everything; contacts are filtered by caps):
  // see the ejabberd variant below.
  onlyOn('prosody')("lets Prosody's mod_pep learn our +notify interest through caps and notify us", async () => {
    const listener = await connect('moody', 'listener')
    const deaf = await connect('moody', 'deaf')
    const publisher = await connect('moody', 'publisher')
    const fromPep = recordReceivedQueries(listener)
    const events = new Map<Client, XmlElement[]>([
      [listener, []],
      [deaf, []],
    ])
    for (const [client, list] of events) {
      client.on('stanza', (el: XmlElement) => {
        if (el.name === 'message' && el.getChild('event', NS_PUBSUB_EVENT)) list.push(el)
      })
    }
    // A feature no other client here has: a ver Prosody has not seen yet (it caches what it learnt per ver).
    for (const client of [listener, deaf]) DiscoServer.for(asXmpp(client)).registerFeature('urn:example:moody')
    const listenerCaps = EntityCaps.for(asXmpp(listener), { node: NODE })
    EntityCaps.for(asXmpp(deaf), { node: NODE })
    await listener.send(xml('presence'))
    // Prosody asks the caps node of a ver it does not know, from the bare account JID.
    await vi.waitFor(() => expect(fromPep.length).toBe(1))
    expect(fromPep[0]).toEqual({ from: 'moody@localhost', node: `${NODE}#${listenerCaps.ver}` })
    await deaf.send(xml('presence'))

    const publish = (id: string) => publishMood(publisher, id)
    // No +notify yet: a publication reaches nobody.
    await publish('before')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(events.get(listener)).toHaveLength(0)

    // Declaring the interest changes our ver: the broadcast presence goes again, Prosody asks the new node.
    const oldVer = listenerCaps.ver
    DiscoServer.for(asXmpp(listener)).registerFeature(`${MOOD}+notify`)
    await vi.waitFor(() => expect(fromPep.length).toBe(2))
    expect(listenerCaps.ver).not.toBe(oldVer)
    expect(fromPep[1]).toEqual({ from: 'moody@localhost', node: `${NODE}#${listenerCaps.ver}` })
    // Prosody 0.12 sends the node's last item to a new interested resource (send_last_published_item).
    await vi.waitFor(() => expect(events.get(listener)).toHaveLength(1))
    expect(events.get(listener)?.[0]?.getChild('event', NS_PUBSUB_EVENT)?.getChild('items')?.getChild('item')?.attrs.id).toBe(
      'before',
    )

    await publish('after')
    await vi.waitFor(() => expect(events.get(listener)).toHaveLength(2))
    const event = events.get(listener)?.at(-1)?.getChild('event', NS_PUBSUB_EVENT)
    expect(event?.getChild('items')?.attrs.node).toBe(MOOD)
    expect(event?.getChild('items')?.getChild('item')?.attrs.id).toBe('after')
    // The resource without the interest gets nothing.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(events.get(deaf)).toHaveLength(0)
  })
  // ejabberd 23.01 (mod_pubsub with the pep plugin + mod_caps): the owner's own
  // resources get every item (addressed to the bare JID, +notify or not), so
  // the interest is declared by a contact with a mutual presence subscription:
  // ejabberd delivers to the contact's full JIDs whose caps (learnt through a
  // disco#info query from the client's own full JID) carry node+notify.
  onlyOn('ejabberd')(
    "lets ejabberd's PEP learn a contact's +notify interest through caps and notify only that resource",
    async () => {
      const publisher = await connect('moody', 'publisher')
      const listener = await connect('fan', 'listener')
      const deaf = await connect('fan', 'deaf')
      const fromPep = recordReceivedQueries(listener)
      const events = new Map<Client, XmlElement[]>([
        [listener, []],
        [deaf, []],
      ])
      for (const [client, list] of events) {
        client.on('stanza', (el: XmlElement) => {
          if (el.name === 'message' && el.getChild('event', NS_PUBSUB_EVENT)) list.push(el)
        })
      }
      // The publisher's session filters by the caps of the presences it received.
      const atPublisher = recordCapsPresences(publisher)
      const listenerAnswers: XmlElement[] = []
      listener.on('send', (el: XmlElement) => {
        if (el.name === 'iq' && el.attrs.type === 'result' && el.getChild('query', NS_DISCO_INFO)) listenerAnswers.push(el)
      })

      // Everybody available first: subscription requests only reach available resources.
      await publisher.send(xml('presence'))
      // A ver the server has not seen yet (it caches what it learnt per ver).
      for (const client of [listener, deaf]) DiscoServer.for(asXmpp(client)).registerFeature('urn:example:fan')
      const listenerCaps = EntityCaps.for(asXmpp(listener), { node: NODE })
      EntityCaps.for(asXmpp(deaf), { node: NODE })
      await listener.send(xml('presence'))
      // ejabberd asks the caps node of a ver it does not know, from the client's own full JID.
      await vi.waitFor(() => expect(fromPep.length).toBe(1))
      expect(fromPep[0]).toEqual({ from: String(listener.jid), node: `${NODE}#${listenerCaps.ver}` })
      await deaf.send(xml('presence'))

      // Mutual presence subscription moody <-> fan, one step at a time (a
      // "subscribed" that arrives before its request is dropped).
      const requests: string[] = []
      for (const client of [publisher, listener]) {
        client.on('stanza', (el: XmlElement) => {
          if (el.name === 'presence' && el.attrs.type === 'subscribe') requests.push(`${el.attrs.from} -> ${String(client.jid)}`)
        })
      }
      const roster = async (client: Client, contact: string) => {
        const reply = await client.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })))
        const items = reply.getChild('query', 'jabber:iq:roster')?.getChildren('item') ?? []
        return items.find((i) => i.attrs.jid === contact)?.attrs.subscription
      }
      await listener.send(xml('presence', { to: 'moody@localhost', type: 'subscribe' }))
      await vi.waitFor(() => expect(requests).toContain(`fan@localhost -> ${String(publisher.jid)}`))
      await publisher.send(xml('presence', { to: 'fan@localhost', type: 'subscribed' }))
      await publisher.send(xml('presence', { to: 'fan@localhost', type: 'subscribe' }))
      await vi.waitFor(() => expect(requests).toContain(`moody@localhost -> ${String(listener.jid)}`))
      await listener.send(xml('presence', { to: 'moody@localhost', type: 'subscribed' }))
      await vi.waitFor(async () => {
        expect(await roster(publisher, 'fan@localhost')).toBe('both')
        expect(await roster(listener, 'moody@localhost')).toBe('both')
      })
      // Once subscribed, the publisher's session gets fan's presences (with their caps).
      const seenAtPublisher = (client: Client) => atPublisher.get(String(client.jid))?.getChild('c', NS_CAPS)?.attrs.ver
      await vi.waitFor(() => {
        expect(seenAtPublisher(listener)).toBe(listenerCaps.ver)
        expect(seenAtPublisher(deaf)).toBe(listenerCaps.ver)
      })
      expect(fromPep).toHaveLength(1)

      const publish = (id: string) => publishMood(publisher, id)
      // No +notify yet: a publication reaches neither of fan's resources.
      await publish('before')
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(events.get(listener)).toHaveLength(0)
      expect(events.get(deaf)).toHaveLength(0)

      // Declaring the interest changes our ver: the broadcast presence goes again, ejabberd asks the new node.
      const oldVer = listenerCaps.ver
      DiscoServer.for(asXmpp(listener)).registerFeature(`${MOOD}+notify`)
      await vi.waitFor(() => expect(fromPep.length).toBe(2))
      expect(listenerCaps.ver).not.toBe(oldVer)
      expect(fromPep[1]).toEqual({ from: String(listener.jid), node: `${NODE}#${listenerCaps.ver}` })
      // Our answer went out and the publisher's session has the new ver; give
      // ejabberd a moment to store what it learnt before publishing.
      await vi.waitFor(() => {
        expect(listenerAnswers.some((a) => a.getChild('query', NS_DISCO_INFO)?.attrs.node === `${NODE}#${listenerCaps.ver}`)).toBe(true)
        expect(seenAtPublisher(listener)).toBe(listenerCaps.ver)
      })
      await new Promise((resolve) => setTimeout(resolve, 200))

      await publish('after')
      await vi.waitFor(() => expect(events.get(listener)?.length).toBeGreaterThanOrEqual(1))
      const last = events.get(listener)?.at(-1) as XmlElement
      expect(last.attrs.to).toBe(String(listener.jid))
      const event = last.getChild('event', NS_PUBSUB_EVENT)
      expect(event?.getChild('items')?.attrs.node).toBe(MOOD)
      expect(event?.getChild('items')?.getChild('item')?.attrs.id).toBe('after')
      // The resource without the interest gets nothing.
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(events.get(deaf)).toHaveLength(0)
    },
  )
})
