import xml from '@xmpp/xml'
import { describe, expect, it } from 'vitest'
import { InvalidInputError, RegistrationError } from '../../src/core/errors.js'
import type { RegistrationErrorReason } from '../../src/core/errors.js'
import type { DiscoIdentity } from '../../src/core/model.js'
import { NS_DISCO_INFO } from '../../src/core/namespaces.js'
import { MANDATORY_FEATURES, Node } from '../../src/core/Node.js'
import type { XmlElement } from '../../src/core/xml.js'

/** Counts onInfoChanged notifications. */
function watch(node: Node): { readonly count: number; stop: () => void } {
  let count = 0
  const stop = node.onInfoChanged(() => {
    count++
  })
  return {
    get count() {
      return count
    },
    stop,
  }
}

function expectRegistrationError(fn: () => unknown, reason: RegistrationErrorReason): void {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(RegistrationError)
  expect((caught as RegistrationError).reason).toBe(reason)
}

function request(from: string): XmlElement {
  return xml('iq', { type: 'get', id: 'r1', from, to: 'bob@example.org/b' }, xml('query', { xmlns: NS_DISCO_INFO }))
}

function features(node: Node, req?: XmlElement): string[] {
  return [...node.iterFeatures(req)]
}

function identities(node: Node, req?: XmlElement): DiscoIdentity[] {
  return [...node.iterIdentities(req)]
}

/** A node with one identity, the usual starting point. */
function nodeWithIdentity(): Node {
  const node = new Node()
  node.registerIdentity('client', 'pc')
  return node
}

describe('Node features', () => {
  it('has only the mandatory disco#info feature when new', () => {
    const node = new Node()
    expect(MANDATORY_FEATURES).toEqual([NS_DISCO_INFO])
    expect(features(node)).toEqual([NS_DISCO_INFO])
  })

  it('lists registered features after disco#info, in registration order', () => {
    const node = new Node()
    node.registerFeature('urn:b')
    node.registerFeature('urn:a')
    expect(features(node)).toEqual([NS_DISCO_INFO, 'urn:b', 'urn:a'])
  })

  it('always yields disco#info first, whatever was registered and removed', () => {
    const node = new Node()
    node.registerFeature('urn:a')
    node.registerFeature('urn:b')
    node.unregisterFeature('urn:a')
    const release = node.claimFeature('urn:c')
    node.registerFeature('urn:a')
    expect(features(node)[0]).toBe(NS_DISCO_INFO)
    expect(features(node)).toEqual([NS_DISCO_INFO, 'urn:b', 'urn:c', 'urn:a'])
    release()
    expect(features(node)).toEqual([NS_DISCO_INFO, 'urn:b', 'urn:a'])
  })

  it('throws RegistrationError duplicate when a feature is registered twice', () => {
    const node = new Node()
    node.registerFeature('urn:a')
    expectRegistrationError(() => node.registerFeature('urn:a'), 'duplicate')
    expect(features(node)).toEqual([NS_DISCO_INFO, 'urn:a'])
  })

  it('throws RegistrationError duplicate when a claim already holds the feature', () => {
    const node = new Node()
    node.claimFeature('urn:a')
    expectRegistrationError(() => node.registerFeature('urn:a'), 'duplicate')
  })

  it('throws RegistrationError mandatory when disco#info is registered', () => {
    const node = new Node()
    expectRegistrationError(() => node.registerFeature(NS_DISCO_INFO), 'mandatory')
    expect(features(node)).toEqual([NS_DISCO_INFO])
  })

  it('removes a feature with unregisterFeature and allows registering it again', () => {
    const node = new Node()
    node.registerFeature('urn:a')
    node.registerFeature('urn:b')
    node.unregisterFeature('urn:a')
    expect(features(node)).toEqual([NS_DISCO_INFO, 'urn:b'])
    node.registerFeature('urn:a')
    expect(features(node)).toEqual([NS_DISCO_INFO, 'urn:b', 'urn:a'])
  })

  it('throws RegistrationError not-registered when unregistering an unknown feature', () => {
    const node = new Node()
    expectRegistrationError(() => node.unregisterFeature('urn:a'), 'not-registered')
    node.registerFeature('urn:a')
    node.unregisterFeature('urn:a')
    expectRegistrationError(() => node.unregisterFeature('urn:a'), 'not-registered')
  })

  it('refuses to unregister disco#info as not-registered and keeps it', () => {
    const node = new Node()
    expectRegistrationError(() => node.unregisterFeature(NS_DISCO_INFO), 'not-registered')
    expect(features(node)).toEqual([NS_DISCO_INFO])
  })

  it('removes a feature held by claims when it is unregistered strictly', () => {
    const node = new Node()
    node.claimFeature('urn:a')
    node.unregisterFeature('urn:a')
    expect(features(node)).toEqual([NS_DISCO_INFO])
  })
})

