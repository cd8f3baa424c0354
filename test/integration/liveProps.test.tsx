// @vitest-environment jsdom
// Live props on a mounted tree, through a real server (Prosody with smacks,
// ejabberd with mod_stream_mgmt; XMPP_TEST_SERVER picks which): alice's phone
// runs the React tree, her desk (another resource of her account, which gets
// her broadcast presences) and bob watch it as peers do.
import { QueryClient } from '@tanstack/react-query'
import { xml } from '@xmpp/client'
import { cleanup, render, screen, waitFor } from '@testing-library/react'
import { StrictMode } from 'react'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DiscoServer, NS_CAPS, NS_DISCO_INFO, parseInfo } from '../../src/core/index.js'
import type { IncomingContext, XmlElement, XmppClient } from '../../src/core/index.js'
import { EntityCaps, capsVer, entityCaps, verifyCapsHash } from '../../src/core/caps/index.js'
import type { CapsPlugin } from '../../src/core/caps/index.js'
import { DiscoProvider, Feature, Identity, useDiscoInfo } from '../../src/react/index.js'
import { serverName, startServer } from '../helpers/server.js'
import type { TestServer } from '../helpers/server.js'
import { clientErrors, connectClient, stopClient } from '../helpers/xmppClient.js'
import type { Client } from '../helpers/xmppClient.js'

const asXmpp = (c: Client) => c as unknown as XmppClient
const users = ['alice', 'bob', 'dave'].map((username) => ({ username, password: `${username}-pw` }))
const NODE = 'https://app.example'
const OTHER_NODE = 'https://other.example'

/** The presences `xmpp` receives from `from`. */
function presencesFrom(xmpp: Client, from: () => string): XmlElement[] {
  const seen: XmlElement[] = []
  asXmpp(xmpp).middleware.use((ctx: IncomingContext, next) => {
    if (ctx.stanza.name === 'presence' && ctx.stanza.attrs.from === from()) seen.push(ctx.stanza)
    return next()
  })
  return seen
}

/** The disco#info gets `xmpp` writes to `to`. */
function countSentTo(xmpp: Client, to: () => string): () => number {
  let count = 0
  xmpp.on('send', (el: XmlElement) => {
    if (el.name === 'iq' && el.attrs.type === 'get' && el.attrs.to === to() && el.getChild('query', NS_DISCO_INFO)) count++
  })
  return () => count
}

/** Makes the server refuse `xmpp`'s next resumption, drops the connection and waits for the new session. */
async function refuseResumption(xmpp: Client): Promise<void> {
  let online = false
  xmpp.once('online', () => (online = true))
  xmpp.streamManagement.id = 'forgotten-session'
  ;(xmpp.socket as { destroy(): void }).destroy()
  await waitFor(() => expect(online, `client errors: ${clientErrors(xmpp).map((e) => e.message).join('; ')}`).toBe(true), {
    timeout: 15_000,
  })
}

function Probe({ jid }: { jid: string }) {
  const { data, status } = useDiscoInfo(jid)
  return <output aria-label="probe">{data ? data.features.filter((f) => f.startsWith('urn:example:')).join(' ') : status}</output>
}

const shown = () => screen.getByLabelText('probe').textContent

