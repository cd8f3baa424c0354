// @vitest-environment jsdom
// A session's life through a real server configured like production (Prosody
// with smacks, ejabberd with mod_stream_mgmt; XMPP_TEST_SERVER picks which):
// alice's React tree and DiscoClient ride out a dropped connection that
// xmpp.js resumes (XEP-0198), and a new session when resumption fails.
import { QueryClient } from '@tanstack/react-query'
import { xml } from '@xmpp/client'
import { cleanup, render, screen, waitFor } from '@testing-library/react'
import { StrictMode } from 'react'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DisconnectedError, DiscoClient, DiscoServer, NS_CAPS, NS_DISCO_INFO, NS_DISCO_ITEMS } from '../../src/core/index.js'
import type { IncomingContext, XmlElement, XmppClient } from '../../src/core/index.js'
import { EntityCaps, capsVer, verifyCapsHash } from '../../src/core/caps/index.js'
import { DiscoProvider, useDiscoInfo } from '../../src/react/index.js'
import { serverName, startServer } from '../helpers/server.js'
import type { TestServer } from '../helpers/server.js'
import { clientErrors, connectClient, stopClient } from '../helpers/xmppClient.js'
import { slowNode } from '../helpers/slowNode.js'
import type { Client } from '../helpers/xmppClient.js'

const asXmpp = (c: Client) => c as unknown as XmppClient
const users = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace'].map((username) => ({ username, password: `${username}-pw` }))

/** Counts the disco#info gets reaching bob for his root node. */
function countRootInfo(bob: Client): () => number {
  let count = 0
  asXmpp(bob).middleware.use((ctx: IncomingContext, next) => {
    const query = ctx.stanza.name === 'iq' && ctx.stanza.attrs.type === 'get' ? ctx.stanza.getChild('query', NS_DISCO_INFO) : undefined
    if (query && query.attrs.node === undefined) count++
    return next()
  })
  return () => count
}

/** Counts the disco#info gets reaching bob, per node. */
function countInfoPerNode(bob: Client): Map<string | undefined, number> {
  const counts = new Map<string | undefined, number>()
  asXmpp(bob).middleware.use((ctx: IncomingContext, next) => {
    const query = ctx.stanza.name === 'iq' && ctx.stanza.attrs.type === 'get' ? ctx.stanza.getChild('query', NS_DISCO_INFO) : undefined
    if (query) counts.set(query.attrs.node, (counts.get(query.attrs.node) ?? 0) + 1)
    return next()
  })
  return counts
}

/** Counts the disco#info gets `xmpp` writes to `to`. */
function countSentTo(xmpp: Client, to: string): () => number {
  let count = 0
  xmpp.on('send', (el: { name: string; attrs: Record<string, string | undefined>; getChild(name: string, ns?: string): unknown }) => {
    if (el.name === 'iq' && el.attrs.type === 'get' && el.attrs.to === to && el.getChild('query', NS_DISCO_INFO)) count++
  })
  return () => count
}

/** Cuts alice's TCP connection without a stream close: the server keeps her session for a resumption. */
function dropConnection(xmpp: Client): void {
  ;(xmpp.socket as { destroy(): void }).destroy()
}

/**
 * Makes the server refuse `xmpp`'s next resumption (as after its hibernation
 * timeout or a restart), drops the connection and waits for the new session.
 */
async function refuseResumption(xmpp: Client): Promise<void> {
  let online = false
  xmpp.once('online', () => (online = true))
  xmpp.streamManagement.id = 'forgotten-session'
  dropConnection(xmpp)
  await waitFor(() => expect(online, `client errors: ${clientErrors(xmpp).map((e) => e.message).join('; ')}`).toBe(true), {
    timeout: 15_000,
  })
}

function Probe({ jid, label, node }: { jid: string; label: string; node?: string }) {
  const { data, error, status } = useDiscoInfo(jid, { node })
  const text = data ? data.features.filter((f) => f.startsWith('urn:example:')).join(' ') : error ? `error ${error.name}` : status
  return <output aria-label={label}>{text}</output>
}

