// @vitest-environment jsdom
// A phone's network through a real server (Prosody with smacks, ejabberd with
// mod_stream_mgmt; XMPP_TEST_SERVER picks which): the connection goes silent
// without a close, over TCP and over WebSocket, and xmpp.js notices only by
// its unanswered XEP-0198 ack request; and a phone away for longer than the
// server keeps its session for, whose resumption is then refused; what we
// declare changing while the connection is down; and a radio that delivers
// the server's bytes in bursts.
import { QueryClient } from '@tanstack/react-query'
import { cleanup, render, screen, waitFor } from '@testing-library/react'
import { StrictMode } from 'react'
import type { ReactNode } from 'react'
import { WebSocket as NodeWebSocket } from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { xml } from '@xmpp/client'
import { DiscoClient, DiscoServer, NS_CAPS, NS_DISCO_INFO, ReplyMatcher } from '../../src/core/index.js'
import type { IncomingContext, XmlElement, XmppClient } from '../../src/core/index.js'
import { capsVer, entityCaps } from '../../src/core/caps/index.js'
import { DiscoProvider, Feature, discoInfoQueryOptions, useDiscoInfo } from '../../src/react/index.js'
import { serverName, startServer } from '../helpers/server.js'
import type { TestServer } from '../helpers/server.js'
import { startStallingProxy } from '../helpers/stallingProxy.js'
import type { StallingProxy } from '../helpers/stallingProxy.js'
import { clientErrors, connectClient, stopClient } from '../helpers/xmppClient.js'
import type { Client } from '../helpers/xmppClient.js'

const asXmpp = (c: Client) => c as unknown as XmppClient
const users = ['alice', 'bob'].map((username) => ({ username, password: `${username}-pw` }))
const newQueryClient = () => new QueryClient({ defaultOptions: { queries: { retry: false } } })

function Probe({ jid, label, node, timeout }: { jid: string; label: string; node?: string; timeout?: number }) {
  const { data, error, status } = useDiscoInfo(jid, { node, timeout })
  const text = data ? data.features.filter((f) => f.startsWith('urn:example:')).join(' ') : error ? `error ${error.name}` : status
  return <output aria-label={label}>{text}</output>
}

const shown = (label: string) => screen.getByLabelText(label).textContent

/** Bob answers at his root and at nodes n-0 ... n-5. */
async function answeringBob(server: TestServer): Promise<Client> {
  const bob = await connectClient(server, { username: 'bob', password: 'bob-pw', resource: 'desk' })
  const disco = DiscoServer.for(asXmpp(bob))
  disco.registerFeature('urn:example:one')
  for (let i = 0; i < 6; i++) {
    const node = disco.declaredNode(`n-${i}`)
    node.registerIdentity('client', 'pc')
    node.registerFeature(`urn:example:n-${i}`)
    disco.mountNode(`n-${i}`, node)
  }
  return bob
}

/** Settles to what a query gave: its features, or its error's name. */
const outcome = (promise: Promise<{ features: string[] }>): Promise<string[] | string> =>
  promise.then(
    (info) => info.features.filter((f) => f.startsWith('urn:example:')),
    (error: unknown) => (error instanceof Error ? error.name : String(error)),
  )

