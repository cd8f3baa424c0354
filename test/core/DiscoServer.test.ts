import xml from '@xmpp/xml'
import { describe, expect, it } from 'vitest'
import { DiscoServer } from '../../src/core/DiscoServer.js'
import { DiscoError, InvalidInputError, RegistrationError } from '../../src/core/errors.js'
import { extendedInfoForm, softwareInfoForm } from '../../src/core/extendedInfoForm.js'
import { parseInfo, parseItems, parseItemsPage } from '../../src/core/model.js'
import type { DataForm, DiscoIdentity, DiscoItem } from '../../src/core/model.js'
import { FORM_TYPE, NS_DATA_FORMS, NS_DISCO_INFO, NS_DISCO_ITEMS, NS_RSM, NS_STANZAS } from '../../src/core/namespaces.js'
import { rsmRequestToXml } from '../../src/core/rsm.js'
import type { RsmRequest } from '../../src/core/rsm.js'
import { Node, StaticNode } from '../../src/core/Node.js'
import type { XmlElement } from '../../src/core/xml.js'
import type { XmppClient } from '../../src/core/XmppClient.js'
import { FakeNetwork, rawQuery } from '../helpers/fakeNetwork.js'
import type { FakeEntity } from '../helpers/fakeNetwork.js'

// FakeEntity is an EventEmitter, whose `on` TypeScript will not match to the structural XmppClient.
function client(entity: FakeEntity): XmppClient {
  return entity as unknown as XmppClient
}

const ALICE = 'alice@example.org/a'
const BOB = 'bob@example.org/b'
const EVE = 'eve@example.org/e'

function setup(): { net: FakeNetwork; alice: FakeEntity; eve: FakeEntity; bob: FakeEntity; server: DiscoServer } {
  const net = new FakeNetwork()
  const alice = net.entity(ALICE)
  const eve = net.entity(EVE)
  const bob = net.entity(BOB)
  const server = DiscoServer.for(client(bob))
  return { net, alice, eve, bob, server }
}

function info(from: FakeEntity, node?: string): Promise<XmlElement> {
  return rawQuery(from, BOB, NS_DISCO_INFO, node === undefined ? {} : { node })
}

function items(from: FakeEntity, node?: string): Promise<XmlElement> {
  return rawQuery(from, BOB, NS_DISCO_ITEMS, node === undefined ? {} : { node })
}

/** Lets any further (wrong) replies arrive. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 10))
}

function expectResult(reply: XmlElement, ns: string): XmlElement {
  expect(reply.attrs.type).toBe('result')
  expect(reply.attrs.to).toBe(ALICE)
  const query = reply.getChild('query', ns)
  expect(query).toBeDefined()
  return query as XmlElement
}

/** Exactly <error type='TYPE'><CONDITION xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>, nothing else. */
function expectError(reply: XmlElement, type: string, condition: string): void {
  expect(reply.attrs.type).toBe('error')
  const errors = reply.getChildren('error')
  expect(errors).toHaveLength(1)
  const error = errors[0] as XmlElement
  expect(error.attrs).toEqual({ type })
  const conditions = error.getChildElements()
  expect(conditions.map((c) => c.name)).toEqual([condition])
  expect(conditions[0]?.getNS()).toBe(NS_STANZAS)
  expect(error.getChild('text')).toBeUndefined()
  expect(error.getText()).toBe('')
}

function counting<T extends Node>(node: T): T & { calls: string[] } {
  const calls: string[] = []
  for (const method of ['iterFeatures', 'iterIdentities', 'iterItems', 'iterForms', 'toInfo'] as const) {
    const original = node[method].bind(node) as (...args: unknown[]) => unknown
    Object.defineProperty(node, method, {
      value: (...args: unknown[]) => {
        calls.push(method)
        return original(...args)
      },
    })
  }
  return Object.assign(node, { calls })
}

describe('DiscoServer.for', () => {
  it('returns the same instance for the same client', () => {
    const net = new FakeNetwork()
    const bob = net.entity(BOB)
    const server = DiscoServer.for(client(bob))
    expect(DiscoServer.for(client(bob))).toBe(server)
    expect(server.client).toBe(client(bob))
    expect(server).toBeInstanceOf(Node)
  })

  it('returns a different instance for another client', () => {
    const net = new FakeNetwork()
    expect(DiscoServer.for(client(net.entity(BOB)))).not.toBe(DiscoServer.for(client(net.entity(ALICE))))
  })

  it('refuses a second DiscoServer for a client that has one', () => {
    const net = new FakeNetwork()
    const bob = net.entity(BOB)
    DiscoServer.for(client(bob))
    expect(() => new DiscoServer(client(bob))).toThrow(DiscoError)
  })

  it('returns the instance built with new', () => {
    const net = new FakeNetwork()
    const bob = net.entity(BOB)
    const server = new DiscoServer(client(bob))
    expect(DiscoServer.for(client(bob))).toBe(server)
    expect(() => new DiscoServer(client(bob))).toThrow(DiscoError)
  })
})