describe('Node identities', () => {
  it('has no identity when new', () => {
    expect(identities(new Node())).toEqual([])
  })

  it('yields an identity without name or lang when registered without names', () => {
    const node = nodeWithIdentity()
    expect(identities(node)).toStrictEqual([{ category: 'client', type: 'pc' }])
  })

  it('yields one identity per name, the empty key meaning no xml:lang', () => {
    const node = new Node()
    node.registerIdentity('client', 'pc', { names: { '': 'Chat', en: 'Chat', de: 'Plaudern', 'zh-Hant-TW': '聊天' } })
    expect(identities(node)).toStrictEqual([
      { category: 'client', type: 'pc', name: 'Chat' },
      { category: 'client', type: 'pc', name: 'Chat', lang: 'en' },
      { category: 'client', type: 'pc', name: 'Plaudern', lang: 'de' },
      { category: 'client', type: 'pc', name: '聊天', lang: 'zh-Hant-TW' },
    ])
  })

  it('yields only language-tagged identities when there is no empty key', () => {
    const node = new Node()
    node.registerIdentity('client', 'pc', { names: { fr: 'Causette' } })
    expect(identities(node)).toStrictEqual([{ category: 'client', type: 'pc', name: 'Causette', lang: 'fr' }])
  })

  it('keeps several identities with distinct category/type in registration order', () => {
    const node = new Node()
    node.registerIdentity('client', 'pc')
    node.registerIdentity('client', 'phone', { names: { '': 'Phone' } })
    node.registerIdentity('gateway', 'irc')
    expect(identities(node)).toStrictEqual([
      { category: 'client', type: 'pc' },
      { category: 'client', type: 'phone', name: 'Phone' },
      { category: 'gateway', type: 'irc' },
    ])
  })

  it('copies the names: changing the passed object later changes nothing', () => {
    const node = new Node()
    const names: Record<string, string> = { '': 'A' }
    node.registerIdentity('client', 'pc', { names })
    names[''] = 'B'
    names.en = 'C'
    expect(identities(node)).toStrictEqual([{ category: 'client', type: 'pc', name: 'A' }])
  })

  it('throws RegistrationError duplicate when category/type is registered twice, keeping the first names', () => {
    const node = new Node()
    node.registerIdentity('client', 'pc', { names: { '': 'A' } })
    expectRegistrationError(() => node.registerIdentity('client', 'pc', { names: { '': 'B' } }), 'duplicate')
    expect(identities(node)).toStrictEqual([{ category: 'client', type: 'pc', name: 'A' }])
  })

  it('throws RegistrationError duplicate when a claim already holds the identity', () => {
    const node = new Node()
    node.claimIdentity('client', 'pc', { names: { '': 'Claimed' } })
    expectRegistrationError(() => node.registerIdentity('client', 'pc', { names: { '': 'Strict' } }), 'duplicate')
    expect(identities(node)).toStrictEqual([{ category: 'client', type: 'pc', name: 'Claimed' }])
  })

  it('replaces all names with setIdentityNames', () => {
    const node = new Node()
    node.registerIdentity('client', 'pc', { names: { '': 'Old', de: 'Alt' } })
    node.setIdentityNames('client', 'pc', { en: 'New' })
    expect(identities(node)).toStrictEqual([{ category: 'client', type: 'pc', name: 'New', lang: 'en' }])
    node.setIdentityNames('client', 'pc')
    expect(identities(node)).toStrictEqual([{ category: 'client', type: 'pc' }])
  })

  it('throws RegistrationError not-registered from setIdentityNames for an unknown identity', () => {
    const node = nodeWithIdentity()
    expectRegistrationError(() => node.setIdentityNames('client', 'phone', { '': 'x' }), 'not-registered')
    expect(identities(node)).toStrictEqual([{ category: 'client', type: 'pc' }])
  })

  it('removes an identity with unregisterIdentity', () => {
    const node = nodeWithIdentity()
    node.registerIdentity('client', 'phone')
    node.unregisterIdentity('client', 'pc')
    expect(identities(node)).toStrictEqual([{ category: 'client', type: 'phone' }])
  })

  it('throws RegistrationError not-registered when unregistering an unknown identity', () => {
    const node = nodeWithIdentity()
    node.registerIdentity('client', 'phone')
    expectRegistrationError(() => node.unregisterIdentity('client', 'web'), 'not-registered')
    expectRegistrationError(() => new Node().unregisterIdentity('client', 'pc'), 'not-registered')
    expect(identities(node)).toHaveLength(2)
  })

  it('refuses to remove the last identity with RegistrationError last-identity', () => {
    const node = nodeWithIdentity()
    expectRegistrationError(() => node.unregisterIdentity('client', 'pc'), 'last-identity')
    expect(identities(node)).toStrictEqual([{ category: 'client', type: 'pc' }])
  })

  it('treats category and type as one key: same category with another type is another identity', () => {
    const node = nodeWithIdentity()
    node.registerIdentity('pc', 'client')
    expect(identities(node)).toStrictEqual([
      { category: 'client', type: 'pc' },
      { category: 'pc', type: 'client' },
    ])
  })
})

