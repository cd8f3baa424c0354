// advertisedCaps alone: what a peer's presence advertises, and what of it is
// ignored (oversized strings, algorithms a XEP does not allow, too many hashes).
import xml from '@xmpp/xml'
import { describe, expect, it } from 'vitest'
import { NS_CAPS, NS_CAPS2, NS_HASHES } from '../../../src/core/index.js'
import { advertisedCaps } from '../../../src/core/caps/advertisedCaps.js'
import type { AdvertisedCaps, ReadCaps } from '../../../src/core/caps/advertisedCaps.js'
import { Lru } from '../../../src/core/caps/Lru.js'
import { must } from '../../helpers/capsWorld.js'

const caps = (ver: string, attrs: Record<string, string | undefined> = { hash: 'sha-1' }): AdvertisedCaps =>
  must(advertisedCaps(xml('presence', {}, xml('c', { xmlns: NS_CAPS, node: 'https://peer.example', ver, ...attrs }))))

describe('advertisedCaps', () => {
  const hashSet = (...hashes: [string, string][]) =>
    xml('c', { xmlns: NS_CAPS2 }, ...hashes.map(([algo, value]) => xml('hash', { xmlns: NS_HASHES, algo }, value)))

  it('reads XEP-0115 and XEP-0390 caps, XEP-0390 hashes first, and queries node#ver', () => {
    const read = must(
      advertisedCaps(
        xml('presence', {}, xml('c', { xmlns: NS_CAPS, node: 'https://n.example', ver: 'V=', hash: 'sha-1' }), hashSet(['sha-256', 'H='])),
      ),
    )
    expect(read.queryNode).toBe('https://n.example#V=')
    expect(read.keys.map((k) => k.id)).toEqual(['ecaps2 sha-256 H=', 'caps sha-1 V='])
    expect(read.legacy).toBe(false)
  })

  it('queries the hash node of a XEP-0390-only presence, and keys only the algorithms each XEP allows', () => {
    const read = must(advertisedCaps(xml('presence', {}, hashSet(['blake2b-256', 'B='], ['sha-1', 'S='], ['sha-512', 'H=']))))
    expect(read.queryNode).toBe('urn:xmpp:caps#blake2b-256.B=')
    expect(read.keys.map((k) => k.id)).toEqual(['ecaps2 sha-512 H='])
  })

  it('tells legacy caps (no hash) from unknown algorithms, and ignores what is oversized or absent', () => {
    expect(caps('1.0', {}).legacy).toBe(true)
    const md5 = caps('x', { hash: 'md5' })
    expect(md5.legacy).toBe(false)
    expect(md5.keys).toEqual([])
    expect(advertisedCaps(xml('presence', {}, xml('c', { xmlns: NS_CAPS, node: 'n', ver: 'v'.repeat(1025), hash: 'sha-1' })))).toBeUndefined()
    expect(advertisedCaps(xml('presence', {}, xml('status', {}, 'no caps')))).toBeUndefined()
    const many = Array.from({ length: 20 }, (_, i): [string, string] => ['sha-256', `H${i}=`])
    expect(must(advertisedCaps(xml('presence', {}, hashSet(...many)))).keys).toHaveLength(8)
  })

  it('gives equal caps one signature and different caps different ones, whatever the attributes contain', () => {
    const sig = (...children: ReturnType<typeof xml>[]) => must(advertisedCaps(xml('presence', {}, ...children))).signature
    const c = (attrs: Record<string, string>) => xml('c', { xmlns: NS_CAPS, ...attrs })
    expect(sig(c({ node: 'n', ver: 'v', hash: 'sha-1' }))).toBe(sig(c({ node: 'n', ver: 'v', hash: 'sha-1' })))
    const distinct = [
      sig(c({ node: 'n', ver: 'v', hash: 'sha-1' })),
      sig(c({ node: 'n', ver: 'v' })),
      sig(c({ node: 'n', ver: 'v', hash: '' })),
      sig(c({ node: 'n', ver: 'v', hash: '-' })),
      sig(c({ node: 'n', ver: 'w', hash: 'sha-1' })),
      sig(c({ node: 'n#v', ver: '', hash: 'sha-1' }), hashSet(['sha-256', 'H='])),
      sig(c({ node: 'n', ver: 'v', hash: 'sha-1' }), hashSet(['sha-256', 'H='])),
      // A NUL from a character reference cannot make two different caps look alike.
      sig(c({ node: 'b\u0000n', ver: 'v', hash: 'a' })),
      sig(c({ node: 'n', ver: 'v', hash: 'a\u0000b' })),
    ]
    expect(new Set(distinct).size).toBe(distinct.length)
  })

  it('shares the keys of caps equal to some read before, in an object of its own for each presence', () => {
    const read: ReadCaps = new Lru(10)
    const presence = () => xml('presence', {}, xml('c', { xmlns: NS_CAPS, node: 'https://n.example', ver: 'V=', hash: 'sha-1' }), hashSet(['sha-256', 'H=']))
    const first = must(advertisedCaps(presence(), read))
    const second = must(advertisedCaps(presence(), read))
    expect(second).not.toBe(first)
    expect(second.keys).toBe(first.keys)
    expect(second).toEqual(first)
    expect(second).toEqual(advertisedCaps(presence()))
  })

  it('does not take the caps of another ver for equal ones when node#ver reads alike', () => {
    const read: ReadCaps = new Lru(10)
    const c = (node: string, ver: string) => xml('presence', {}, xml('c', { xmlns: NS_CAPS, node, ver, hash: 'sha-1' }))
    expect(must(advertisedCaps(c('a#b', 'c'), read)).keys.map((k) => k.value)).toEqual(['c'])
    expect(must(advertisedCaps(c('a', 'b#c'), read)).keys.map((k) => k.value)).toEqual(['b#c'])
  })
})