describe(`live props on a mounted tree through ${serverName}`, () => {
  let server: TestServer
  let phone: Client
  let desk: Client
  let bob: Client
  let bobJid: string
  let seen: XmlElement[]

  beforeAll(async () => {
    server = await startServer({ users })
    const connect = (username: string, resource: string) => connectClient(server, { username, password: `${username}-pw`, resource })
    ;[phone, desk, bob] = await Promise.all([connect('alice', 'phone'), connect('alice', 'desk'), connect('bob', 'desk')])
    bobJid = String(bob.jid)
    DiscoServer.for(asXmpp(bob)).registerFeature('urn:example:bob')
    await waitFor(() => expect(phone.streamManagement.enabled).toBe(true))
    seen = presencesFrom(desk, () => String(phone.jid))
    // Available: the server now sends desk the presences phone broadcasts.
    await desk.send(xml('presence'))
  })

  afterAll(async () => {
    cleanup()
    await Promise.all([phone, desk, bob].map((c) => stopClient(c)))
    await server?.stop()
  })

  /** What desk gets at phone's node#ver, as a peer that saw the presence asks. */
  const askVer = async (node: string, ver: string): Promise<XmlElement> => {
    const reply = await desk.iqCaller.request(
      xml('iq', { type: 'get', to: String(phone.jid) }, xml('query', { xmlns: NS_DISCO_INFO, node: `${node}#${ver}` })),
    )
    return reply.getChild('query', NS_DISCO_INFO) as XmlElement
  }
  const capsOf = (presence: XmlElement | undefined) => presence?.getChild('c', NS_CAPS)?.attrs
  const currentVer = () => capsVer(DiscoServer.for(asXmpp(phone)).toInfo())

  it("announces caps turned on again, or with another node, on the presence the app sent, with what it declares now; a peer's node#ver query verifies", async () => {
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    const app = (caps: CapsPlugin | undefined, feature: string) => (
      <StrictMode>
        <DiscoProvider client={asXmpp(phone)} queryClient={queryClient} caps={caps}>
          <Identity category="client" type="phone" name="Phone" />
          <Feature var={feature} />
        </DiscoProvider>
      </StrictMode>
    )
    const { rerender } = render(app(entityCaps({ node: NODE }), 'urn:example:a'))
    await phone.send(xml('presence', {}, xml('status', {}, 'here')))
    await waitFor(() => expect(seen).toHaveLength(1))
    expect(capsOf(seen[0])?.ver).toBe(await currentVer())

    // <Feature var> changes: one new presence, whose ver names the new var and not the old.
    rerender(app(entityCaps({ node: NODE }), 'urn:example:b'))
    await waitFor(() => expect(seen).toHaveLength(2))
    const ver = capsOf(seen[1])?.ver as string
    expect(ver).toBe(await currentVer())
    const answer = await askVer(NODE, ver)
    expect(parseInfo(answer).features.filter((f) => f.startsWith('urn:example:'))).toEqual(['urn:example:b'])
    expect(await verifyCapsHash(answer, { kind: 'caps', algo: 'sha-1', value: ver })).toBe('verified')

    // Caps off: the app's next presence has no <c/>; what it declares changes meanwhile.
    rerender(app(undefined, 'urn:example:b'))
    await waitFor(() => expect(EntityCaps.find(asXmpp(phone))).toBeUndefined())
    await phone.send(xml('presence', {}, xml('status', {}, 'busy')))
    await waitFor(() => expect(seen).toHaveLength(3))
    expect(capsOf(seen[2])).toBeUndefined()
    rerender(app(undefined, 'urn:example:c'))

    // Caps on again: peers are told, on the presence the app sent last (its status kept), with the ver of now.
    rerender(app(entityCaps({ node: NODE }), 'urn:example:c'))
    await waitFor(() => expect(seen).toHaveLength(4))
    expect(seen[3]?.getChildText('status')).toBe('busy')
    const again = capsOf(seen[3])?.ver as string
    expect(again).toBe(await currentVer())
    expect(parseInfo(await askVer(NODE, again)).features).toContain('urn:example:c')

    // And they stay told: a later change is announced too.
    rerender(app(entityCaps({ node: NODE }), 'urn:example:d'))
    await waitFor(() => expect(seen).toHaveLength(5))
    expect(capsOf(seen[4])?.ver).toBe(await currentVer())

    // Other options (another node): announced at once, under the node that is answered now.
    rerender(app(entityCaps({ node: OTHER_NODE }), 'urn:example:d'))
    await waitFor(() => expect(seen).toHaveLength(6))
    expect(capsOf(seen[5])).toMatchObject({ node: OTHER_NODE, ver: await currentVer() })
    const moved = await askVer(OTHER_NODE, capsOf(seen[5])?.ver as string)
    expect(await verifyCapsHash(moved, { kind: 'caps', algo: 'sha-1', value: capsOf(seen[5])?.ver as string })).toBe('verified')
    cleanup()
  })

  it('moves the hooks to a new queryClient: they read and write it, and a new session refetches what they show', async () => {
    const sentToBob = countSentTo(phone, () => bobJid)
    const first = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    const second = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    const app = (queryClient: QueryClient) => (
      <StrictMode>
        <DiscoProvider client={asXmpp(phone)} queryClient={queryClient}>
          <Probe jid={bobJid} />
        </DiscoProvider>
      </StrictMode>
    )
    const { rerender } = render(app(first))
    await waitFor(() => expect(shown()).toBe('urn:example:bob'))
    rerender(app(second))
    await waitFor(() => expect(shown()).toBe('urn:example:bob'))
    // The hook's entry is in the QueryClient it is given now.
    expect(second.getQueryCache().findAll({ queryKey: ['xmpp-disco'] }).map((q) => q.queryKey[3])).toEqual([bobJid])
    expect(sentToBob()).toBe(2)

    DiscoServer.for(asXmpp(bob)).registerFeature('urn:example:later')
    await refuseResumption(phone)
    await waitFor(() => expect(shown()).toBe('urn:example:bob urn:example:later'))
    expect(sentToBob()).toBe(3)
    cleanup()
  })

  it("switches account on a DiscoProvider without any QueryClient: the hooks refetch for the new account, and after the new account's next session", async () => {
    const dave = await connectClient(server, { username: 'dave', password: 'dave-pw', resource: 'phone' })
    await waitFor(() => expect(dave.streamManagement.enabled).toBe(true))
    const daveAsked = countSentTo(dave, () => bobJid)
    const app = (xmpp: Client) => (
      <StrictMode>
        <DiscoProvider client={asXmpp(xmpp)}>
          <Probe jid={bobJid} />
        </DiscoProvider>
      </StrictMode>
    )
    const { rerender } = render(app(phone))
    await waitFor(() => expect(shown()).toMatch(/^urn:example:bob/))
    rerender(app(dave))
    await waitFor(() => expect(daveAsked()).toBe(1))
    DiscoServer.for(asXmpp(bob)).registerFeature('urn:example:for-dave')
    await refuseResumption(dave)
    await waitFor(() => expect(shown()).toMatch(/urn:example:for-dave$/))
    expect(daveAsked()).toBe(2)
    cleanup()
    await stopClient(dave)
  })
})