describe('Node items and forms', () => {
  it('has no items and no forms', () => {
    const node = nodeWithIdentity()
    expect([...node.iterItems()]).toEqual([])
    expect([...node.iterForms()]).toEqual([])
    expect(node.toInfo().forms).toEqual([])
  })
})

describe('Node onInfoChanged', () => {
  it('fires exactly once for each strict change', () => {
    const node = new Node()
    const w = watch(node)
    node.registerFeature('urn:a')
    expect(w.count).toBe(1)
    node.unregisterFeature('urn:a')
    expect(w.count).toBe(2)
    node.registerIdentity('client', 'pc')
    expect(w.count).toBe(3)
    node.registerIdentity('client', 'phone')
    expect(w.count).toBe(4)
    node.setIdentityNames('client', 'pc', { '': 'PC' })
    expect(w.count).toBe(5)
    node.unregisterIdentity('client', 'phone')
    expect(w.count).toBe(6)
  })

  it('lets the listener see the new state', () => {
    const node = new Node()
    const seen: string[][] = []
    node.onInfoChanged(() => seen.push(features(node)))
    node.registerFeature('urn:a')
    expect(seen).toEqual([[NS_DISCO_INFO, 'urn:a']])
  })

  it('does not fire for a call that throws', () => {
    const node = nodeWithIdentity()
    node.registerFeature('urn:a')
    const w = watch(node)
    expect(() => node.registerFeature('urn:a')).toThrow(RegistrationError)
    expect(() => node.registerFeature(NS_DISCO_INFO)).toThrow(RegistrationError)
    expect(() => node.unregisterFeature('urn:nope')).toThrow(RegistrationError)
    expect(() => node.unregisterFeature(NS_DISCO_INFO)).toThrow(RegistrationError)
    expect(() => node.registerIdentity('client', 'pc')).toThrow(RegistrationError)
    expect(() => node.setIdentityNames('client', 'web')).toThrow(RegistrationError)
    expect(() => node.unregisterIdentity('client', 'web')).toThrow(RegistrationError)
    expect(() => node.unregisterIdentity('client', 'pc')).toThrow(RegistrationError)
    expect(() => node.registerFeature('')).toThrow(InvalidInputError)
    expect(w.count).toBe(0)
  })

  it('stops calling a listener after its unsubscribe, and only that listener', () => {
    const node = new Node()
    const a = watch(node)
    const b = watch(node)
    node.registerFeature('urn:a')
    a.stop()
    node.registerFeature('urn:b')
    a.stop()
    node.registerFeature('urn:c')
    expect(a.count).toBe(1)
    expect(b.count).toBe(3)
  })

  it('calls every listener once per change', () => {
    const node = new Node()
    const calls: string[] = []
    node.onInfoChanged(() => calls.push('first'))
    node.onInfoChanged(() => calls.push('second'))
    node.registerFeature('urn:a')
    expect(calls).toEqual(['first', 'second'])
  })
})

