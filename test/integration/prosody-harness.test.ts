// Proves the integration harness itself: a throwaway server (Prosody, or
// ejabberd with XMPP_TEST_SERVER=ejabberd, see test/helpers/server.ts), real
// xmpp.js clients over TCP (and WebSocket when this Node has one), clean shutdown.
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { Socket } from 'node:net'
import { xml } from '@xmpp/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { XmlElement } from '../../src/core/xml.js'
import { startProsody } from '../helpers/prosody.js'
import { onlyOn, serverName, startServer } from '../helpers/server.js'
import type { TestServer } from '../helpers/server.js'
import { clientErrors, connectClient, stopClient } from '../helpers/xmppClient.js'
import type { Client } from '../helpers/xmppClient.js'

const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info'
const NS_PING = 'urn:xmpp:ping'

describe(`${serverName} harness`, () => {
  let server: TestServer
  let alice: Client
  let bob: Client
  const extraClients: Client[] = []

  beforeAll(async () => {
    server = await startServer({
      users: [
        { username: 'alice', password: 'alice-secret' },
        { username: 'bob', password: 'bob-secret' },
      ],
    })
    ;[alice, bob] = await Promise.all([
      connectClient(server, { username: 'alice', password: 'alice-secret', resource: 'harness' }),
      connectClient(server, { username: 'bob', password: 'bob-secret' }),
    ])
  })

  afterAll(async () => {
    // Idempotent: the last test already stopped everything when it passed.
    await Promise.all([alice, bob, ...extraClients].map((c) => stopClient(c)))
    await server?.stop()
  })

  it(`starts ${serverName} on loopback ports and connects clients over TCP`, () => {
    expect(server.tcpUrl).toBe(`xmpp://127.0.0.1:${server.c2sPort}`)
    expect(server.wsUrl).toBe(`ws://127.0.0.1:${server.httpPort}/xmpp-websocket`)
    expect(server.users.map((u) => u.username)).toEqual(['alice', 'bob'])
    expect(alice.status).toBe('online')
    expect(alice.jid?.toString()).toBe(`alice@${server.host}/harness`)
    expect(bob.jid?.bare().toString()).toBe(`bob@${server.host}`)
  })

  it("answers disco#info on the server's domain with a server identity", async () => {
    const result = await alice.iqCaller.request(
      xml('iq', { type: 'get', to: server.host }, xml('query', { xmlns: NS_DISCO_INFO })),
    )
    expect(result.attrs.type).toBe('result')
    const query = result.getChild('query', NS_DISCO_INFO)
    expect(query).toBeDefined()
    const identities = query?.getChildren('identity') ?? []
    expect(identities.some((i) => i.attrs.category === 'server')).toBe(true)
    const features = (query?.getChildren('feature') ?? []).map((f) => f.attrs.var)
    expect(features).toContain(NS_DISCO_INFO)
  })

  it("routes an IQ to another client's full JID (xmpp.js answers ping)", async () => {
    const to = bob.jid?.toString() ?? ''
    const result = await alice.iqCaller.request(xml('iq', { type: 'get', to }, xml('ping', { xmlns: NS_PING })))
    expect(result.attrs.type).toBe('result')
    expect(result.attrs.from).toBe(to)
  })

  it('registers accounts while running', async () => {
    await server.register('dave', 'dave-secret')
    const dave = await connectClient(server, { username: 'dave', password: 'dave-secret' })
    extraClients.push(dave)
    expect(dave.status).toBe('online')
    expect(server.users.map((u) => u.username)).toContain('dave')
  })

  it('rejects a wrong password', async () => {
    await expect(connectClient(server, { username: 'alice', password: 'wrong' })).rejects.toThrow()
  })

  it('connects over WebSocket', async () => {
    const ws = await connectClient(server, {
      username: 'alice',
      password: 'alice-secret',
      resource: 'ws',
      transport: 'ws',
    })
    extraClients.push(ws)
    const to = alice.jid?.toString() ?? ''
    const result = await ws.iqCaller.request(xml('iq', { type: 'get', to }, xml('ping', { xmlns: NS_PING })))
    expect(result.attrs.type).toBe('result')
  })

  onlyOn('ejabberd')('runs ejabberd as a node of its own that ejabberdctl can drive', async () => {
    // Never the Debian service's node, and ejabberdctl reaches ours with our config, cookie and port.
    expect(server.nodeName).toMatch(/^rxd-[0-9a-f]+@localhost$/)
    const registered = (await server.ctl?.('registered_users', server.host)) ?? ''
    expect(registered.trim().split('\n').sort()).toEqual(['alice', 'bob', 'dave'])
  })

  onlyOn('prosody')('opens a XEP-0114 component port only when asked, and routes what the component sends to clients', async () => {
    expect(server.component).toBeUndefined()
    const withComponent = await startProsody({ users: [{ username: 'carol', password: 'carol-secret' }], componentSecret: 'harness-secret' })
    const socket = new Socket()
    let carol: Client | undefined
    try {
      const component = withComponent.component
      expect(component?.host).toBe(`comp.${withComponent.host}`)
      carol = await connectClient(withComponent, { username: 'carol', password: 'carol-secret', resource: 'harness' })
      await carol.send(xml('presence'))
      const received = new Promise<string | undefined>((resolve) => {
        carol?.on('stanza', (stanza: XmlElement) => {
          if (stanza.is('presence') && stanza.attrs.from?.endsWith('/crowd')) resolve(stanza.getChildText('status') ?? undefined)
        })
      })
      // XEP-0114 section 3: the handshake is the hex SHA-1 of the stream id followed by the secret.
      let buffer = ''
      let state: 'header' | 'handshake' | 'open' = 'header'
      socket.setEncoding('utf8')
      socket.on('data', (data: string) => {
        buffer += data
        if (state === 'header') {
          const id = /<stream:stream[^>]*\sid=['"]([^'"]+)['"]/.exec(buffer)?.[1]
          if (id === undefined) return
          state = 'handshake'
          buffer = ''
          socket.write(`<handshake>${createHash('sha1').update(`${id}harness-secret`).digest('hex')}</handshake>`)
        } else if (state === 'handshake' && /<handshake\s*\/>|<handshake><\/handshake>/.test(buffer)) {
          state = 'open'
          socket.write(`<presence from='peer@${component?.host}/crowd' to='${carol?.jid?.toString()}'><status>from the component</status></presence>`)
        }
      })
      socket.connect(component?.port ?? 0, '127.0.0.1', () => {
        socket.write(`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='${component?.host}'>`)
      })
      expect(await received).toBe('from the component')
    } finally {
      socket.destroy()
      await stopClient(carol)
      await withComponent.stop()
    }
  })

  onlyOn('prosody')('offers XEP-0198 stream management unless started with streamManagement: false', async () => {
    // The answering benchmark turns it off (bench/answer.mjs); everything else runs with it, as production does.
    const without = await startProsody({ users: [{ username: 'erin', password: 'erin-secret' }], streamManagement: false })
    let erin: Client | undefined
    try {
      erin = await connectClient(without, { username: 'erin', password: 'erin-secret', resource: 'harness' })
      expect(alice.streamManagement.enabled).toBe(true)
      expect(erin.streamManagement.enabled).toBe(false)
      expect(erin.status).toBe('online')
    } finally {
      await stopClient(erin)
      await without.stop()
    }
  })

  it(`stops clients and ${serverName}; the process and its temp dir are gone`, async () => {
    await Promise.all([alice, bob, ...extraClients].map((c) => stopClient(c)))
    expect(alice.status).toBe('offline')
    expect(clientErrors(alice)).toEqual([])
    // Stopping twice is harmless.
    await stopClient(alice)

    const { pid, dir } = server
    expect(pid).toBeTypeOf('number')
    await server.stop()
    expect(() => process.kill(pid as number, 0)).toThrow()
    expect(existsSync(dir)).toBe(false)
    await server.stop()
  })
})
