// ClientHooks: what the library attaches to an xmpp.js client comes off again, and
// an interceptor sees only writes with a stanza it wants (every one while it holds some back).
import { describe, expect, it } from 'vitest'
import xml from '@xmpp/xml'
import { ClientHooks } from '../../src/core/ClientHooks.js'
import type { XmlElement, XmppClient } from '../../src/core/index.js'
import { must } from '../helpers/capsWorld.js'
import { FakeEntity, FakeNetwork } from '../helpers/fakeNetwork.js'

const asXmpp = (entity: FakeEntity): XmppClient => entity as unknown as XmppClient
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

function setup() {
  const net = new FakeNetwork()
  const alice = net.entity('alice@example.org/a')
  const bob = net.entity('bob@example.org/b')
  return { net, alice, bob, hooks: ClientHooks.of(asXmpp(alice)) }
}

describe('ClientHooks', () => {
  it('hands incoming stanzas to the taps in order until one consumes it, and not after removal', async () => {
    const { alice, bob, hooks } = setup()
    const seen: string[] = []
    let reachedApp = 0
    const removeFirst = hooks.tapIncoming((ctx) => {
      seen.push(`first ${ctx.stanza.name}`)
      return ctx.stanza.name === 'message' ? true : undefined
    })
    const removeSecond = hooks.tapIncoming((ctx) => {
      seen.push(`second ${ctx.stanza.name}`)
      return undefined
    })
    asXmpp(alice).middleware.use((_ctx, next) => {
      reachedApp++
      return next()
    })
    await bob.send(xml('presence', { to: 'alice@example.org/a' }))
    await bob.send(xml('message', { to: 'alice@example.org/a' }))
    await tick()
    expect(seen).toEqual(['first presence', 'second presence', 'first message'])
    expect(reachedApp).toBe(1)
    removeFirst()
    removeSecond()
    removeSecond()
    await bob.send(xml('message', { to: 'alice@example.org/a' }))
    await tick()
    expect(seen).toHaveLength(3)
    expect(reachedApp).toBe(2)
    expect(hooks.attached.taps).toBe(0)
  })

  it('keeps a throwing tap from stopping the others', async () => {
    const { bob, hooks } = setup()
    let reached = 0
    hooks.tapIncoming(() => {
      throw new Error('broken tap')
    })
    hooks.tapIncoming(() => {
      reached++
      return undefined
    })
    await bob.send(xml('presence', { to: 'alice@example.org/a' }))
    await tick()
    expect(reached).toBe(1)
  })

  it('changes stanzas before they are written and gives the original send back with the last interceptor', async () => {
    const { alice, hooks } = setup()
    const original = alice.send
    const written: string[] = []
    alice.on('send', (stanza: XmlElement) => written.push(stanza.toString()))
    const remove = hooks.interceptSend((stanzas, write) => {
      for (const s of stanzas) s.attrs.marked = 'yes'
      return write()
    })
    expect(alice.send).not.toBe(original)
    await alice.send(xml('presence'))
    expect(written.at(-1)).toContain('marked="yes"')
    remove()
    expect(alice.send).toBe(original)
    expect(Object.hasOwn(alice, 'send')).toBe(false)
    await alice.send(xml('presence'))
    expect(written.at(-1)).not.toContain('marked')
  })

  it('stays a pass-through when something else wrapped send on top of it', async () => {
    const { alice, hooks } = setup()
    const remove = hooks.interceptSend((stanzas, write) => {
      for (const s of stanzas) s.attrs.marked = 'yes'
      return write()
    })
    const ours = alice.send
    const appWrapper = (stanza: XmlElement) => ours.call(alice, stanza)
    alice.send = appWrapper
    remove()
    expect(alice.send).toBe(appWrapper)
    const written: string[] = []
    alice.on('send', (stanza: XmlElement) => written.push(stanza.toString()))
    await alice.send(xml('presence'))
    expect(written[0]).not.toContain('marked')
  })

  it('calls an interceptor for presences for batches holding one, sendMany included, and never for IQs alone', async () => {
    const { alice, hooks } = setup()
    const many = alice as FakeEntity & { sendMany?: (stanzas: XmlElement[]) => Promise<void> }
    many.sendMany = async (stanzas) => {
      for (const stanza of stanzas) await FakeEntity.prototype.send.call(alice, stanza)
    }
    const seen: string[][] = []
    hooks.interceptSend(
      (stanzas, write) => {
        seen.push(stanzas.map((s) => s.name))
        return write()
      },
      (stanza) => stanza.name === 'presence',
    )
    await alice.send(xml('iq', { type: 'get', to: 'bob@example.org/b', id: 'q1' }))
    await alice.send(xml('presence'))
    await must(many.sendMany)([xml('message', { to: 'bob@example.org/b' }), xml('presence', { to: 'bob@example.org/b' })])
    await must(many.sendMany)([xml('iq', { type: 'get', to: 'bob@example.org/b', id: 'q2' }), xml('message', { to: 'bob@example.org/b' })])
    expect(seen).toEqual([['presence'], ['message', 'presence']])
    expect(alice.sent.map((s) => s.name)).toEqual(['iq', 'presence', 'message', 'presence', 'iq', 'message'])
  })

  it('calls an interceptor for every stanza it wants while it holds stanzas back, so they keep their order', async () => {
    const { alice, hooks } = setup()
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    let holding = false
    const seen: string[] = []
    hooks.interceptSend(
      (stanzas, write) => {
        seen.push(...stanzas.map((s) => s.name))
        if (!holding && stanzas[0]?.name !== 'presence') return write()
        // A presence waits for the gate, and whatever is sent meanwhile queues behind it.
        holding = true
        return gate.then(write)
      },
      (stanza) => stanza.name === 'presence' || holding,
    )
    const presence = alice.send(xml('presence'))
    const message = alice.send(xml('message', { to: 'bob@example.org/b' }))
    expect(seen).toEqual(['presence', 'message'])
    release()
    await Promise.all([presence, message])
    expect(alice.sent.map((s) => s.name)).toEqual(['presence', 'message'])
  })

  it('runs the interceptors that want a stanza in order, skipping those that do not', async () => {
    const { alice, hooks } = setup()
    const order: string[] = []
    const interceptor = (name: string) => (stanzas: XmlElement[], write: () => Promise<unknown>) => {
      order.push(`${name} ${stanzas.map((s) => s.name).join(',')}`)
      return write()
    }
    hooks.interceptSend(interceptor('all'))
    hooks.interceptSend(interceptor('presences'), (stanza) => stanza.name === 'presence')
    hooks.interceptSend(interceptor('messages'), (stanza) => stanza.name === 'message')
    await alice.send(xml('message', { to: 'bob@example.org/b' }))
    await alice.send(xml('presence'))
    expect(order).toEqual(['all message', 'messages message', 'all presence', 'presences presence'])
  })
})