describe('Node batch', () => {
  it('fires once, at the end, for all changes made inside', () => {
    const node = new Node()
    const w = watch(node)
    const counts: number[] = []
    node.batch(() => {
      node.registerFeature('urn:a')
      node.registerFeature('urn:b')
      node.registerIdentity('client', 'pc')
      node.claimFeature('urn:c')
      counts.push(w.count)
    })
    expect(counts).toEqual([0])
    expect(w.count).toBe(1)
    expect(features(node)).toEqual([NS_DISCO_INFO, 'urn:a', 'urn:b', 'urn:c'])
  })

  it('fires once at the end of the outermost of nested batches', () => {
    const node = new Node()
    const w = watch(node)
    node.batch(() => {
      node.registerFeature('urn:a')
      node.batch(() => {
        node.registerFeature('urn:b')
        node.batch(() => node.registerFeature('urn:c'))
      })
      expect(w.count).toBe(0)
      node.registerFeature('urn:d')
    })
    expect(w.count).toBe(1)
  })

  it('returns what the function returns', () => {
    const node = new Node()
    expect(node.batch(() => 42)).toBe(42)
  })

  it('does not fire when nothing changed inside', () => {
    const node = new Node()
    const w = watch(node)
    node.batch(() => {
      expect(() => node.unregisterFeature('urn:nope')).toThrow(RegistrationError)
    })
    expect(w.count).toBe(0)
  })

  it('still fires once for the changes made before the function threw, and rethrows', () => {
    const node = new Node()
    const w = watch(node)
    const boom = new Error('boom')
    expect(() =>
      node.batch(() => {
        node.registerFeature('urn:a')
        throw boom
      }),
    ).toThrow(boom)
    expect(w.count).toBe(1)
    node.registerFeature('urn:b')
    expect(w.count).toBe(2)
  })

  it('fires once per batch for consecutive batches', () => {
    const node = new Node()
    const w = watch(node)
    node.batch(() => node.registerFeature('urn:a'))
    node.batch(() => node.registerFeature('urn:b'))
    expect(w.count).toBe(2)
  })
})

describe('Node coalesce', () => {
  it('fires once for every coalesce call of one synchronous pass, after the microtasks', async () => {
    const node = new Node()
    const w = watch(node)
    node.coalesce(() => node.registerFeature('urn:a'))
    node.coalesce(() => node.registerFeature('urn:b'))
    node.coalesce(() => node.claimIdentity('client', 'pc'))
    expect(w.count).toBe(0)
    await Promise.resolve()
    expect(w.count).toBe(1)
    expect(features(node)).toEqual([NS_DISCO_INFO, 'urn:a', 'urn:b'])
  })

  it('fires again for a later pass', async () => {
    const node = new Node()
    const w = watch(node)
    node.coalesce(() => node.registerFeature('urn:a'))
    await Promise.resolve()
    node.coalesce(() => node.registerFeature('urn:b'))
    node.coalesce(() => node.registerFeature('urn:c'))
    await Promise.resolve()
    expect(w.count).toBe(2)
  })

  it('folds a batch run inside the pass into the same notification', async () => {
    const node = new Node()
    const w = watch(node)
    node.coalesce(() => node.registerFeature('urn:a'))
    node.batch(() => node.registerFeature('urn:b'))
    expect(w.count).toBe(0)
    await Promise.resolve()
    expect(w.count).toBe(1)
  })

  it('returns what the function returns and does not fire without changes', async () => {
    const node = new Node()
    const w = watch(node)
    expect(node.coalesce(() => 'x')).toBe('x')
    await Promise.resolve()
    expect(w.count).toBe(0)
  })
})