describe('DiscoServer default identity', () => {
  it('answers the root with the client/bot identity, disco#info and disco#items', async () => {
    const { alice, server } = setup()
    const reply = await info(alice)
    expect(parseInfo(expectResult(reply, NS_DISCO_INFO))).toStrictEqual({
      identities: [{ category: 'client', type: 'bot' }],
      features: [NS_DISCO_INFO, NS_DISCO_ITEMS],
      forms: [],
    })
    expect(server.toInfo().identities).toStrictEqual([{ category: 'client', type: 'bot' }])
  })

  it('refuses to remove the default while it is the last identity', () => {
    const { server } = setup()
    let caught: unknown
    try {
      server.unregisterIdentity('client', 'bot')
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(RegistrationError)
    expect((caught as RegistrationError).reason).toBe('last-identity')
    expect(server.toInfo().identities).toStrictEqual([{ category: 'client', type: 'bot' }])
  })

  it('lets the default be removed once another identity is registered', async () => {
    const { alice, server } = setup()
    server.registerIdentity('client', 'pc', { names: { '': 'Chat' } })
    expect(server.toInfo().identities).toStrictEqual([
      { category: 'client', type: 'bot' },
      { category: 'client', type: 'pc', name: 'Chat' },
    ])
    server.unregisterIdentity('client', 'bot')
    expect(parseInfo(await info(alice)).identities).toStrictEqual([{ category: 'client', type: 'pc', name: 'Chat' }])
  })

  it('refuses a strict registration of client/bot while the default holds it', () => {
    const { server } = setup()
    expect(() => server.registerIdentity('client', 'bot', { names: { '': 'x' } })).toThrow(RegistrationError)
    expect(server.toInfo().identities).toStrictEqual([{ category: 'client', type: 'bot' }])
  })

  it('withdraws the default for a claimed identity and brings it back when the last claim goes', async () => {
    const { alice, server } = setup()
    const r1 = server.claimIdentity('client', 'pc', { names: { '': 'Chat' } })
    const r2 = server.claimIdentity('client', 'pc', { names: { '': 'Chat' } })
    expect(parseInfo(await info(alice)).identities).toStrictEqual([{ category: 'client', type: 'pc', name: 'Chat' }])
    r1()
    expect(server.toInfo().identities).toStrictEqual([{ category: 'client', type: 'pc', name: 'Chat' }])
    r2()
    expect(parseInfo(await info(alice)).identities).toStrictEqual([{ category: 'client', type: 'bot' }])
  })

  it('fires onInfoChanged once when a claim replaces the default and once when it comes back', () => {
    const { server } = setup()
    let calls = 0
    server.onInfoChanged(() => calls++)
    const release = server.claimIdentity('client', 'pc')
    expect(calls).toBe(1)
    release()
    expect(calls).toBe(2)
  })

  it('keeps client/bot when the app claims it itself, beside another claimed identity', () => {
    const { server } = setup()
    const bot = server.claimIdentity('client', 'bot', { names: { '': 'My bot' } })
    const pc = server.claimIdentity('client', 'pc')
    expect(server.toInfo().identities).toStrictEqual([
      { category: 'client', type: 'bot', name: 'My bot' },
      { category: 'client', type: 'pc' },
    ])
    bot()
    expect(server.toInfo().identities).toStrictEqual([{ category: 'client', type: 'pc' }])
    pc()
    expect(server.toInfo().identities).toStrictEqual([{ category: 'client', type: 'bot' }])
  })

  it('keeps a claimed client/bot made after the default was withdrawn', () => {
    const { server } = setup()
    const pc = server.claimIdentity('client', 'pc')
    const bot = server.claimIdentity('client', 'bot', { names: { '': 'My bot' } })
    pc()
    expect(server.toInfo().identities).toStrictEqual([{ category: 'client', type: 'bot', name: 'My bot' }])
    bot()
    expect(server.toInfo().identities).toStrictEqual([{ category: 'client', type: 'bot' }])
  })

  it('no longer brings the default back once the app registered an identity strictly', () => {
    const { server } = setup()
    const pc = server.claimIdentity('client', 'pc')
    server.registerIdentity('client', 'web')
    pc()
    expect(server.toInfo().identities).toStrictEqual([{ category: 'client', type: 'web' }])
  })

  it('leaves the default to the app once it registered an identity strictly', () => {
    const { server } = setup()
    server.registerIdentity('client', 'web')
    const pc = server.claimIdentity('client', 'pc')
    expect(server.toInfo().identities).toStrictEqual([
      { category: 'client', type: 'bot' },
      { category: 'client', type: 'web' },
      { category: 'client', type: 'pc' },
    ])
    pc()
    expect(server.toInfo().identities).toStrictEqual([
      { category: 'client', type: 'bot' },
      { category: 'client', type: 'web' },
    ])
  })

  it('no longer brings the default back once the app removed it strictly', () => {
    const { server } = setup()
    server.registerIdentity('client', 'web')
    server.unregisterIdentity('client', 'bot')
    const pc = server.claimIdentity('client', 'pc')
    pc()
    expect(server.toInfo().identities).toStrictEqual([{ category: 'client', type: 'web' }])
  })
})

describe('DiscoServer disco#info', () => {
  it('lists disco#info and disco#items first, then the registered features, for the root', async () => {
    const { alice, server } = setup()
    server.registerFeature('urn:xmpp:ping')
    server.claimFeature('urn:xmpp:jingle:1')
    const query = expectResult(await info(alice), NS_DISCO_INFO)
    expect(query.getChildren('feature').map((f) => f.attrs.var)).toEqual([
      NS_DISCO_INFO,
      NS_DISCO_ITEMS,
      'urn:xmpp:ping',
      'urn:xmpp:jingle:1',
    ])
    expect(query.attrs.node).toBeUndefined()
  })

  it('replies to the requester, from our JID, with the request id', async () => {
    const { alice, bob } = setup()
    const reply = await info(alice)
    expect(reply.attrs.to).toBe(ALICE)
    expect(reply.attrs.from).toBe(BOB)
    const request = alice.sentQueries(NS_DISCO_INFO).at(-1)
    expect(reply.attrs.id).toBe(request?.attrs.id)
    expect(bob.sent.filter((s) => s.attrs.id === reply.attrs.id)).toHaveLength(1)
  })

  it('shows a feature in the very next query after it is registered, and not after it is removed', async () => {
    const { alice, server } = setup()
    server.registerFeature('urn:a')
    expect(parseInfo(await info(alice)).features).toContain('urn:a')
    server.unregisterFeature('urn:a')
    expect(parseInfo(await info(alice)).features).not.toContain('urn:a')
    const release = server.claimFeature('urn:b')
    expect(parseInfo(await info(alice)).features).toContain('urn:b')
    release()
    expect(parseInfo(await info(alice)).features).toEqual([NS_DISCO_INFO, NS_DISCO_ITEMS])
  })

  it('keeps disco#items on the root like disco#info: mandatory to register, never removed, ignored when claimed', async () => {
    const { alice, server } = setup()
    let changes = 0
    server.onInfoChanged(() => changes++)
    expect(() => server.registerFeature(NS_DISCO_ITEMS)).toThrow(expect.objectContaining({ reason: 'mandatory' }))
    expect(() => server.unregisterFeature(NS_DISCO_ITEMS)).toThrow(expect.objectContaining({ reason: 'not-registered' }))
    const release = server.claimFeature(NS_DISCO_ITEMS)
    release()
    expect(changes).toBe(0)
    expect(parseInfo(await info(alice)).features).toEqual([NS_DISCO_INFO, NS_DISCO_ITEMS])
  })

  it('does not add disco#items to a mounted node, which may declare it itself', async () => {
    const { alice, server } = setup()
    const node = new StaticNode()
    node.registerIdentity('hierarchy', 'branch')
    server.mountNode('n', node)
    expect(parseInfo(await info(alice, 'n')).features).toEqual([NS_DISCO_INFO])
    node.registerFeature(NS_DISCO_ITEMS)
    expect(parseInfo(await info(alice, 'n')).features).toEqual([NS_DISCO_INFO, NS_DISCO_ITEMS])
  })

  it('answers a mounted node with its own info and echoes the node', async () => {
    const { alice, server } = setup()
    server.registerFeature('urn:root-only')
    const node = new StaticNode()
    node.registerIdentity('automation', 'command-list', { names: { '': 'Commands', de: 'Befehle' } })
    node.registerFeature('http://jabber.org/protocol/commands')
    server.mountNode('http://jabber.org/protocol/commands', node)
    const query = expectResult(await info(alice, 'http://jabber.org/protocol/commands'), NS_DISCO_INFO)
    expect(query.attrs.node).toBe('http://jabber.org/protocol/commands')
    expect(parseInfo(query)).toStrictEqual({
      node: 'http://jabber.org/protocol/commands',
      identities: [
        { category: 'automation', type: 'command-list', name: 'Commands' },
        { category: 'automation', type: 'command-list', name: 'Befehle', lang: 'de' },
      ],
      features: [NS_DISCO_INFO, 'http://jabber.org/protocol/commands'],
      forms: [],
    })
  })

  it('includes the data forms a node gives (XEP-0128)', async () => {
    const { alice, server } = setup()
    const form: DataForm = {
      type: 'result',
      fields: [
        { var: FORM_TYPE, type: 'hidden', values: ['urn:xmpp:dataforms:softwareinfo'] },
        { var: 'software', values: ['react-xmpp-disco'] },
      ],
    }
    class WithForm extends StaticNode {
      override iterForms(): Iterable<DataForm> {
        return [form]
      }
    }
    const node = new WithForm()
    node.registerIdentity('client', 'pc')
    server.mountNode('n', node)
    const reply = await info(alice, 'n')
    expect(reply.getChild('query', NS_DISCO_INFO)?.getChild('x', NS_DATA_FORMS)).toBeDefined()
    expect(parseInfo(reply).forms).toStrictEqual([form])
  })

  it('answers the forms registered and claimed on the root and on a mounted node, each in the very next query', async () => {
    const { alice, server } = setup()
    const software = softwareInfoForm({ name: 'Chat', version: '1.2' })
    expect(parseInfo(await info(alice)).forms).toEqual([])
    const release = server.claimForm(software)
    expect(parseInfo(await info(alice)).forms).toStrictEqual([software])
    const node = new StaticNode()
    node.registerIdentity('hierarchy', 'leaf')
    node.registerForm(extendedInfoForm('urn:example:room', { size: '3' }))
    server.mountNode('n', node)
    expect(parseInfo(await info(alice, 'n')).forms).toStrictEqual([extendedInfoForm('urn:example:room', { size: '3' })])
    release()
    node.unregisterForm('urn:example:room')
    expect(parseInfo(await info(alice)).forms).toEqual([])
    expect(parseInfo(await info(alice, 'n')).forms).toEqual([])
  })

  it('answers item-not-found for a node that was never mounted', async () => {
    const { alice } = setup()
    expectError(await info(alice, 'nope'), 'cancel', 'item-not-found')
  })

  it('answers item-not-found for an unmounted node', async () => {
    const { alice, server } = setup()
    const node = new StaticNode()
    node.registerIdentity('hierarchy', 'leaf')
    server.mountNode('n1', node)
    expect((await info(alice, 'n1')).attrs.type).toBe('result')
    server.unmountNode('n1')
    expect(server.getNode('n1')).toBeUndefined()
    expectError(await info(alice, 'n1'), 'cancel', 'item-not-found')
    expectError(await items(alice, 'n1'), 'cancel', 'item-not-found')
  })

  it('answers item-not-found for a mounted node without any identity', async () => {
    const { alice, server } = setup()
    const node = new StaticNode()
    node.registerFeature('urn:a')
    node.items.push({ jid: 'a.example.org' })
    server.mountNode('empty', node)
    expectError(await info(alice, 'empty'), 'cancel', 'item-not-found')
    expectError(await items(alice, 'empty'), 'cancel', 'item-not-found')
  })

  it('never sends duplicate identities or features, whatever a node yields', async () => {
    const { alice, server } = setup()
    class Sloppy extends Node {
      override iterFeatures(): Iterable<string> {
        return [NS_DISCO_INFO, 'urn:a', 'urn:a', NS_DISCO_INFO]
      }
      override iterIdentities(): Iterable<DiscoIdentity> {
        return [
          { category: 'client', type: 'pc', name: 'A' },
          { category: 'client', type: 'pc', name: 'A' },
          { category: 'client', type: 'pc', name: 'B' },
          { category: 'client', type: 'pc', name: 'A', lang: 'en' },
          { category: 'client', type: 'pc', name: 'C', lang: 'en' },
        ]
      }
    }
    server.mountNode('sloppy', new Sloppy())
    const query = expectResult(await info(alice, 'sloppy'), NS_DISCO_INFO)
    expect(query.getChildren('feature').map((f) => f.attrs.var)).toEqual([NS_DISCO_INFO, 'urn:a'])
    expect(query.getChildren('identity').map((i) => i.attrs)).toEqual([
      { category: 'client', type: 'pc', name: 'A' },
      { category: 'client', type: 'pc', name: 'A', 'xml:lang': 'en' },
    ])
  })
})

describe('DiscoServer disco#items', () => {
  it('lists the root items and the listed mounts, with our full JID and the mountpoint', async () => {
    const { alice, server } = setup()
    server.items.push({ jid: 'pubsub.example.org', name: 'PubSub' })
    const listed = new StaticNode()
    listed.registerIdentity('hierarchy', 'branch')
    const unlisted = new StaticNode()
    unlisted.registerIdentity('hierarchy', 'leaf')
    server.mountNode('music', listed, { listed: true, name: 'Music' })
    server.mountNode('hidden', unlisted)
    server.mountNode('bare', listed, { listed: true })
    const query = expectResult(await items(alice), NS_DISCO_ITEMS)
    expect(query.attrs.node).toBeUndefined()
    expect(parseItems(query)).toStrictEqual({
      items: [
        { jid: 'pubsub.example.org', name: 'PubSub' },
        { jid: BOB, node: 'music', name: 'Music' },
        { jid: BOB, node: 'bare' },
      ],
    })
  })

  it('takes a listed mount out of the root items when it is unmounted', async () => {
    const { alice, server } = setup()
    const node = new StaticNode()
    node.registerIdentity('hierarchy', 'branch')
    server.mountNode('music', node, { listed: true, name: 'Music' })
    server.unmountNode('music')
    expect(parseItems(await items(alice)).items).toEqual([])
  })

  it('answers an empty <query/> when there are no items', async () => {
    const { alice } = setup()
    const query = expectResult(await items(alice), NS_DISCO_ITEMS)
    expect(query.getChildElements()).toHaveLength(0)
  })

  it('adds root items with claimItem until released', async () => {
    const { alice, server } = setup()
    const release = server.claimItem({ jid: 'conference.example.org', name: 'Rooms' })
    expect(parseItems(await items(alice)).items).toStrictEqual([{ jid: 'conference.example.org', name: 'Rooms' }])
    release()
    release()
    expect(parseItems(await items(alice)).items).toEqual([])
  })

  it('answers a mounted node with its items and echoes the node', async () => {
    const { alice, server } = setup()
    const node = new StaticNode()
    node.registerIdentity('hierarchy', 'branch')
    node.items.push({ jid: 'bob@example.org/b', node: 'music/jazz', name: 'Jazz' }, { jid: 'a.example.org' })
    server.mountNode('music', node)
    const query = expectResult(await items(alice, 'music'), NS_DISCO_ITEMS)
    expect(query.attrs.node).toBe('music')
    expect(parseItems(query)).toStrictEqual({
      node: 'music',
      items: [{ jid: 'bob@example.org/b', node: 'music/jazz', name: 'Jazz' }, { jid: 'a.example.org' }],
    })
  })

  it('echoes the node of a mounted node with no items', async () => {
    const { alice, server } = setup()
    const node = new Node()
    node.registerIdentity('hierarchy', 'leaf')
    server.mountNode('leaf', node)
    const query = expectResult(await items(alice, 'leaf'), NS_DISCO_ITEMS)
    expect(query.attrs.node).toBe('leaf')
    expect(query.getChildElements()).toHaveLength(0)
  })

  it('answers item-not-found for a node that was never mounted', async () => {
    const { alice } = setup()
    expectError(await items(alice, 'nope'), 'cancel', 'item-not-found')
  })
})

describe('DiscoServer disco#items pages (XEP-0059)', () => {
  /** bob's root lists `count` items room000@conference.example.org ...; a mounted node 'dir' lists them too. */
  function paged(count: number) {
    const ctx = setup()
    const list = Array.from({ length: count }, (_, i) => ({ jid: `room${String(i).padStart(3, '0')}@conference.example.org` }))
    ctx.server.items.push(...list)
    const dir = new StaticNode()
    dir.registerIdentity('hierarchy', 'branch')
    dir.items = list
    ctx.server.mountNode('dir', dir)
    return { ...ctx, list }
  }
  const rsmSet = (request: RsmRequest) => rsmRequestToXml(request)
  function page(from: FakeEntity, request: RsmRequest | XmlElement, node?: string): Promise<XmlElement> {
    const set = 'name' in request ? (request as XmlElement) : rsmSet(request as RsmRequest)
    return rawQuery(from, BOB, NS_DISCO_ITEMS, node === undefined ? {} : { node }, set)
  }
  const jids = (query: XmlElement) => parseItems(query).items.map((i) => i.jid)
  const rsmOfReply = (query: XmlElement) => parseItemsPage(query).rsm

  it('answers every item, and no <set/>, to a request without <set/>', async () => {
    const { alice, list } = paged(250)
    const query = expectResult(await items(alice), NS_DISCO_ITEMS)
    expect(jids(query)).toEqual(list.map((i) => i.jid))
    expect(query.getChild('set', NS_RSM)).toBeUndefined()
  })

  it('answers the first page with first (index 0), last and count', async () => {
    const { alice, list } = paged(250)
    const query = expectResult(await page(alice, { max: 10 }), NS_DISCO_ITEMS)
    expect(jids(query)).toEqual(list.slice(0, 10).map((i) => i.jid))
    expect(rsmOfReply(query)).toEqual({ first: list[0]?.jid, firstIndex: 0, last: list[9]?.jid, count: 250 })
  })

  it('answers the page after the last UID of the previous one, on a mounted node too, echoing the node', async () => {
    const { alice, list } = paged(250)
    const query = expectResult(await page(alice, { max: 10, after: list[9]?.jid as string }, 'dir'), NS_DISCO_ITEMS)
    expect(query.attrs.node).toBe('dir')
    expect(jids(query)).toEqual(list.slice(10, 20).map((i) => i.jid))
    expect(rsmOfReply(query)).toMatchObject({ firstIndex: 10, count: 250 })
  })

  it('answers the last page for an empty <before/>, and the page before a UID', async () => {
    const { alice, list } = paged(250)
    const last = expectResult(await page(alice, { max: 10, before: '' }), NS_DISCO_ITEMS)
    expect(jids(last)).toEqual(list.slice(240).map((i) => i.jid))
    expect(rsmOfReply(last)).toMatchObject({ firstIndex: 240, count: 250 })
    const before = expectResult(await page(alice, { max: 10, before: list[240]?.jid as string }), NS_DISCO_ITEMS)
    expect(jids(before)).toEqual(list.slice(230, 240).map((i) => i.jid))
  })

  it('answers the page at an index, and an empty page with the count past the end', async () => {
    const { alice, list } = paged(250)
    const query = expectResult(await page(alice, { max: 5, index: 100 }), NS_DISCO_ITEMS)
    expect(jids(query)).toEqual(list.slice(100, 105).map((i) => i.jid))
    expect(rsmOfReply(query)).toMatchObject({ firstIndex: 100 })
    const past = expectResult(await page(alice, { max: 5, index: 250 }), NS_DISCO_ITEMS)
    expect(jids(past)).toEqual([])
    expect(rsmOfReply(past)).toEqual({ count: 250 })
  })

  it('caps a page at 100 items (maxPageSize), whatever is asked, and without <max/>', async () => {
    const { alice, server } = paged(250)
    expect(jids(expectResult(await page(alice, xml('set', { xmlns: NS_RSM }, xml('max', {}, '1000'))), NS_DISCO_ITEMS))).toHaveLength(100)
    expect(jids(expectResult(await page(alice, xml('set', { xmlns: NS_RSM })), NS_DISCO_ITEMS))).toHaveLength(100)
    server.maxPageSize = 30
    expect(jids(expectResult(await page(alice, xml('set', { xmlns: NS_RSM }, xml('max', {}, '50'))), NS_DISCO_ITEMS))).toHaveLength(30)
    expect(() => {
      server.maxPageSize = 0
    }).toThrow(InvalidInputError)
  })

  it('answers item-not-found for an after or before that names no item', async () => {
    const { alice } = paged(20)
    expectError(await page(alice, { max: 5, after: 'gone@conference.example.org' }), 'cancel', 'item-not-found')
    expectError(await page(alice, { max: 5, before: 'gone@conference.example.org' }, 'dir'), 'cancel', 'item-not-found')
  })

  it('answers bad-request for a malformed <set/>', async () => {
    const { alice } = paged(20)
    expectError(await page(alice, xml('set', { xmlns: NS_RSM }, xml('max', {}, 'many'))), 'modify', 'bad-request')
  })

  it('visits every item once, in order, when walked page by page', async () => {
    const { alice, list } = paged(250)
    const seen: string[] = []
    let after: string | undefined
    for (let pages = 0; pages < 50; pages++) {
      const query = expectResult(await page(alice, after === undefined ? { max: 37 } : { max: 37, after }), NS_DISCO_ITEMS)
      seen.push(...jids(query))
      after = rsmOfReply(query)?.last
      if (after === undefined) break
    }
    expect(seen).toEqual(list.map((i) => i.jid))
  })

  it('names items that are nodes of one JID apart, with the node in the UID', async () => {
    const { alice, server } = setup()
    server.items.push({ jid: 'pubsub.example.org', node: 'a' }, { jid: 'pubsub.example.org', node: 'b' }, { jid: 'pubsub.example.org', node: 'c' })
    const first = expectResult(await page(alice, { max: 2 }), NS_DISCO_ITEMS)
    expect(rsmOfReply(first)).toEqual({ first: 'pubsub.example.org a', firstIndex: 0, last: 'pubsub.example.org b', count: 3 })
    const next = expectResult(await page(alice, { max: 2, after: 'pubsub.example.org b' }), NS_DISCO_ITEMS)
    expect(parseItems(next).items).toEqual([{ jid: 'pubsub.example.org', node: 'c' }])
  })
})

describe('DiscoServer per requester', () => {
  class HiddenFromEve extends StaticNode {
    readonly requesters: (string | undefined)[] = []
    constructor() {
      super()
      this.registerIdentity('hierarchy', 'branch')
      this.items.push({ jid: 'secret.example.org' })
    }
    override iterIdentities(request?: XmlElement): Iterable<DiscoIdentity> {
      this.requesters.push(request?.attrs.from)
      return request?.attrs.from === EVE ? [] : super.iterIdentities(request)
    }
  }

  it('answers item-not-found to the requester a node hides from, for info and items', async () => {
    const { eve, server } = setup()
    server.mountNode('private', new HiddenFromEve())
    expectError(await info(eve, 'private'), 'cancel', 'item-not-found')
    expectError(await items(eve, 'private'), 'cancel', 'item-not-found')
  })

  it('answers the others normally', async () => {
    const { alice, server } = setup()
    const node = new HiddenFromEve()
    server.mountNode('private', node)
    expect(parseInfo(expectResult(await info(alice, 'private'), NS_DISCO_INFO)).identities).toStrictEqual([
      { category: 'hierarchy', type: 'branch' },
    ])
    expect(parseItems(expectResult(await items(alice, 'private'), NS_DISCO_ITEMS)).items).toStrictEqual([
      { jid: 'secret.example.org' },
    ])
    expect(node.requesters).toEqual([ALICE, ALICE])
  })

  it('hands the request stanza to the node so features and items can differ per requester', async () => {
    const { alice, eve, server } = setup()
    class PerRequester extends StaticNode {
      override iterFeatures(request?: XmlElement): Iterable<string> {
        const base = [...super.iterFeatures(request)]
        return request?.attrs.from === ALICE ? [...base, 'urn:friends-only'] : base
      }
      override iterItems(request?: XmlElement): Iterable<DiscoItem> {
        return request?.attrs.from === ALICE ? this.items : []
      }
    }
    const node = new PerRequester()
    node.registerIdentity('hierarchy', 'branch')
    node.items.push({ jid: 'friends.example.org' })
    server.mountNode('n', node)
    expect(parseInfo(await info(alice, 'n')).features).toEqual([NS_DISCO_INFO, 'urn:friends-only'])
    expect(parseInfo(await info(eve, 'n')).features).toEqual([NS_DISCO_INFO])
    expect(parseItems(await items(alice, 'n')).items).toStrictEqual([{ jid: 'friends.example.org' }])
    expect(parseItems(await items(eve, 'n')).items).toEqual([])
  })
})

describe('DiscoServer type=set', () => {
  it('answers service-unavailable to a set on disco#info or disco#items without asking any node', async () => {
    const { alice, server } = setup()
    const mounted = new StaticNode()
    mounted.registerIdentity('hierarchy', 'leaf')
    const node = counting(mounted)
    server.mountNode('n', node)
    const root = counting(server)
    for (const ns of [NS_DISCO_INFO, NS_DISCO_ITEMS]) {
      expectError(await rawQuery(alice, BOB, ns, { type: 'set' }), 'cancel', 'service-unavailable')
      expectError(await rawQuery(alice, BOB, ns, { type: 'set', node: 'n' }), 'cancel', 'service-unavailable')
      expectError(await rawQuery(alice, BOB, ns, { type: 'set', node: 'nope' }), 'cancel', 'service-unavailable')
    }
    expect(node.calls).toEqual([])
    expect(root.calls).toEqual([])
    // The counters do count: a get reaches both.
    await info(alice)
    await info(alice, 'n')
    expect(root.calls).toContain('toInfo')
    expect(node.calls).toContain('iterIdentities')
  })
})

describe('DiscoServer failing nodes', () => {
  const SECRET = 'database password is hunter2'

  class Broken extends Node {
    constructor(readonly where: 'identities' | 'features' | 'items') {
      super()
      this.registerIdentity('hierarchy', 'leaf')
    }
    override iterIdentities(request?: XmlElement): Iterable<DiscoIdentity> {
      if (this.where === 'identities') throw new Error(SECRET)
      return super.iterIdentities(request)
    }
    override iterFeatures(request?: XmlElement): Iterable<string> {
      if (this.where === 'features') throw new TypeError(SECRET)
      return super.iterFeatures(request)
    }
    override iterItems(): Iterable<DiscoItem> {
      if (this.where === 'items') throw new RangeError(SECRET)
      return []
    }
  }

  it.each([
    ['iterIdentities', 'identities', NS_DISCO_INFO],
    ['iterIdentities', 'identities', NS_DISCO_ITEMS],
    ['iterFeatures', 'features', NS_DISCO_INFO],
    ['iterItems', 'items', NS_DISCO_ITEMS],
  ] as const)('answers internal-server-error without details when %s throws (%s, %s)', async (_, where, ns) => {
    const { net, alice, server } = setup()
    server.mountNode('broken', new Broken(where))
    const reply = await rawQuery(alice, BOB, ns, { node: 'broken' })
    expectError(reply, 'cancel', 'internal-server-error')
    // Not passed on as the client's 'error' event either, which would crash a client without a listener.
    expect(net.errors).toEqual([])
    const text = reply.toString()
    expect(text).not.toContain('hunter2')
    expect(text).not.toContain('Error')
    expect(text).not.toContain('.ts')
    expect(text).not.toContain('<text')
  })

  it('keeps answering other nodes after one failed', async () => {
    const { alice, server } = setup()
    server.mountNode('broken', new Broken('identities'))
    expectError(await info(alice, 'broken'), 'cancel', 'internal-server-error')
    expect((await info(alice)).attrs.type).toBe('result')
  })
})

describe('DiscoServer replies', () => {
  it('sends exactly one reply, with the request id, to every get', async () => {
    const { alice, bob, server } = setup()
    const node = new StaticNode()
    node.registerIdentity('hierarchy', 'leaf')
    server.mountNode('n', node)
    class Throws extends Node {
      override iterIdentities(): Iterable<DiscoIdentity> {
        throw new Error('x')
      }
    }
    server.mountNode('throws', new Throws())
    const received: XmlElement[] = []
    alice.on('element', (el: XmlElement) => received.push(el))
    const cases: [string, { node?: string; type?: 'get' | 'set' }, string][] = [
      [NS_DISCO_INFO, {}, 'result'],
      [NS_DISCO_INFO, { node: 'n' }, 'result'],
      [NS_DISCO_INFO, { node: 'nope' }, 'error'],
      [NS_DISCO_INFO, { node: 'throws' }, 'error'],
      [NS_DISCO_INFO, { type: 'set' }, 'error'],
      [NS_DISCO_ITEMS, {}, 'result'],
      [NS_DISCO_ITEMS, { node: 'n' }, 'result'],
      [NS_DISCO_ITEMS, { node: 'nope' }, 'error'],
      [NS_DISCO_ITEMS, { node: 'throws' }, 'error'],
      [NS_DISCO_ITEMS, { type: 'set' }, 'error'],
    ]
    for (const [ns, attrs, type] of cases) {
      const reply = await rawQuery(alice, BOB, ns, attrs)
      expect(reply.attrs.type).toBe(type)
      expect(reply.attrs.to).toBe(ALICE)
    }
    await settle()
    const requests = alice.sent.filter((s) => s.is('iq'))
    expect(requests).toHaveLength(cases.length)
    for (const request of requests) {
      expect(received.filter((el) => el.attrs.id === request.attrs.id)).toHaveLength(1)
      expect(bob.sent.filter((el) => el.attrs.id === request.attrs.id)).toHaveLength(1)
    }
    expect(bob.sent).toHaveLength(cases.length)
  })

  it('does not answer a result or an error', async () => {
    const { alice, bob } = setup()
    await alice.send(xml('iq', { type: 'result', id: 'r1', to: BOB }, xml('query', { xmlns: NS_DISCO_INFO })))
    await alice.send(xml('iq', { type: 'error', id: 'r2', to: BOB }, xml('query', { xmlns: NS_DISCO_ITEMS })))
    await settle()
    expect(bob.sent).toHaveLength(0)
  })
})

describe('DiscoServer mounts', () => {
  it('throws RegistrationError not-registered when unmounting an unknown mountpoint', () => {
    const { server } = setup()
    let caught: unknown
    try {
      server.unmountNode('nope')
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(RegistrationError)
    expect((caught as RegistrationError).reason).toBe('not-registered')
  })

  it('throws RegistrationError when unmounting twice', () => {
    const { server } = setup()
    server.mountNode('n', new StaticNode())
    server.unmountNode('n')
    expect(() => server.unmountNode('n')).toThrow(RegistrationError)
  })

  it('rejects an empty or invalid mountpoint with InvalidInputError and mounts nothing', () => {
    const { server } = setup()
    const node = new StaticNode()
    expect(() => server.mountNode('', node)).toThrow(InvalidInputError)
    expect(() => server.mountNode('a\u0000b', node)).toThrow(InvalidInputError)
    expect(() => server.mountNode(undefined as unknown as string, node)).toThrow(InvalidInputError)
    expect(server.getNode('')).toBeUndefined()
    expect(server.getNode('a\u0000b')).toBeUndefined()
  })

  it('rejects something that is not a Node, and an invalid item name', () => {
    const { server } = setup()
    expect(() => server.mountNode('n', {} as Node)).toThrow(InvalidInputError)
    expect(() => server.mountNode('n', new StaticNode(), { listed: true, name: '' })).toThrow(InvalidInputError)
    expect(server.getNode('n')).toBeUndefined()
  })

  it('replaces the node mounted at a mountpoint', async () => {
    const { alice, server } = setup()
    const first = new StaticNode()
    first.registerIdentity('hierarchy', 'leaf')
    const second = new StaticNode()
    second.registerIdentity('hierarchy', 'branch')
    server.mountNode('n', first)
    server.mountNode('n', second)
    expect(server.getNode('n')).toBe(second)
    expect(parseInfo(await info(alice, 'n')).identities).toStrictEqual([{ category: 'hierarchy', type: 'branch' }])
  })

  it('sees changes of a mounted node in the next query', async () => {
    const { alice, server } = setup()
    const node = new StaticNode()
    node.registerIdentity('hierarchy', 'leaf')
    server.mountNode('n', node)
    node.registerFeature('urn:later')
    node.items.push({ jid: 'later.example.org' })
    expect(parseInfo(await info(alice, 'n')).features).toContain('urn:later')
    expect(parseItems(await items(alice, 'n')).items).toStrictEqual([{ jid: 'later.example.org' }])
  })
})

describe('DiscoServer declared nodes', () => {
  const settled = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

  it('forgets a declared node once it is unmounted and declares nothing (a node per chat room does not stay)', async () => {
    const { server } = setup()
    const node = server.declaredNode('room-1')
    const releaseFeature = node.claimFeature('urn:example:room')
    const releaseMount = server.claimNode('room-1', node)
    releaseMount()
    releaseFeature()
    await settled()
    expect(server.declaredNode('room-1')).not.toBe(node)
  })

  it('keeps a declared node while it is mounted, or while it declares something', async () => {
    const { server } = setup()
    const mounted = server.declaredNode('mounted')
    const releaseMount = server.claimNode('mounted', mounted)
    mounted.claimFeature('urn:example:gone')()
    const held = server.declaredNode('held')
    held.claimFeature('urn:example:kept')
    server.claimNode('held', held)()
    await settled()
    expect(server.declaredNode('mounted')).toBe(mounted)
    expect(server.declaredNode('held')).toBe(held)
    releaseMount()
  })

  it('keeps a declared node that is mounted again within the same task (StrictMode remounts at once)', async () => {
    const { server } = setup()
    const node = server.declaredNode('n')
    server.claimNode('n', node)()
    const again = server.claimNode('n', node)
    await settled()
    expect(server.declaredNode('n')).toBe(node)
    again()
  })

  it('shares a forgotten declared node again once it is mounted again', async () => {
    const { server } = setup()
    const node = server.declaredNode('n')
    server.claimNode('n', node)()
    await settled()
    server.mountNode('n', node)
    server.unmountNode('n')
    node.claimFeature('urn:example:kept')
    expect(server.declaredNode('n')).toBe(node)
  })
})

describe('DiscoServer reply cache', () => {
  it('builds the disco#info reply of a node once and reuses it until the node changes', async () => {
    const { alice, server } = setup()
    const node = new StaticNode()
    node.registerIdentity('hierarchy', 'leaf')
    server.mountNode('n', node)
    const first = await info(alice, 'n')
    const second = await info(alice, 'n')
    expect(second.getChild('query', NS_DISCO_INFO)).toBe(first.getChild('query', NS_DISCO_INFO))
    node.registerFeature('urn:example:new')
    const third = expectResult(await info(alice, 'n'), NS_DISCO_INFO)
    expect(third).not.toBe(first.getChild('query', NS_DISCO_INFO))
    expect(parseInfo(third).features).toContain('urn:example:new')
    expect(third.attrs.node).toBe('n')
  })

  it('answers a change made inside a still-open batch at once, before its notification', async () => {
    const { alice, server } = setup()
    await info(alice)
    let notified = 0
    server.onInfoChanged(() => notified++)
    server.coalesce(() => server.claimFeature('urn:example:coalesced'))
    const reply = expectResult(await info(alice), NS_DISCO_INFO)
    expect(parseInfo(reply).features).toContain('urn:example:coalesced')
    expect(notified).toBe(1)
  })

  it('keeps one cached reply per mountpoint of a node mounted twice', async () => {
    const { alice, server } = setup()
    const node = new StaticNode()
    node.registerIdentity('hierarchy', 'leaf')
    server.mountNode('a', node)
    server.mountNode('b', node)
    expect(expectResult(await info(alice, 'a'), NS_DISCO_INFO).attrs.node).toBe('a')
    expect(expectResult(await info(alice, 'b'), NS_DISCO_INFO).attrs.node).toBe('b')
    expect(expectResult(await info(alice, 'a'), NS_DISCO_INFO).attrs.node).toBe('a')
  })

  it('builds the reply anew for every request to a node that answers per requester', async () => {
    const { alice, eve, server } = setup()
    let asked = 0
    class PerRequester extends Node {
      override iterIdentities(request?: XmlElement): Iterable<DiscoIdentity> {
        asked++
        return [{ category: 'hierarchy', type: 'leaf', name: request?.attrs.from ?? 'nobody' }]
      }
    }
    server.mountNode('p', new PerRequester())
    const toAlice = parseInfo(expectResult(await info(alice, 'p'), NS_DISCO_INFO))
    const reply = await info(eve, 'p')
    expect(reply.attrs.type).toBe('result')
    const toEve = parseInfo(reply)
    expect(toAlice.identities[0]?.name).toBe(ALICE)
    expect(toEve.identities[0]?.name).toBe(EVE)
    expect(asked).toBe(2)
  })
  it('builds the disco#items reply of a node once and reuses it while the node lists the same items', async () => {
    const { alice, server } = setup()
    const node = new StaticNode()
    node.registerIdentity('hierarchy', 'branch')
    node.items.push({ jid: 'a.example.org' }, { jid: 'b.example.org', node: 'n', name: 'B' })
    server.mountNode('n', node)
    const first = expectResult(await items(alice, 'n'), NS_DISCO_ITEMS)
    expect(expectResult(await items(alice, 'n'), NS_DISCO_ITEMS)).toBe(first)
    // A new array with equal items is the same list.
    node.items = node.items.map((item) => ({ ...item }))
    expect(expectResult(await items(alice, 'n'), NS_DISCO_ITEMS)).toBe(first)
    expect(first.attrs.node).toBe('n')
  })

  it('answers what the app changed in place: items pushed, removed, reordered, and fields of an item', async () => {
    const { alice, server } = setup()
    server.items.push({ jid: 'a.example.org' }, { jid: 'b.example.org', name: 'B' })
    const answer = async () => parseItems(expectResult(await items(alice), NS_DISCO_ITEMS)).items
    expect(await answer()).toEqual([{ jid: 'a.example.org' }, { jid: 'b.example.org', name: 'B' }])
    server.items.push({ jid: 'c.example.org' })
    expect((await answer()).map((i) => i.jid)).toEqual(['a.example.org', 'b.example.org', 'c.example.org'])
    server.items.splice(0, 1)
    expect((await answer()).map((i) => i.jid)).toEqual(['b.example.org', 'c.example.org'])
    server.items.reverse()
    expect((await answer()).map((i) => i.jid)).toEqual(['c.example.org', 'b.example.org'])
    const b = server.items[1] as DiscoItem
    b.name = 'Renamed'
    expect((await answer())[1]).toEqual({ jid: 'b.example.org', name: 'Renamed' })
    b.node = 'x'
    expect((await answer())[1]).toEqual({ jid: 'b.example.org', node: 'x', name: 'Renamed' })
    delete b.name
    expect((await answer())[1]).toEqual({ jid: 'b.example.org', node: 'x' })
  })

  it('reuses a built page for the same <set/> and answers the pages of a changed list anew', async () => {
    const { alice, server } = setup()
    const node = new StaticNode()
    node.registerIdentity('hierarchy', 'branch')
    node.items = Array.from({ length: 30 }, (_, i) => ({ jid: `room${String(i).padStart(2, '0')}@conference.example.org` }))
    server.mountNode('dir', node)
    const ask = async (request: RsmRequest) =>
      expectResult(await rawQuery(alice, BOB, NS_DISCO_ITEMS, { node: 'dir' }, rsmRequestToXml(request)), NS_DISCO_ITEMS)
    const second = await ask({ max: 10, after: 'room09@conference.example.org' })
    expect(await ask({ max: 10, after: 'room09@conference.example.org' })).toBe(second)
    expect(parseItems(second).items.map((i) => i.jid)).toEqual(node.items.slice(10, 20).map((i) => i.jid))
    node.items.splice(10, 1)
    const changed = await ask({ max: 10, after: 'room09@conference.example.org' })
    expect(changed).not.toBe(second)
    expect(parseItems(changed).items[0]?.jid).toBe('room11@conference.example.org')
    expect(parseItemsPage(changed).rsm?.count).toBe(29)
  })
})