for (const transport of ['tcp', 'ws'] as const) {
  describe(`a connection that goes silent (${transport}) through ${serverName}`, () => {
    let server: TestServer
    let proxy: StallingProxy
    let alice: Client
    let bob: Client
    let bobJid: string
    const globals = globalThis as { WebSocket?: unknown }
    const nodeWebSocket = globals.WebSocket

    beforeAll(async () => {
      // jsdom's Event is not Node's: its own WebSocket cannot dispatch under jsdom, the ws package's can.
      globals.WebSocket = NodeWebSocket
      server = await startServer({ users })
      proxy = await startStallingProxy({ host: '127.0.0.1', port: transport === 'tcp' ? server.c2sPort : server.httpPort })
      const phoneRoute = { host: server.host, tcpUrl: `xmpp://127.0.0.1:${proxy.port}`, wsUrl: `ws://127.0.0.1:${proxy.port}/xmpp-websocket` }
      alice = await connectClient(phoneRoute, { username: 'alice', password: 'alice-pw', resource: 'phone', transport })
      bob = await answeringBob(server)
      bobJid = String(bob.jid)
      await waitFor(() => expect(alice.streamManagement.enabled).toBe(true))
    })

    afterAll(async () => {
      cleanup()
      await Promise.all([alice, bob].map((c) => stopClient(c)))
      await proxy?.close()
      await server?.stop()
      globals.WebSocket = nodeWebSocket
    })

    it('answers the queries written into the silent connection once resumed, rejects those of the gap, and ends every hook mounted meanwhile with its answer', async () => {
      const queryClient = newQueryClient()
      const app = (children?: ReactNode) => (
        <StrictMode>
          <DiscoProvider client={asXmpp(alice)} queryClient={queryClient}>
            <Probe jid={bobJid} label="before" />
            {children}
          </DiscoProvider>
        </StrictMode>
      )
      const { rerender } = render(app())
      await waitFor(() => expect(shown('before')).toBe('urn:example:one'))
      const dc = DiscoClient.for(asXmpp(alice), { queryClient })
      let resumed = 0
      let newSessions = 0
      alice.streamManagement.on('resumed', () => resumed++)
      alice.on('online', () => newSessions++)
      // xmpp.js gives up on the connection when its ack request goes unanswered this long (ms).
      alice.streamManagement.timeout = 1500

      proxy.stall()
      // Written into the silent connection: xmpp.js does not know yet.
      const silent = [0, 1, 2].map((i) => outcome(dc.queryInfo(bobJid, { node: `n-${i}` })))
      // Mounted meanwhile: one with the default timeout, one whose timeout ends before the connection is given up.
      rerender(
        app(
          <>
            <Probe jid={bobJid} node="n-3" label="mounted" />
            <Probe jid={bobJid} node="n-4" label="short" timeout={500} />
          </>,
        ),
      )
      await waitFor(() => expect(shown('short')).toBe('error TimeoutError'), { timeout: 10_000 })
      await waitFor(() => expect(alice.status).not.toBe('online'), { timeout: 10_000 })
      // The gap: nothing can be sent.
      const gap = outcome(dc.queryInfo(bobJid, { node: 'n-5' }))
      expect(await gap).toBe('DisconnectedError')

      await waitFor(() => expect(resumed, `client errors: ${clientErrors(alice).map((e) => e.message).join('; ')}`).toBe(1), {
        timeout: 20_000,
      })
      expect(newSessions).toBe(0)
      expect(await Promise.all(silent)).toEqual([['urn:example:n-0'], ['urn:example:n-1'], ['urn:example:n-2']])
      await waitFor(() => expect(shown('mounted')).toBe('urn:example:n-3'))
      // The hook that failed in the silence asks again once the session is back.
      await waitFor(() => expect(shown('short')).toBe('urn:example:n-4'))
      expect(shown('before')).toBe('urn:example:one')
      expect(proxy.connections).toBe(2)
      expect(ReplyMatcher.for(asXmpp(alice)).pendingCount).toBe(0)
      cleanup()
    })
  })
}

