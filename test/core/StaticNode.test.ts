import xml from '@xmpp/xml'
import { describe, expect, it } from 'vitest'
import { extendedInfoForm, softwareInfoForm } from '../../src/core/extendedInfoForm.js'
import type { DataForm, DiscoIdentity, DiscoItem } from '../../src/core/model.js'
import { NS_DISCO_INFO, NS_DISCO_ITEMS } from '../../src/core/namespaces.js'
import { Node, StaticNode } from '../../src/core/Node.js'
import type { XmlElement } from '../../src/core/xml.js'

function items(node: Node, req?: XmlElement): DiscoItem[] {
  return [...node.iterItems(req)]
}

describe('StaticNode items', () => {
  it('starts with no items', () => {
    const node = new StaticNode()
    expect(node.items).toEqual([])
    expect(items(node)).toEqual([])
  })

  it('returns its items from iterItems, the very objects', () => {
    const node = new StaticNode()
    const a: DiscoItem = { jid: 'pubsub.example.org', node: 'news', name: 'News' }
    const b: DiscoItem = { jid: 'bob@example.org/b' }
    node.items.push(a, b)
    const out = items(node)
    expect(out).toStrictEqual([
      { jid: 'pubsub.example.org', node: 'news', name: 'News' },
      { jid: 'bob@example.org/b' },
    ])
    expect(out[0]).toBe(a)
    expect(out[1]).toBe(b)
  })

  it('reflects a replaced items array', () => {
    const node = new StaticNode()
    node.items.push({ jid: 'a.example.org' })
    node.items = [{ jid: 'b.example.org' }]
    expect(items(node)).toStrictEqual([{ jid: 'b.example.org' }])
  })

  it('returns the same items whoever asks', () => {
    const node = new StaticNode()
    node.items.push({ jid: 'a.example.org' })
    const req = xml('iq', { type: 'get', from: 'eve@example.org/e', id: '1' }, xml('query', { xmlns: NS_DISCO_ITEMS }))
    expect(items(node, req)).toStrictEqual(items(node))
  })

  it('counts claims of one jid and node: one entry, removed with the last release', () => {
    const node = new StaticNode()
    const first: DiscoItem = { jid: 'a.example.org' }
    const twin: DiscoItem = { jid: 'a.example.org' }
    const other: DiscoItem = { jid: 'a.example.org', node: 'n' }
    const releaseFirst = node.claimItem(first)
    const releaseTwin = node.claimItem(twin)
    node.claimItem(other)
    expect(node.items).toEqual([first, other])
    releaseFirst()
    expect(node.items).toEqual([first, other])
    releaseTwin()
    expect(node.items).toEqual([other])
    expect(node.items[0]).toBe(other)
  })

  it('does nothing when an item release is called twice', () => {
    const node = new StaticNode()
    const item: DiscoItem = { jid: 'a.example.org' }
    const r1 = node.claimItem(item)
    node.claimItem(item)
    r1()
    r1()
    expect(node.items).toEqual([item])
  })

  it('releases from the items array as it is at release time', () => {
    const node = new StaticNode()
    const item: DiscoItem = { jid: 'a.example.org' }
    const release = node.claimItem(item)
    node.items = [{ jid: 'b.example.org' }, ...node.items]
    release()
    expect(node.items).toStrictEqual([{ jid: 'b.example.org' }])
  })

  it('releases without complaint an item the app already removed', () => {
    const node = new StaticNode()
    const item: DiscoItem = { jid: 'a.example.org' }
    const release = node.claimItem(item)
    node.items.length = 0
    node.items.push({ jid: 'b.example.org' })
    release()
    expect(node.items).toStrictEqual([{ jid: 'b.example.org' }])
  })

  it('is a Node with identities and features', () => {
    const node = new StaticNode()
    node.registerIdentity('hierarchy', 'branch')
    node.registerFeature('urn:a')
    expect(node).toBeInstanceOf(Node)
    expect(node.toInfo()).toStrictEqual({
      identities: [{ category: 'hierarchy', type: 'branch' }],
      features: [NS_DISCO_INFO, 'urn:a'],
      forms: [],
    })
  })
})

