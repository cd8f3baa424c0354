import { describe, expect, it } from 'vitest'
import { PageWalk } from '../../src/core/PageWalk.js'

describe('PageWalk', () => {
  it('keeps each (jid, node) once across pages: one JID with several nodes, with and without one', () => {
    const walk = new PageWalk()
    const first = walk.add({
      items: [{ jid: 'pubsub.example.org', node: 'a' }, { jid: 'pubsub.example.org' }, { jid: 'pubsub.example.org', node: 'b' }],
      rsm: { last: '3', count: 6 },
    })
    expect(first).toBe('3')
    walk.add({
      items: [
        { jid: 'pubsub.example.org', node: 'b' },
        { jid: 'pubsub.example.org' },
        { jid: 'pubsub.example.org', node: '' },
        { jid: 'pubsub.example.org', node: 'c' },
        { jid: 'pubsub.example.org', node: 'c', name: 'again' },
      ],
    })
    expect(walk.items).toStrictEqual([
      { jid: 'pubsub.example.org', node: 'a' },
      { jid: 'pubsub.example.org' },
      { jid: 'pubsub.example.org', node: 'b' },
      { jid: 'pubsub.example.org', node: '' },
      { jid: 'pubsub.example.org', node: 'c' },
    ])
  })

  it('stops at a page that brings nothing new', () => {
    const walk = new PageWalk()
    expect(walk.add({ items: [{ jid: 'a.example.org' }], rsm: { last: 'x' } })).toBe('x')
    expect(walk.add({ items: [{ jid: 'a.example.org' }], rsm: { last: 'y' } })).toBeUndefined()
  })

  it('goes on past the count by counting once the count went down: an item counted may be gone (ejabberd, rooms destroyed mid-walk)', () => {
    const page = (from: number, count: number) => {
      const items = Array.from({ length: 10 }, (_, i) => ({ jid: `room${from + i}@muc.example.org` }))
      return { items, rsm: { first: `room${from}`, last: `room${from + 9}`, count } }
    }
    const walk = new PageWalk()
    expect(walk.add(page(0, 35))).toBe('room9')
    // 5 of the first 10 rooms went away: 30 left, 25 of them not seen yet.
    expect(walk.add(page(10, 30))).toBe('room19')
    expect(walk.add(page(20, 30))).toBe('room29')
    expect(walk.add({ items: [{ jid: 'room30@muc.example.org' }], rsm: { first: 'room30', last: 'room30', count: 30 } })).toBe('room30')
    expect(walk.add({ items: [], rsm: { count: 30 } })).toBeUndefined()
    expect(walk.items).toHaveLength(31)
  })

  it('goes on past the count by counting once the count went up too: a room destroyed behind while two were created ahead', () => {
    const walk = new PageWalk()
    const page = (from: number, size: number, count: number) => ({
      items: Array.from({ length: size }, (_, i) => ({ jid: `room${from + i}@muc.example.org` })),
      rsm: { first: `room${from}`, last: `room${from + size - 1}`, count },
    })
    expect(walk.add(page(0, 10, 20))).toBe('room9')
    // room3 went away, room20 and room21 came: 21 rooms, 11 of them not seen yet.
    expect(walk.add(page(10, 10, 21))).toBe('room19')
    expect(walk.add(page(20, 2, 21))).toBe('room21')
    expect(walk.add({ items: [], rsm: { count: 21 } })).toBeUndefined()
    expect(walk.items).toHaveLength(22)
  })
})
