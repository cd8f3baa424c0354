import { describe, expect, it } from 'vitest'
import { DiscoServer } from '../../src/core/DiscoServer.js'
import { InvalidInputError, RegistrationError } from '../../src/core/errors.js'
import { parseInfo } from '../../src/core/model.js'
import { NS_DISCO_INFO, NS_DISCO_ITEMS } from '../../src/core/namespaces.js'
import { Node } from '../../src/core/Node.js'
import { RegisteredFeature } from '../../src/core/RegisteredFeature.js'
import type { XmppClient } from '../../src/core/XmppClient.js'
import { watchedNode } from '../helpers/watchedNode.js'
import { FakeNetwork, rawQuery } from '../helpers/fakeNetwork.js'
import type { FakeEntity } from '../helpers/fakeNetwork.js'

// FakeEntity is an EventEmitter, whose `on` TypeScript will not match to the structural XmppClient.
function client(entity: FakeEntity): XmppClient {
  return entity as unknown as XmppClient
}

const V = 'urn:xmpp:jingle:1'

function features(node: Node): string[] {
  return [...node.iterFeatures()]
}

describe('RegisteredFeature', () => {
  it('registers the feature on construction and reports enabled', () => {
    const node = new Node()
    const f = new RegisteredFeature(node, V)
    expect(f.enabled).toBe(true)
    expect(features(node)).toEqual([NS_DISCO_INFO, V])
  })

  it('can be created disabled', () => {
    const node = new Node()
    const f = new RegisteredFeature(node, V, { enabled: false })
    expect(f.enabled).toBe(false)
    expect(features(node)).toEqual([NS_DISCO_INFO])
    f.enabled = true
    expect(features(node)).toEqual([NS_DISCO_INFO, V])
  })

  it('exposes the feature it controls', () => {
    const f = new RegisteredFeature(new Node(), V)
    expect(f.feature).toBe(V)
    expect(() => {
      ;(f as unknown as { feature: string }).feature = 'urn:other'
    }).toThrow(TypeError)
    expect(f.feature).toBe(V)
  })

  it('unregisters the feature when enabled is set to false and registers it again on true', () => {
    const node = new Node()
    const f = new RegisteredFeature(node, V)
    f.enabled = false
    expect(f.enabled).toBe(false)
    expect(features(node)).toEqual([NS_DISCO_INFO])
    f.enabled = true
    expect(f.enabled).toBe(true)
    expect(features(node)).toEqual([NS_DISCO_INFO, V])
  })

  it('is idempotent when set to the same value twice', () => {
    const w = watchedNode()
    const f = new RegisteredFeature(w.node, V)
    f.enabled = true
    f.enabled = true
    expect(features(w.node)).toEqual([NS_DISCO_INFO, V])
    expect(w.count).toBe(1)
    f.enabled = false
    f.enabled = false
    expect(features(w.node)).toEqual([NS_DISCO_INFO])
    expect(w.count).toBe(2)
  })

  it('fires onInfoChanged once per toggle', () => {
    const w = watchedNode()
    const f = new RegisteredFeature(w.node, V)
    expect(w.count).toBe(1)
    f.enabled = false
    expect(w.count).toBe(2)
    f.enabled = true
    expect(w.count).toBe(3)
    f[Symbol.dispose]()
    expect(w.count).toBe(4)
  })

  it('unregisters on [Symbol.dispose]() and does nothing on a second dispose', () => {
    const node = new Node()
    const f = new RegisteredFeature(node, V)
    f[Symbol.dispose]()
    expect(f.enabled).toBe(false)
    expect(features(node)).toEqual([NS_DISCO_INFO])
    f[Symbol.dispose]()
    expect(features(node)).toEqual([NS_DISCO_INFO])
  })

  it('holds the feature for a `using` block only', () => {
    const node = new Node()
    const inside: string[][] = []
    {
      using f = new RegisteredFeature(node, V)
      inside.push(features(node))
      expect(f.enabled).toBe(true)
    }
    expect(inside).toEqual([[NS_DISCO_INFO, V]])
    expect(features(node)).toEqual([NS_DISCO_INFO])
  })

  it('releases the feature when a `using` block throws', () => {
    const node = new Node()
    expect(() => {
      using _f = new RegisteredFeature(node, V)
      throw new Error('inside')
    }).toThrow('inside')
    expect(features(node)).toEqual([NS_DISCO_INFO])
  })

  it('keeps a feature two objects hold until both are disabled', () => {
    const w = watchedNode()
    const a = new RegisteredFeature(w.node, V)
    const b = new RegisteredFeature(w.node, V)
    expect(features(w.node)).toEqual([NS_DISCO_INFO, V])
    a.enabled = false
    expect(features(w.node)).toEqual([NS_DISCO_INFO, V])
    expect(b.enabled).toBe(true)
    a.enabled = false
    expect(features(w.node)).toEqual([NS_DISCO_INFO, V])
    b[Symbol.dispose]()
    expect(features(w.node)).toEqual([NS_DISCO_INFO])
    expect(w.count).toBe(2)
  })

  it('leaves a strictly registered feature in place when disabled', () => {
    const node = new Node()
    node.registerFeature(V)
    const f = new RegisteredFeature(node, V)
    f.enabled = false
    expect(features(node)).toEqual([NS_DISCO_INFO, V])
  })

  it('does nothing wrong when the feature was unregistered strictly in between', () => {
    const node = new Node()
    const f = new RegisteredFeature(node, V)
    node.unregisterFeature(V)
    node.registerFeature(V)
    f.enabled = false
    expect(features(node)).toEqual([NS_DISCO_INFO, V])
    expect(() => node.unregisterFeature(V)).not.toThrow()
    expect(() => node.unregisterFeature(V)).toThrow(RegistrationError)
  })

  it('reads enabled false once a strict unregisterFeature removed the feature, and claims it again on true', () => {
    const w = watchedNode()
    const f = new RegisteredFeature(w.node, V)
    w.node.unregisterFeature(V)
    expect(f.enabled).toBe(false)
    expect(features(w.node)).toEqual([NS_DISCO_INFO])
    f.enabled = true
    expect(f.enabled).toBe(true)
    expect(features(w.node)).toEqual([NS_DISCO_INFO, V])
    expect(w.count).toBe(3)
    f.enabled = false
    expect(features(w.node)).toEqual([NS_DISCO_INFO])
  })

  it('reads enabled false after the strict unregister even once the feature is registered again by someone else', () => {
    const node = new Node()
    const f = new RegisteredFeature(node, V)
    node.unregisterFeature(V)
    node.registerFeature(V)
    expect(f.enabled).toBe(false)
    // Its claim went with the unregister: the strict registration alone holds V now.
    f.enabled = true
    f.enabled = false
    expect(features(node)).toEqual([NS_DISCO_INFO, V])
  })

  it('accepts the mandatory disco#info feature without changing anything', () => {
    const w = watchedNode()
    const f = new RegisteredFeature(w.node, NS_DISCO_INFO)
    expect(f.enabled).toBe(true)
    f.enabled = false
    expect(features(w.node)).toEqual([NS_DISCO_INFO])
    expect(w.count).toBe(0)
  })

  it('rejects an empty or invalid feature var before registering anything', () => {
    const w = watchedNode()
    expect(() => new RegisteredFeature(w.node, '')).toThrow(InvalidInputError)
    expect(() => new RegisteredFeature(w.node, 'urn:\u0000')).toThrow(InvalidInputError)
    expect(features(w.node)).toEqual([NS_DISCO_INFO])
    expect(w.count).toBe(0)
  })

  it('shows and hides the feature in the DiscoServer answers', async () => {
    const net = new FakeNetwork()
    const alice = net.entity('alice@example.org/a')
    const bob = net.entity('bob@example.org/b')
    const f = new RegisteredFeature(DiscoServer.for(client(bob)), V)
    expect(parseInfo(await rawQuery(alice, 'bob@example.org/b', NS_DISCO_INFO)).features).toEqual([NS_DISCO_INFO, NS_DISCO_ITEMS, V])
    f.enabled = false
    expect(parseInfo(await rawQuery(alice, 'bob@example.org/b', NS_DISCO_INFO)).features).toEqual([NS_DISCO_INFO, NS_DISCO_ITEMS])
  })
})
