// CapsState alone: what peers' caps make us remember stays bounded, and a
// JID flooding vers is ignored for the rest of the minute.
import xml from '@xmpp/xml'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { NS_CAPS } from '../../../src/core/index.js'
import { advertisedCaps } from '../../../src/core/caps/advertisedCaps.js'
import type { AdvertisedCaps } from '../../../src/core/caps/advertisedCaps.js'
import { CapsState } from '../../../src/core/caps/CapsState.js'
import { must } from '../../helpers/capsWorld.js'

const caps = (ver: string, attrs: Record<string, string | undefined> = { hash: 'sha-1' }): AdvertisedCaps =>
  must(advertisedCaps(xml('presence', {}, xml('c', { xmlns: NS_CAPS, node: 'https://peer.example', ver, ...attrs }))))

afterEach(() => {
  vi.useRealTimers()
})

describe('CapsState', () => {
  it('maps a JID to its most recent caps, and reports a change only when they differ', () => {
    const state = new CapsState({})
    expect(state.advertise('a@x/r', caps('v1'))).toBe(true)
    expect(state.advertise('a@x/r', caps('v1'))).toBe(false)
    expect(state.capsOf('a@x/r')?.queryNode).toBe('https://peer.example#v1')
    expect(state.advertise('a@x/r', caps('v2'))).toBe(true)
    expect(state.capsOf('a@x/r')?.queryNode).toBe('https://peer.example#v2')
    state.unavailable('a@x/r')
    expect(state.capsOf('a@x/r')).toBeUndefined()
    expect(state.jids).toBe(1)
  })

  it('remembers at most maxJids JIDs, the least recently used going first', () => {
    const state = new CapsState({ maxJids: 3 })
    for (const jid of ['a@x/r', 'b@x/r', 'c@x/r']) state.advertise(jid, caps('v'))
    state.capsOf('a@x/r', true)
    state.advertise('d@x/r', caps('v'))
    expect(state.jids).toBe(3)
    expect(state.capsOf('b@x/r')).toBeUndefined()
    expect(state.capsOf('a@x/r')).toBeDefined()
    state.clear()
    expect(state.jids).toBe(0)
  })

  it('keeps at most maxHashes verified results, and forgets them only when told', () => {
    const state = new CapsState({ maxHashes: 2 })
    const info = { identities: [{ category: 'client', type: 'pc' }], features: [], forms: [] }
    for (const id of ['caps sha-1 a', 'caps sha-1 b', 'caps sha-1 c']) state.verified.set(id, info)
    expect(state.verified.size).toBe(2)
    state.clear()
    expect(state.verified.size).toBe(2)
    state.clear(true)
    expect(state.verified.size).toBe(0)
  })

  it('ignores the caps of a JID past maxVersPerMinute until the minute has passed, saying so once', () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const state = new CapsState({ maxVersPerMinute: 3 })
    for (let i = 0; i < 3; i++) expect(state.advertise('f@x/r', caps(`v${i}`))).toBe(true)
    // The fourth: the mapping changes once more (its caps are now ignored) ...
    expect(state.advertise('f@x/r', caps('v3'))).toBe(true)
    expect(state.capsOf('f@x/r')).toBeUndefined()
    // ... and then not at all while it floods.
    expect(state.advertise('f@x/r', caps('v4'))).toBe(false)
    expect(state.capsOf('f@x/r')).toBeUndefined()
    vi.advanceTimersByTime(60_000)
    expect(state.advertise('f@x/r', caps('v5'))).toBe(true)
    expect(state.capsOf('f@x/r')?.queryNode).toBe('https://peer.example#v5')
  })
})