describe('StaticNode.clone', () => {
  function original(): StaticNode {
    const node = new StaticNode()
    node.registerIdentity('client', 'pc', { names: { '': 'Chat', de: 'Plaudern' } })
    node.registerIdentity('client', 'bot')
    node.registerFeature('urn:a')
    node.registerFeature('urn:b')
    node.items.push({ jid: 'a.example.org', node: 'n', name: 'A' }, { jid: 'b.example.org' })
    return node
  }

  it('copies features, identities with their names and languages, and items', () => {
    const node = original()
    const clone = StaticNode.clone(node)
    expect(clone).toBeInstanceOf(StaticNode)
    expect(clone).not.toBe(node)
    expect(clone.toInfo()).toStrictEqual({
      identities: [
        { category: 'client', type: 'pc', name: 'Chat' },
        { category: 'client', type: 'pc', name: 'Plaudern', lang: 'de' },
        { category: 'client', type: 'bot' },
      ],
      features: [NS_DISCO_INFO, 'urn:a', 'urn:b'],
      forms: [],
    })
    expect(clone.toInfo()).toStrictEqual(node.toInfo())
    expect(items(clone)).toStrictEqual(items(node))
  })

  it('is not affected by later changes to the original features and identities', () => {
    const node = original()
    const clone = StaticNode.clone(node)
    const before = clone.toInfo()
    node.registerFeature('urn:c')
    node.unregisterFeature('urn:a')
    node.setIdentityNames('client', 'pc', { en: 'Renamed' })
    node.unregisterIdentity('client', 'bot')
    node.claimIdentity('gateway', 'irc')
    expect(clone.toInfo()).toStrictEqual(before)
  })

  it('does not affect the original when the clone changes', () => {
    const node = original()
    const before = node.toInfo()
    const clone = StaticNode.clone(node)
    clone.registerFeature('urn:c')
    clone.unregisterIdentity('client', 'bot')
    clone.setIdentityNames('client', 'pc', {})
    clone.items.push({ jid: 'c.example.org' })
    expect(node.toInfo()).toStrictEqual(before)
    expect(node.items).toHaveLength(2)
  })

  it('shares the item objects but not the array', () => {
    const node = original()
    const clone = StaticNode.clone(node)
    expect(clone.items).not.toBe(node.items)
    expect(clone.items[0]).toBe(node.items[0])
    expect(clone.items[1]).toBe(node.items[1])
    const [first] = node.items
    if (first) first.name = 'Changed in place'
    expect(clone.items[0]?.name).toBe('Changed in place')
    node.items.push({ jid: 'c.example.org' })
    expect(clone.items).toHaveLength(2)
  })

  it('does not pass the original listeners on', () => {
    const node = original()
    let calls = 0
    node.onInfoChanged(() => calls++)
    const clone = StaticNode.clone(node)
    clone.registerFeature('urn:c')
    expect(calls).toBe(0)
  })

  it('clones a bare Node, which has no items', () => {
    const node = new Node()
    node.registerIdentity('hierarchy', 'leaf', { names: { en: 'Leaf' } })
    node.registerFeature('urn:a')
    const clone = StaticNode.clone(node)
    expect(clone.items).toEqual([])
    expect(clone.toInfo()).toStrictEqual(node.toInfo())
  })

  it('copies what claims hold, with the names shown', () => {
    const node = new Node()
    node.claimIdentity('client', 'pc', { names: { '': 'Old' } })
    node.claimIdentity('client', 'pc', { names: { '': 'Shown' } })
    node.claimFeature('urn:claimed')
    const clone = StaticNode.clone(node)
    expect(clone.toInfo()).toStrictEqual({
      identities: [{ category: 'client', type: 'pc', name: 'Shown' }],
      features: [NS_DISCO_INFO, 'urn:claimed'],
      forms: [],
    })
  })

  it('copies registered and claimed forms, and later form changes stay on their side', () => {
    const node = original()
    node.registerForm(softwareInfoForm({ name: 'Chat', version: '1.2' }))
    const release = node.claimForm(extendedInfoForm('urn:example:claimed', { a: ['1', '2'] }))
    const clone = StaticNode.clone(node)
    expect(clone.toInfo().forms).toStrictEqual(node.toInfo().forms)
    expect(clone.toInfo().forms).toHaveLength(2)
    release()
    clone.unregisterForm('urn:xmpp:dataforms:softwareinfo')
    expect(node.toInfo().forms).toHaveLength(1)
    expect(clone.toInfo().forms).toStrictEqual([extendedInfoForm('urn:example:claimed', { a: ['1', '2'] })])
  })

  it('copies the xml:lang of an identity that has no name', () => {
    class LangOnly extends Node {
      override iterIdentities(): Iterable<DiscoIdentity> {
        return [
          { category: 'client', type: 'pc', lang: 'en' },
          { category: 'client', type: 'pc', name: 'Plaudern', lang: 'de' },
          { category: 'client', type: 'bot' },
        ]
      }
    }
    const node = new LangOnly()
    expect(StaticNode.clone(node).toInfo()).toStrictEqual(node.toInfo())
    expect(StaticNode.clone(node).toInfo().identities[0]).toStrictEqual({ category: 'client', type: 'pc', lang: 'en' })
  })

  it('throws rather than clone less: a subclass form without a hidden FORM_TYPE cannot be registered', () => {
    class Legacy extends Node {
      override iterForms(): Iterable<DataForm> {
        return [{ type: 'result', fields: [{ var: 'os', values: ['Mac'] }] }]
      }
    }
    const node = new Legacy()
    node.registerIdentity('client', 'pc')
    expect(() => StaticNode.clone(node)).toThrow(expect.objectContaining({ name: 'RegistrationError', reason: 'invalid' }))
  })

  it('clones a subclass from its iter* output as seen by everybody', () => {
    const shared: DiscoItem = { jid: 'dyn.example.org', node: 'x' }
    class Dynamic extends Node {
      override iterFeatures(req?: XmlElement): Iterable<string> {
        return req ? ['urn:per-request'] : [NS_DISCO_INFO, 'urn:dyn', 'urn:dyn']
      }
      override iterIdentities(req?: XmlElement): Iterable<DiscoIdentity> {
        if (req) return []
        return [
          { category: 'automation', type: 'command-list', name: 'Commands' },
          { category: 'automation', type: 'command-list', name: 'Befehle', lang: 'de' },
        ]
      }
      override iterItems(req?: XmlElement): Iterable<DiscoItem> {
        return req ? [] : [shared]
      }
    }
    const clone = StaticNode.clone(new Dynamic())
    expect(clone.toInfo()).toStrictEqual({
      identities: [
        { category: 'automation', type: 'command-list', name: 'Commands' },
        { category: 'automation', type: 'command-list', name: 'Befehle', lang: 'de' },
      ],
      features: [NS_DISCO_INFO, 'urn:dyn'],
      forms: [],
    })
    expect(clone.items).toHaveLength(1)
    expect(clone.items[0]).toBe(shared)
  })
})