describe(`a session's life through ${serverName} with stream management`, () => {
  let server: TestServer
  let alice: Client
  let bob: Client
  let slow: ReturnType<typeof slowNode>
  let rootInfo: () => number
  let infoPerNode: Map<string | undefined, number>
  let bobJid: string

  beforeAll(async () => {
    server = await startServer({ users })
    const connect = (username: string) => connectClient(server, { username, password: `${username}-pw`, resource: 'life' })
    ;[alice, bob] = await Promise.all([connect('alice'), connect('bob')])
    bobJid = String(bob.jid)
    // Before DiscoServer.for: these middlewares run before its routes.
    slow = slowNode(bob)
    rootInfo = countRootInfo(bob)
    infoPerNode = countInfoPerNode(bob)
    const disco = DiscoServer.for(asXmpp(bob))
    for (let i = 0; i < 20; i++) {
      const node = disco.declaredNode(`n-${i}`)
      node.registerIdentity('client', 'pc')
      node.registerFeature(`urn:example:n-${i}`)
      disco.mountNode(`n-${i}`, node)
    }
    disco.registerFeature('urn:example:one')
    const slowNodeDecl = disco.declaredNode('slow')
    slowNodeDecl.registerIdentity('client', 'pc')
    slowNodeDecl.registerFeature('urn:example:slow')
    disco.mountNode('slow', slowNodeDecl)
  })

  afterAll(async () => {
    cleanup()
    await Promise.all([alice, bob].map((c) => stopClient(c)))
    await server?.stop()
  })

  it('resumes a dropped connection: hooks keep their data, a query in flight resolves, a new hook sends and resolves', async () => {
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    const { rerender } = render(
      <StrictMode>
        <DiscoProvider client={asXmpp(alice)} queryClient={queryClient}>
          <Probe jid={bobJid} label="before" />
        </DiscoProvider>
      </StrictMode>,
    )
    await waitFor(() => expect(screen.getByLabelText('before').textContent).toBe('urn:example:one'))

    const dc = DiscoClient.for(asXmpp(alice), { queryClient })
    const inFlight = dc.queryInfo(bobJid, { node: 'slow' })
    await waitFor(() => expect(slow.received()).toBe(1))

    const smId = alice.streamManagement.id
    const jid = String(alice.jid)
    let resumed = 0
    let newSessions = 0
    alice.streamManagement.on('resumed', () => resumed++)
    alice.on('online', () => newSessions++)

    dropConnection(alice)
    await waitFor(() => expect(alice.status).not.toBe('online'))
    // bob answers while alice is away: the server keeps it for her session.
    slow.release()
    await waitFor(() => expect(resumed, `client errors: ${clientErrors(alice).map((e) => e.message).join('; ')}`).toBe(1), {
      timeout: 15_000,
    })

    // A resumption, not a new session: no 'online', same session id and full JID.
    expect(newSessions).toBe(0)
    expect(alice.streamManagement.id).toBe(smId)
    expect(String(alice.jid)).toBe(jid)
    await expect(inFlight).resolves.toMatchObject({ node: 'slow', features: expect.arrayContaining(['urn:example:slow']) })
    expect(screen.getByLabelText('before').textContent).toBe('urn:example:one')

    const before = rootInfo()
    const toServer = countSentTo(alice, server.host)
    rerender(
      <StrictMode>
        <DiscoProvider client={asXmpp(alice)} queryClient={queryClient}>
          <Probe jid={bobJid} label="before" />
          <Probe jid={server.host} label="after" />
        </DiscoProvider>
      </StrictMode>,
    )
    // The hook mounted after the resumption is enabled and goes to the wire.
    await waitFor(() => expect(screen.getByLabelText('after').textContent).not.toMatch(/pending|error/))
    await waitFor(() => expect(screen.getByLabelText('after').textContent).toBe(''))
    expect(toServer()).toBe(1)
    // Served from the cache kept across the resumption: bob was not asked again.
    expect(rootInfo()).toBe(before)
    cleanup()
  })

  it('sends the first query of a hook mounted before login only once stream management is enabled', async () => {
    const carol = await connectClient(server, { username: 'carol', password: 'carol-pw', resource: 'life' })
    await stopClient(carol)
    carol.reconnect.start()
    const sent: string[] = []
    carol.on('send', (el: { name: string; attrs: Record<string, string | undefined> }) => {
      if (el.name === 'enable') sent.push('enable')
      else if (el.name === 'iq' && el.attrs.type === 'get' && el.attrs.to === bobJid) sent.push('disco')
    })
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    render(
      <StrictMode>
        <DiscoProvider client={asXmpp(carol)} queryClient={queryClient}>
          <Probe jid={bobJid} label="carol" />
        </DiscoProvider>
      </StrictMode>,
    )
    await carol.start()
    await waitFor(() => expect(screen.getByLabelText('carol').textContent).toContain('urn:example:one'))
    // Answers counted before xmpp.js has processed <enabled/> would make the next resumption fail.
    expect(sent).toEqual(['enable', 'disco'])
    cleanup()
    await stopClient(carol)
  })

  it('rejects queries in flight when resumption fails and a new session begins, and hooks refetch on their own', async () => {
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    render(
      <StrictMode>
        <DiscoProvider client={asXmpp(alice)} queryClient={queryClient}>
          <Probe jid={bobJid} label="watched" />
        </DiscoProvider>
      </StrictMode>,
    )
    await waitFor(() => expect(screen.getByLabelText('watched').textContent).toBe('urn:example:one'))
    const dc = DiscoClient.for(asXmpp(alice), { queryClient })
    const received = slow.received()
    const inFlight = dc.queryInfo(bobJid, { node: 'slow' }).catch((e: unknown) => e)
    await waitFor(() => expect(slow.received()).toBe(received + 1))

    let newSessions = 0
    alice.on('online', () => newSessions++)
    // The server no longer knows the session (as after its hibernation timeout): <resume/> fails.
    alice.streamManagement.id = 'forgotten-session'
    dropConnection(alice)
    await waitFor(() => expect(alice.status).not.toBe('online'))
    // What a peer declares may change while we are away: the refetch must show it.
    DiscoServer.for(asXmpp(bob)).registerFeature('urn:example:two')
    const asked = rootInfo()

    await waitFor(() => expect(newSessions).toBe(1), { timeout: 15_000 })
    expect(await inFlight).toBeInstanceOf(DisconnectedError)
    await waitFor(() => expect(screen.getByLabelText('watched').textContent).toBe('urn:example:one urn:example:two'))
    expect(rootInfo() - asked).toBe(1)
    slow.release()
    cleanup()
  })

  it("answers a query the app makes in its own 'online' listener of the session that follows a refused resumption", async () => {
    const dave = await connectClient(server, { username: 'dave', password: 'dave-pw', resource: 'life' })
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    let asked: Promise<unknown> | undefined
    // Added before the library attaches: the app's listener runs before ours.
    dave.on('online', () => {
      asked = DiscoClient.for(asXmpp(dave), { queryClient })
        .queryInfo(bobJid)
        .then(
          (info) => info.features,
          (error: unknown) => error,
        )
    })
    const dc = DiscoClient.for(asXmpp(dave), { queryClient })
    await refuseResumption(dave)
    expect(await asked).toContain('urn:example:one')
    dc.dispose()
    await stopClient(dave)
  })

  it('announces a change of our features with a new caps ver on the presence the app sent at the start of a session that follows a refused resumption', async () => {
    const erin = await connectClient(server, { username: 'erin', password: 'erin-pw', resource: 'life' })
    const presences: XmlElement[] = []
    erin.on('send', (el: XmlElement) => {
      if (el.name === 'presence') presences.push(el)
    })
    // The app sends its presence in its own 'online' listener, added before the library attaches.
    erin.on('online', () => void erin.send(xml('presence')).catch(() => {}))
    const caps = EntityCaps.for(asXmpp(erin), { node: 'https://app.example' })
    await erin.send(xml('presence'))
    await refuseResumption(erin)
    await waitFor(() => expect(presences).toHaveLength(2))
    const erinDisco = DiscoServer.for(asXmpp(erin))
    expect(presences[1]?.getChild('c', NS_CAPS)?.attrs.ver).toBe(await capsVer(erinDisco.toInfo()))

    erinDisco.registerFeature('urn:example:later')
    await caps.update()
    expect(presences).toHaveLength(3)
    const ver = await capsVer(erinDisco.toInfo())
    expect(presences[2]?.getChild('c', NS_CAPS)?.attrs.ver).toBe(ver)
    // A peer that saw the presence asks for node#ver in the new session: answered, and the answer verifies.
    const reply = await bob.iqCaller.request(
      xml('iq', { type: 'get', to: String(erin.jid) }, xml('query', { xmlns: NS_DISCO_INFO, node: `https://app.example#${ver}` })),
    )
    const query = reply.getChild('query', NS_DISCO_INFO) as XmlElement
    expect(await verifyCapsHash(query, { kind: 'caps', algo: 'sha-1', value: ver })).toBe('verified')
    caps.dispose()
    await stopClient(erin)
  })

  it('asks again, once resumed, the queries whose write failed as the connection died: each of 20 is answered, and asked once', async () => {
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    const dc = DiscoClient.for(asXmpp(alice), { queryClient })
    await waitFor(() => expect(alice.streamManagement.enabled).toBe(true))
    let resumed = 0
    alice.streamManagement.on('resumed', () => resumed++)
    // The connection dies right after the 10th query is written: the 10 after it meet a dead socket.
    const socket = alice.socket as { write(...args: unknown[]): unknown }
    const write = socket.write.bind(socket)
    let written = 0
    socket.write = (...args: unknown[]) => {
      const result = write(...args)
      if (/node=["']n-/.test(String(args[0])) && ++written === 10) dropConnection(alice)
      return result
    }
    const answers = Array.from({ length: 20 }, (_, i) =>
      dc.queryInfo(bobJid, { node: `n-${i}` }).then(
        (info) => info.features.filter((f) => f.startsWith('urn:example:')),
        (error: unknown) => error,
      ),
    )
    expect(await Promise.all(answers)).toEqual(Array.from({ length: 20 }, (_, i) => [`urn:example:n-${i}`]))
    expect(resumed).toBe(1)
    expect(Array.from({ length: 20 }, (_, i) => infoPerNode.get(`n-${i}`))).toEqual(Array.from({ length: 20 }, () => 1))
    dc.dispose()
  })

  it("answers, once resumed, a peer's query whose answer met the dying connection", async () => {
    const frank = await connectClient(server, { username: 'frank', password: 'frank-pw', resource: 'life' })
    await waitFor(() => expect(frank.streamManagement.enabled).toBe(true))
    // Before DiscoServer.for, so it runs before its routes: the connection dies
    // once the query is read (and counted as handled), before the answer is written.
    asXmpp(frank).middleware.use((ctx: IncomingContext, next) => {
      if (ctx.stanza.getChild('query', NS_DISCO_INFO)?.attrs.node === 'cut') dropConnection(frank)
      return next()
    })
    const frankDisco = DiscoServer.for(asXmpp(frank))
    const cut = frankDisco.declaredNode('cut')
    cut.registerIdentity('client', 'pc')
    cut.registerFeature('urn:example:cut')
    frankDisco.mountNode('cut', cut)
    let resumed = 0
    frank.streamManagement.on('resumed', () => resumed++)
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    const dc = DiscoClient.for(asXmpp(alice), { queryClient })
    // The server will not resend a query frank acknowledged: the answer must still come, not a TimeoutError.
    const answer = dc.queryInfo(String(frank.jid), { node: 'cut', timeout: 20_000 }).then(
      (info) => info.features.filter((f) => f.startsWith('urn:example:')),
      (error: unknown) => error,
    )
    expect(await answer).toEqual(['urn:example:cut'])
    expect(resumed).toBe(1)
    expect(clientErrors(frank)).toEqual([])
    dc.dispose()
    frankDisco.dispose()
    await stopClient(frank)
  })

  it('completes a walk of disco#items pages whose next page came back while the stream was being resumed', async () => {
    const grace = await connectClient(server, { username: 'grace', password: 'grace-pw', resource: 'life' })
    await waitFor(() => expect(grace.streamManagement.enabled).toBe(true))
    // Before DiscoServer.for, so it runs before its routes: holds the second page until released.
    let held = 0
    let release = (): void => {}
    asXmpp(grace).middleware.use(async (ctx: IncomingContext, next) => {
      const query = ctx.stanza.attrs.type === 'get' ? ctx.stanza.getChild('query', NS_DISCO_ITEMS) : undefined
      if (query?.getChild('set')?.getChildText('after') && held++ === 0) await new Promise<void>((resolve) => (release = resolve))
      return next()
    })
    const graceDisco = DiscoServer.for(asXmpp(grace))
    const many = graceDisco.declaredNode('many')
    many.registerIdentity('directory', 'user')
    many.items = Array.from({ length: 250 }, (_, i) => ({ jid: `item-${i}@${server.host}` }))
    graceDisco.mountNode('many', many)
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    const dc = DiscoClient.for(asXmpp(alice), { queryClient })
    await waitFor(() => expect(alice.streamManagement.enabled).toBe(true))
    let resumed = 0
    alice.streamManagement.on('resumed', () => resumed++)
    const walk = dc.queryItems(String(grace.jid), { node: 'many' }).then(
      (list) => list.items.length,
      (error: unknown) => error,
    )
    await waitFor(() => expect(held).toBe(1))
    dropConnection(alice)
    await waitFor(() => expect(alice.status).not.toBe('online'))
    // Answered while alice is away: the server gives her the page with <resumed/>, and the walk asks for the next.
    release()
    expect(await walk).toBe(250)
    expect(resumed).toBe(1)
    dc.dispose()
    graceDisco.dispose()
    await stopClient(grace)
  })

  it('answers a query the app makes on a reply that the server kept for it and gave back as the stream was resumed', async () => {
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    const dc = DiscoClient.for(asXmpp(alice), { queryClient })
    await waitFor(() => expect(alice.streamManagement.enabled).toBe(true))
    const received = slow.received()
    // The app's next step once the first answer is in: another query.
    const next = dc.queryInfo(bobJid, { node: 'slow', requireFresh: true }).then(
      () => dc.queryInfo(bobJid, { node: 'n-0', requireFresh: true }).then((info) => info.features.filter((f) => f.startsWith('urn:example:'))),
      (error: unknown) => error,
    )
    await waitFor(() => expect(slow.received()).toBe(received + 1))
    dropConnection(alice)
    await waitFor(() => expect(alice.status).not.toBe('online'))
    slow.release()
    expect(await next.catch((error: unknown) => error)).toEqual(['urn:example:n-0'])
    dc.dispose()
  })

  it("ends with the new session's answer for a hook whose first fetch was in flight when resumption was refused", async () => {
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    render(
      <StrictMode>
        <DiscoProvider client={asXmpp(alice)} queryClient={queryClient}>
          <Probe jid={bobJid} node="slow" label="first" />
        </DiscoProvider>
      </StrictMode>,
    )
    const received = slow.received()
    await waitFor(() => expect(slow.received()).toBe(received + 1))
    expect(screen.getByLabelText('first').textContent).toBe('pending')
    await refuseResumption(alice)
    // Asked again in the new session (the first request's answer is lost with the old one).
    await waitFor(() => expect(slow.received()).toBe(received + 2))
    slow.release()
    await waitFor(() => expect(screen.getByLabelText('first').textContent).toBe('urn:example:slow'))
    cleanup()
  })
})