describe('Node feature claims', () => {
  it('keeps a feature claimed twice until both claims are released', () => {
    const node = new Node()
    const w = watch(node)
    const r1 = node.claimFeature('urn:a')
    const r2 = node.claimFeature('urn:a')
    expect(features(node)).toEqual([NS_DISCO_INFO, 'urn:a'])
    expect(w.count).toBe(1)
    r1()
    expect(features(node)).toEqual([NS_DISCO_INFO, 'urn:a'])
    expect(w.count).toBe(1)
    r2()
    expect(features(node)).toEqual([NS_DISCO_INFO])
    expect(w.count).toBe(2)
  })

  it('does nothing when a release is called twice', () => {
    const node = new Node()
    const r1 = node.claimFeature('urn:a')
    node.claimFeature('urn:a')
    r1()
    r1()
    expect(features(node)).toEqual([NS_DISCO_INFO, 'urn:a'])
  })

  it('keeps a strictly registered feature when a claim on it is released', () => {
    const node = new Node()
    node.registerFeature('urn:a')
    const release = node.claimFeature('urn:a')
    release()
    expect(features(node)).toEqual([NS_DISCO_INFO, 'urn:a'])
  })

  it('does nothing wrong when released after a strict unregister, even once the feature is back', () => {
    const node = new Node()
    const r1 = node.claimFeature('urn:a')
    node.unregisterFeature('urn:a')
    const w = watch(node)
    r1()
    expect(features(node)).toEqual([NS_DISCO_INFO])
    expect(w.count).toBe(0)
    node.registerFeature('urn:a')
    const r2 = node.claimFeature('urn:b')
    r1()
    expect(features(node)).toEqual([NS_DISCO_INFO, 'urn:a', 'urn:b'])
    r2()
    expect(features(node)).toEqual([NS_DISCO_INFO, 'urn:a'])
  })

  it('does not let a stale release remove a claim made after a strict unregister', () => {
    const node = new Node()
    const old = node.claimFeature('urn:a')
    node.unregisterFeature('urn:a')
    const fresh = node.claimFeature('urn:a')
    old()
    expect(features(node)).toEqual([NS_DISCO_INFO, 'urn:a'])
    fresh()
    expect(features(node)).toEqual([NS_DISCO_INFO])
  })

  it('reports a claim as held until it is released or a strict unregister removes the feature', () => {
    const node = new Node()
    const released = node.claimFeature('urn:a')
    const dropped = node.claimFeature('urn:b')
    const other = node.claimFeature('urn:b')
    expect([released.held, dropped.held, other.held]).toEqual([true, true, true])
    released()
    node.unregisterFeature('urn:b')
    expect([released.held, dropped.held, other.held]).toEqual([false, false, false])
    // Claimed again after the unregister: a new claim holds it, the old ones stay dropped.
    const fresh = node.claimFeature('urn:b')
    dropped()
    expect([dropped.held, fresh.held]).toEqual([false, true])
    expect(features(node)).toEqual([NS_DISCO_INFO, 'urn:b'])
  })

  it('reports a claim of disco#info as held until it is released', () => {
    const release = new Node().claimFeature(NS_DISCO_INFO)
    expect(release.held).toBe(true)
    release()
    expect(release.held).toBe(false)
  })

  it('accepts and ignores a claim of disco#info', () => {
    const node = new Node()
    const w = watch(node)
    const release = node.claimFeature(NS_DISCO_INFO)
    release()
    expect(features(node)).toEqual([NS_DISCO_INFO])
    expect(w.count).toBe(0)
  })
})

