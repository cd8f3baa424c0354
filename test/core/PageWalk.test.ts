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
})