describe(`a phone away for longer than ${serverName} keeps its session`, () => {
  let server: TestServer
  let alice: Client
  let bob: Client
  let bobJid: string

  beforeAll(async () => {
    server = await startServer({ users, resumeTimeout: 2 })
    alice = await connectClient(server, { username: 'alice', password: 'alice-pw', resource: 'phone' })
    bob = await answeringBob(server)
    bobJid = String(bob.jid)
    await waitFor(() => expect(alice.streamManagement.enabled).toBe(true))
  })

  afterAll(async () => {
    cleanup()
    await Promise.all([alice, bob].map((c) => stopClient(c)))
    await server?.stop()
  })

  it('begins a new session when the server has let the old one expire: what was pending rejects, a fetch made in the gap lands in the new session, the cache is flushed, and each watched entry is asked again once', async () => {
    const queryClient = newQueryClient()
    render(
      <StrictMode>
        <DiscoProvider client={asXmpp(alice)} queryClient={queryClient}>
          <Probe jid={bobJid} label="watched" />
        </DiscoProvider>
      </StrictMode>,
    )
    await waitFor(() => expect(shown('watched')).toBe('urn:example:one'))
    const dc = DiscoClient.for(asXmpp(alice), { queryClient })
    await dc.queryInfo(bobJid, { node: 'n-0' })
    const asked: (string | undefined)[] = []
    alice.on('send', (el: XmlElement) => {
      const query = el.name === 'iq' && el.attrs.type === 'get' && el.attrs.to === bobJid ? el.getChild('query', NS_DISCO_INFO) : undefined
      if (query) asked.push(query.attrs.node)
    })
    let resumed = 0
    let newSessions = 0
    alice.streamManagement.on('resumed', () => resumed++)
    alice.on('online', () => newSessions++)
    const sessionId = alice.streamManagement.id

    // Away (no signal) for longer than the server's 2 s: xmpp.js tries again after 4 s.
    alice.reconnect.delay = 4000
    // Asked as the connection dies: no answer can come in this session.
    const pending = outcome(dc.queryInfo(bobJid, { node: 'n-1' }))
    ;(alice.socket as { destroy(): void }).destroy()
    await waitFor(() => expect(alice.status).not.toBe('online'))
    DiscoServer.for(asXmpp(bob)).registerFeature('urn:example:two')
    expect(await outcome(dc.queryInfo(bobJid, { node: 'n-2' }))).toBe('DisconnectedError')
    // What the app fetches through the query options meanwhile waits for the session, the next one here.
    const options = discoInfoQueryOptions(asXmpp(alice), bobJid, { node: 'n-3', queryClient })
    const fetched = outcome(queryClient.fetchQuery(options))

    await waitFor(() => expect(newSessions, `client errors: ${clientErrors(alice).map((e) => e.message).join('; ')}`).toBe(1), {
      timeout: 20_000,
    })
    expect(resumed).toBe(0)
    expect(alice.streamManagement.id).not.toBe(sessionId)
    expect(await pending).toBe('DisconnectedError')
    expect(await fetched).toEqual(['urn:example:n-3'])
    expect(queryClient.getQueryData(options.queryKey)?.features).toContain('urn:example:n-3')
    await waitFor(() => expect(shown('watched')).toBe('urn:example:one urn:example:two'))
    // The unobserved entry went with the flush: asked again, not served from the old session.
    expect(await outcome(dc.queryInfo(bobJid, { node: 'n-0' }))).toEqual(['urn:example:n-0'])
    expect(asked.filter((node) => node === undefined)).toHaveLength(1)
    expect(asked.filter((node) => node === 'n-0')).toHaveLength(1)
    expect(ReplyMatcher.for(asXmpp(alice)).pendingCount).toBe(0)
    alice.reconnect.delay = 1000
    cleanup()
  })
})