describe('Node identity claims', () => {
  it('keeps an identity claimed twice until both claims are released', () => {
    const node = nodeWithIdentity()
    const r1 = node.claimIdentity('client', 'phone')
    const r2 = node.claimIdentity('client', 'phone')
    r1()
    expect(identities(node)).toContainEqual({ category: 'client', type: 'phone' })
    r2()
    expect(identities(node)).toStrictEqual([{ category: 'client', type: 'pc' }])
  })

  it('does nothing when a release is called twice', () => {
    const node = nodeWithIdentity()
    const r1 = node.claimIdentity('client', 'phone')
    node.claimIdentity('client', 'phone')
    r1()
    r1()
    expect(identities(node)).toContainEqual({ category: 'client', type: 'phone' })
  })

  it('shows the newest claim names and brings the older back when it is released', () => {
    const node = new Node()
    const older = node.claimIdentity('client', 'pc', { names: { '': 'Older', de: 'Älter' } })
    const newer = node.claimIdentity('client', 'pc', { names: { '': 'Newer' } })
    expect(identities(node)).toStrictEqual([{ category: 'client', type: 'pc', name: 'Newer' }])
    newer()
    expect(identities(node)).toStrictEqual([
      { category: 'client', type: 'pc', name: 'Older' },
      { category: 'client', type: 'pc', name: 'Älter', lang: 'de' },
    ])
    older()
    expect(identities(node)).toEqual([])
  })

  it('keeps the newest names when an older claim is released first', () => {
    const node = new Node()
    const older = node.claimIdentity('client', 'pc', { names: { '': 'Older' } })
    node.claimIdentity('client', 'pc', { names: { '': 'Newer' } })
    older()
    expect(identities(node)).toStrictEqual([{ category: 'client', type: 'pc', name: 'Newer' }])
  })

  it('shows a claim names over the strict registration and the strict names once released', () => {
    const node = new Node()
    node.registerIdentity('client', 'pc', { names: { '': 'Strict' } })
    const release = node.claimIdentity('client', 'pc', { names: { '': 'Claimed' } })
    expect(identities(node)).toStrictEqual([{ category: 'client', type: 'pc', name: 'Claimed' }])
    release()
    expect(identities(node)).toStrictEqual([{ category: 'client', type: 'pc', name: 'Strict' }])
  })

  it('renames the shown claim with setIdentityNames when only claims hold the identity', () => {
    const node = new Node()
    node.claimIdentity('client', 'pc', { names: { '': 'Claimed' } })
    node.setIdentityNames('client', 'pc', { '': 'Renamed' })
    expect(identities(node)).toStrictEqual([{ category: 'client', type: 'pc', name: 'Renamed' }])
  })

  it('may release the last identity: the node then has none', () => {
    const node = new Node()
    const release = node.claimIdentity('client', 'pc')
    release()
    expect(identities(node)).toEqual([])
    expect(node.toInfo().identities).toEqual([])
  })

  it('does nothing wrong when released after a strict unregister, even once the identity is back', () => {
    const node = nodeWithIdentity()
    const stale = node.claimIdentity('client', 'phone', { names: { '': 'Stale' } })
    node.unregisterIdentity('client', 'phone')
    node.registerIdentity('client', 'phone', { names: { '': 'Strict' } })
    const w = watch(node)
    stale()
    stale()
    expect(identities(node)).toStrictEqual([
      { category: 'client', type: 'pc' },
      { category: 'client', type: 'phone', name: 'Strict' },
    ])
    expect(w.count).toBe(0)
  })

  it('fires once for a claim and once for the release that removes the identity', () => {
    const node = nodeWithIdentity()
    const w = watch(node)
    const r1 = node.claimIdentity('client', 'phone')
    expect(w.count).toBe(1)
    r1()
    expect(w.count).toBe(2)
  })

  it('does not fire for a claim or a release that changes nothing a peer sees', () => {
    const node = nodeWithIdentity()
    const r1 = node.claimIdentity('client', 'phone', { names: { '': 'P' } })
    const w = watch(node)
    const r2 = node.claimIdentity('client', 'phone', { names: { '': 'P' } })
    expect(w.count).toBe(0)
    r1()
    expect(w.count).toBe(0)
    r2()
    expect(w.count).toBe(1)
  })

  it('fires when a newer claim changes the names and when its release brings the old ones back', () => {
    const node = nodeWithIdentity()
    node.claimIdentity('client', 'phone', { names: { '': 'A' } })
    const w = watch(node)
    const newer = node.claimIdentity('client', 'phone', { names: { '': 'B' } })
    expect(w.count).toBe(1)
    newer()
    expect(w.count).toBe(2)
    expect(identities(node)).toContainEqual({ category: 'client', type: 'phone', name: 'A' })
  })
})

