// The forms we publish (XEP-0128, XEP-0232) through a real server (Prosody, or
// ejabberd with XMPP_TEST_SERVER=ejabberd): slixmpp, an independent
// implementation run as its own process, verifies our caps hash with the forms
// in it, and a raw @xmpp/client (no library code) reads the fields exactly.
import { xml } from '@xmpp/client'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  DiscoServer,
  FORM_TYPE,
  NS_CAPS,
  NS_DATA_FORMS,
  NS_DISCO_INFO,
  NS_SOFTWARE_INFO,
  extendedInfoForm,
  infoToXml,
  softwareInfoForm,
} from '../../src/core/index.js'
import type { XmlElement, XmppClient } from '../../src/core/index.js'
import { EntityCaps } from '../../src/core/caps/index.js'
import { serverName, startServer } from '../helpers/server.js'
import type { TestServer } from '../helpers/server.js'
import { startSlixmppPeer } from '../helpers/slixmppPeer.js'
import type { SlixmppPeer } from '../helpers/slixmppPeer.js'
import { connectClient, stopClient } from '../helpers/xmppClient.js'
import type { Client } from '../helpers/xmppClient.js'

const NODE = 'https://app.example'
const SERVER_INFO = 'http://jabber.org/network/serverinfo'
const asXmpp = (c: Client) => c as unknown as XmppClient
const password = (username: string) => `${username}-pw`

describe(`Published forms through ${serverName}`, () => {
  let server: TestServer
  let bob: Client
  let reader: Client
  let mallory: Client
  let slixmpp: SlixmppPeer
  let caps: EntityCaps
  let disco: DiscoServer

  beforeAll(async () => {
    server = await startServer({ users: ['bob', 'reader', 'mallory', 'slix'].map((username) => ({ username, password: password(username) })) })
    const connect = (username: string) => connectClient(server, { username, password: password(username), resource: 'it' })
    ;[bob, reader, mallory] = await Promise.all([connect('bob'), connect('reader'), connect('mallory')])
    slixmpp = await startSlixmppPeer(server, { username: 'slix', password: password('slix') })
    disco = DiscoServer.for(asXmpp(bob))
    disco.claimIdentity('client', 'pc', { names: { '': 'Bob' } })
    disco.claimForm(softwareInfoForm({ name: 'Chat', version: '1.2', os: 'Linux' }))
    disco.claimForm(
      extendedInfoForm(SERVER_INFO, {
        'abuse-addresses': ['mailto:abuse@example.org', 'xmpp:abuse@example.org'],
        'admin-addresses': 'xmpp:admin@example.org',
      }),
    )
    caps = EntityCaps.for(asXmpp(bob), { node: NODE })
  })

  afterAll(async () => {
    await slixmpp?.stop()
    await Promise.all([bob, reader, mallory].map((c) => stopClient(c)))
    await server?.stop()
  })

  it('gives a raw client the form fields exactly as declared: FORM_TYPE hidden and first, values in order', async () => {
    const reply = await reader.iqCaller.request(xml('iq', { type: 'get', to: String(bob.jid) }, xml('query', { xmlns: NS_DISCO_INFO })))
    const forms = reply.getChild('query', NS_DISCO_INFO)?.getChildren('x', NS_DATA_FORMS) ?? []
    const read = (x: XmlElement) => ({
      type: x.attrs.type,
      fields: x.getChildren('field').map((f) => ({
        attrs: f.attrs,
        values: f.getChildren('value').map((v) => v.getText()),
        children: f.children.length,
      })),
    })
    expect(forms.map(read)).toEqual([
      {
        type: 'result',
        fields: [
          { attrs: { var: FORM_TYPE, type: 'hidden' }, values: [NS_SOFTWARE_INFO], children: 1 },
          { attrs: { var: 'software' }, values: ['Chat'], children: 1 },
          { attrs: { var: 'software_version' }, values: ['1.2'], children: 1 },
          { attrs: { var: 'os' }, values: ['Linux'], children: 1 },
        ],
      },
      {
        type: 'result',
        fields: [
          { attrs: { var: FORM_TYPE, type: 'hidden' }, values: [SERVER_INFO], children: 1 },
          { attrs: { var: 'abuse-addresses' }, values: ['mailto:abuse@example.org', 'xmpp:abuse@example.org'], children: 2 },
          { attrs: { var: 'admin-addresses' }, values: ['xmpp:admin@example.org'], children: 1 },
        ],
      },
    ])
  })

  it("is verified by slixmpp's caps plugin, forms included, and again after a form changes", async () => {
    await bob.send(xml('presence', { to: slixmpp.jid }))
    await caps.update()
    const first = caps.ver
    await vi.waitFor(() => expect(slixmpp.reports.map((r) => r.ver)).toContain(first), { timeout: 15_000 })
    const report = slixmpp.reports.find((r) => r.ver === first)
    expect(report).toMatchObject({ node: `${NODE}#${first}`, verified: true })
    // What slixmpp read: both forms, field by field.
    expect(report?.forms).toEqual(
      expect.arrayContaining([
        { FORM_TYPE: [NS_SOFTWARE_INFO], software: ['Chat'], software_version: ['1.2'], os: ['Linux'] },
        {
          FORM_TYPE: [SERVER_INFO],
          'abuse-addresses': ['mailto:abuse@example.org', 'xmpp:abuse@example.org'],
          'admin-addresses': ['xmpp:admin@example.org'],
        },
      ]),
    )

    // A new version: our directed presence goes again with the new ver, which slixmpp verifies too.
    disco.claimForm(softwareInfoForm({ name: 'Chat', version: '1.3', os: 'Linux' }))
    await caps.update()
    expect(caps.ver).not.toBe(first)
    await bob.send(xml('presence', { to: slixmpp.jid }))
    const second = caps.ver
    await vi.waitFor(() => expect(slixmpp.reports.map((r) => r.ver)).toContain(second), { timeout: 15_000 })
    expect(slixmpp.reports.find((r) => r.ver === second)).toMatchObject({ verified: true })
  })

  it('is told apart by slixmpp from a peer advertising a ver that does not match the forms it answers', async () => {
    // The check above can fail: mallory answers bob's info (forms and all) under a ver of other info.
    const forged = 'AAAAAAAAAAAAAAAAAAAAAAAAAAA='
    asXmpp(mallory).iqCallee.get(NS_DISCO_INFO, 'query', (ctx) => {
      const node = ctx.element?.attrs.node
      return infoToXml(node === undefined ? disco.toInfo() : { ...disco.toInfo(), node })
    })
    await mallory.send(xml('presence', { to: slixmpp.jid }, xml('c', { xmlns: NS_CAPS, hash: 'sha-1', node: NODE, ver: forged })))
    await vi.waitFor(() => expect(slixmpp.reports.map((r) => r.ver)).toContain(forged), { timeout: 15_000 })
    expect(slixmpp.reports.find((r) => r.ver === forged)).toMatchObject({ verified: false })
  })
})