describe(`what we declare changing while the connection is down, through ${serverName}`, () => {
  let server: TestServer
  let phone: Client
  let desk: Client
  const seen: XmlElement[] = []

  beforeAll(async () => {
    server = await startServer({ users })
    const connect = (resource: string) => connectClient(server, { username: 'alice', password: 'alice-pw', resource })
    ;[phone, desk] = await Promise.all([connect('phone'), connect('desk')])
    // Another resource of the account gets the presences phone broadcasts, as a contact would.
    asXmpp(desk).middleware.use((ctx: IncomingContext, next) => {
      if (ctx.stanza.name === 'presence' && ctx.stanza.attrs.from === String(phone.jid)) seen.push(ctx.stanza)
      return next()
    })
    await desk.send(xml('presence'))
    await waitFor(() => expect(phone.streamManagement.enabled).toBe(true))
  })

  afterAll(async () => {
    cleanup()
    await Promise.all([phone, desk].map((c) => stopClient(c)))
    await server?.stop()
  })

  it('announces the new caps ver once the stream is resumed', async () => {
    const queryClient = newQueryClient()
    const app = (feature: string) => (
      <StrictMode>
        <DiscoProvider client={asXmpp(phone)} queryClient={queryClient} caps={entityCaps({ node: 'https://app.example' })}>
          <Feature var={feature} />
        </DiscoProvider>
      </StrictMode>
    )
    const { rerender } = render(app('urn:example:before'))
    await phone.send(xml('presence', {}, xml('show', {}, 'away')))
    await waitFor(() => expect(seen).toHaveLength(1))
    let resumed = 0
    phone.streamManagement.on('resumed', () => resumed++)
    ;(phone.socket as { destroy(): void }).destroy()
    await waitFor(() => expect(phone.status).not.toBe('online'))
    // The user turns something on in the train.
    rerender(app('urn:example:after'))
    await waitFor(() => expect(resumed, `client errors: ${clientErrors(phone).map((e) => e.message).join('; ')}`).toBe(1), {
      timeout: 15_000,
    })
    const ver = await capsVer(DiscoServer.for(asXmpp(phone)).toInfo())
    await waitFor(() => expect(seen.at(-1)?.getChild('c', NS_CAPS)?.attrs.ver).toBe(ver))
    expect(seen.at(-1)?.getChildText('show')).toBe('away')
    expect(seen).toHaveLength(2)
    cleanup()
  })
})

describe(`a phone's radio that delivers the server's bytes in bursts, through ${serverName}`, () => {
  it('acknowledges every stanza handled since <enabled/> when <enabled/> comes in one read with stanzas and an ack request', async () => {
    const server = await startServer({ users })
    // Every 40 ms, what the server sent meanwhile arrives in one chunk.
    const proxy = await startStallingProxy({ host: '127.0.0.1', port: server.c2sPort }, { burst: 40 })
    const radio = { host: server.host, tcpUrl: `xmpp://127.0.0.1:${proxy.port}`, wsUrl: server.wsUrl }
    // Each <a/> we send, with the stanzas handled since <enabled/> (XEP-0198 section 4: h counts from there) when
    // the <r/> it answers was read.
    const acks: { h: number; handled: number | undefined }[] = []
    const requests: number[] = []
    let handled: number | undefined
    let alice: Client | undefined
    try {
      alice = await connectClient(radio, {
        username: 'alice',
        password: 'alice-pw',
        resource: 'radio',
        beforeStart: (xmpp) => {
          // As an app: disco from the start, and its presence sent once it is
          // online, right after xmpp.js's <enable/>: <enabled/>, the server's
          // reflection of it and its ack request then come in one read.
          DiscoServer.for(asXmpp(xmpp))
          DiscoClient.for(asXmpp(xmpp))
          xmpp.on('online', () =>
            setTimeout(() => {
              void xmpp.send(xml('presence')).catch(() => {})
              void xmpp.send(xml('presence', {}, xml('status', {}, 'here'))).catch(() => {})
            }, 0),
          )
          xmpp.on('element', (element: XmlElement) => {
            if (element.is('enabled', 'urn:xmpp:sm:3')) handled = 0
            else if (handled !== undefined && ['presence', 'message', 'iq'].includes(element.name)) handled++
            else if (handled !== undefined && element.is('r', 'urn:xmpp:sm:3')) requests.push(handled)
          })
          xmpp.on('send', (element: XmlElement) => {
            if (element.is('a', 'urn:xmpp:sm:3') && handled !== undefined) acks.push({ h: Number(element.attrs.h), handled: requests.shift() })
          })
        },
      })
      const client = alice
      await waitFor(() => expect(client.streamManagement.enabled).toBe(true))
      // More stanzas, each reflected and followed by the server's ack request.
      for (let i = 0; i < 4; i++) {
        await client.send(xml('presence', {}, xml('status', {}, `burst ${i}`)))
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(acks.length).toBeGreaterThanOrEqual(4)
      expect(acks.filter((a) => a.h !== a.handled)).toEqual([])
      expect(clientErrors(client).map((e) => e.message)).toEqual([])
      expect(proxy.connections).toBe(1)
    } finally {
      await stopClient(alice)
      await proxy.close()
      await server.stop()
    }
  })
})