describe('Node toInfo', () => {
  it('gives identities, features and forms, and no node', () => {
    const node = nodeWithIdentity()
    node.registerFeature('urn:a')
    const info = node.toInfo()
    expect(info).toStrictEqual({
      identities: [{ category: 'client', type: 'pc' }],
      features: [NS_DISCO_INFO, 'urn:a'],
      forms: [],
    })
    expect('node' in info).toBe(false)
  })

  it('returns fresh objects: changing them leaves the node alone', () => {
    const node = new Node()
    node.registerIdentity('client', 'pc', { names: { '': 'A' } })
    const info = node.toInfo()
    const [identity] = info.identities
    if (identity) identity.name = 'changed'
    info.features.push('urn:x')
    expect(node.toInfo()).toStrictEqual({
      identities: [{ category: 'client', type: 'pc', name: 'A' }],
      features: [NS_DISCO_INFO],
      forms: [],
    })
  })

  it('drops duplicate identities and features a subclass yields', () => {
    class Sloppy extends Node {
      override iterFeatures(): Iterable<string> {
        return ['urn:a', NS_DISCO_INFO, 'urn:a', 'urn:b', 'urn:b']
      }
      override iterIdentities(): Iterable<DiscoIdentity> {
        return [
          { category: 'client', type: 'pc', name: 'A' },
          { category: 'client', type: 'pc', name: 'A' },
          { category: 'client', type: 'pc', name: 'Other name, same key' },
          { category: 'client', type: 'pc', name: 'A', lang: 'en' },
          { category: 'client', type: 'pc', name: 'A', lang: 'en' },
          { category: 'client', type: 'bot' },
          { category: 'client', type: 'bot' },
        ]
      }
    }
    expect(new Sloppy().toInfo()).toStrictEqual({
      identities: [
        { category: 'client', type: 'pc', name: 'A' },
        { category: 'client', type: 'pc', name: 'A', lang: 'en' },
        { category: 'client', type: 'bot' },
      ],
      features: [NS_DISCO_INFO, 'urn:a', 'urn:b'],
      forms: [],
    })
  })

  it('adds disco#info even when a subclass forgets it', () => {
    class Forgetful extends Node {
      override iterFeatures(): Iterable<string> {
        return ['urn:a']
      }
    }
    expect(new Forgetful().toInfo().features).toEqual([NS_DISCO_INFO, 'urn:a'])
  })
})

describe('Node subclasses answering per requester', () => {
  class PerRequester extends Node {
    readonly seen: (string | undefined)[] = []
    constructor() {
      super()
      this.registerIdentity('client', 'pc')
      this.registerFeature('urn:public')
    }
    override iterFeatures(req?: XmlElement): Iterable<string> {
      this.seen.push(req?.attrs.from)
      const base = [...super.iterFeatures(req)]
      return req?.attrs.from?.startsWith('admin@') ? [...base, 'urn:admin'] : base
    }
    override iterIdentities(req?: XmlElement): Iterable<DiscoIdentity> {
      return req?.attrs.from?.startsWith('eve@') ? [] : super.iterIdentities(req)
    }
  }

  it('passes the request stanza to iterFeatures and iterIdentities through toInfo', () => {
    const node = new PerRequester()
    const admin = node.toInfo(request('admin@example.org/x'))
    const alice = node.toInfo(request('alice@example.org/a'))
    const eve = node.toInfo(request('eve@example.org/e'))
    expect(admin.features).toEqual([NS_DISCO_INFO, 'urn:public', 'urn:admin'])
    expect(alice.features).toEqual([NS_DISCO_INFO, 'urn:public'])
    expect(alice.identities).toStrictEqual([{ category: 'client', type: 'pc' }])
    expect(eve.identities).toEqual([])
    expect(node.seen).toEqual(['admin@example.org/x', 'alice@example.org/a', 'eve@example.org/e'])
  })

  it('gets undefined as the request outside a query: what everybody sees', () => {
    const node = new PerRequester()
    expect(node.toInfo()).toStrictEqual({
      identities: [{ category: 'client', type: 'pc' }],
      features: [NS_DISCO_INFO, 'urn:public'],
      forms: [],
    })
    expect(node.seen).toEqual([undefined])
  })
})

describe('Node input validation', () => {
  function expectRejected(node: Node, fn: () => unknown): void {
    const before = node.toInfo()
    const w = watch(node)
    expect(fn).toThrow(InvalidInputError)
    expect(node.toInfo()).toStrictEqual(before)
    expect(w.count).toBe(0)
    w.stop()
  }

  const badTexts: [string, unknown][] = [
    ['an empty string', ''],
    ['a NUL', 'urn:a\u0000'],
    ['a newline', 'urn:a\nb'],
    ['a tab', '\turn:a'],
    ['DEL', 'urn:\u007f'],
    ['a C1 control', 'urn:\u0085'],
    ['U+FFFE', 'urn:\ufffe'],
    ['a lone high surrogate', 'urn:a\ud83d'],
    ['a lone low surrogate', 'urn:\ude00b'],
    ['a number', 42],
    ['undefined', undefined],
  ]

  it.each(badTexts)('rejects a feature var with %s', (_, v) => {
    const node = nodeWithIdentity()
    expectRejected(node, () => node.registerFeature(v as string))
    expectRejected(node, () => node.claimFeature(v as string))
  })

  it.each(badTexts)('rejects an identity category or type with %s', (_, v) => {
    const node = nodeWithIdentity()
    expectRejected(node, () => node.registerIdentity(v as string, 'pc'))
    expectRejected(node, () => node.registerIdentity('client', v as string))
    expectRejected(node, () => node.claimIdentity(v as string, 'pc'))
    expectRejected(node, () => node.claimIdentity('client', v as string))
  })

  it.each([
    ['a control character', { '': 'Chat\u0007' }],
    ['a newline', { en: 'Two\nlines' }],
    ['an empty name', { '': '' }],
    ['a non-string name', { '': 5 }],
    ['a lone surrogate', { en: 'Chat \ud83d' }],
    ['two names for one language told apart by case only', { en: 'Chat', EN: 'Talk' }],
  ])('rejects an identity name with %s', (_, names) => {
    const node = nodeWithIdentity()
    const bad = names as unknown as Record<string, string>
    expectRejected(node, () => node.registerIdentity('client', 'phone', { names: bad }))
    expectRejected(node, () => node.claimIdentity('client', 'phone', { names: bad }))
    expectRejected(node, () => node.setIdentityNames('client', 'pc', bad))
  })

  it.each(['en_US', 'en US', '-en', 'en-', 'toolongtag', 'en--us', 'é', ' en'])(
    'rejects the language tag %j and changes nothing',
    (lang) => {
      const node = new Node()
      node.registerIdentity('client', 'pc', { names: { '': 'Chat' } })
      const names = { '': 'ok', [lang]: 'Chat' }
      expectRejected(node, () => node.registerIdentity('client', 'phone', { names }))
      expectRejected(node, () => node.claimIdentity('client', 'phone', { names }))
      expectRejected(node, () => node.claimIdentity('client', 'pc', { names }))
      expectRejected(node, () => node.setIdentityNames('client', 'pc', names))
    },
  )

  it('accepts a character outside the BMP written as a surrogate pair', () => {
    const node = new Node()
    node.registerIdentity('client', 'pc', { names: { '': 'Chat \ud83d\ude00' } })
    node.registerFeature('urn:example:\ud83d\ude00')
    expect(identities(node)[0]?.name).toBe('Chat 😀')
    expect(node.toInfo().features).toContain('urn:example:😀')
  })

  it("takes the name '' of a language as that xml:lang without a name; '' without a language stays an error", () => {
    const node = new Node()
    node.registerIdentity('client', 'pc', { names: { en: '', de: 'Plaudern' } })
    expect(identities(node)).toStrictEqual([
      { category: 'client', type: 'pc', lang: 'en' },
      { category: 'client', type: 'pc', name: 'Plaudern', lang: 'de' },
    ])
    expect(() => node.registerIdentity('client', 'bot', { names: { '': '' } })).toThrow(InvalidInputError)
  })

  it('accepts well-formed language tags', () => {
    const node = new Node()
    node.registerIdentity('client', 'pc', { names: { en: 'a', 'en-GB': 'b', 'sr-Latn-RS': 'c', 'de-CH-1901': 'd' } })
    expect(identities(node).map((i) => i.lang)).toEqual(['en', 'en-GB', 'sr-Latn-RS', 'de-CH-1901'])
  })
})
