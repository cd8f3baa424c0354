// An in-memory transport for unit tests: a thin layer over the simulated
// network of src/testing (entities assembled from xmpp.js's own
// @xmpp/middleware and @xmpp/iq, joined by a router instead of a server).
// Only the transport is fake; the code under test sees exactly what it would
// see on a real connection. This layer adds what tests inspect: every stanza
// an entity sent, and the IQ gets among them.
import xml from '@xmpp/xml'
import type { JID } from '@xmpp/jid'
import { afterEach, expect } from 'vitest'
import { ReplyMatcher } from '../../src/core/ReplyMatcher.js'
import type { XmlElement } from '../../src/core/xml.js'
import type { XmppClient } from '../../src/core/XmppClient.js'
import { SimulatedEntity, SimulatedNetwork } from '../../src/testing/index.js'

/** Return a stanza to deliver it (possibly rewritten), or null to drop it. */
export type Interceptor = (stanza: XmlElement, from: FakeEntity) => XmlElement | null

export class FakeEntity extends SimulatedEntity {
  declare jid: JID
  /** Every stanza this entity sent, in order. */
  readonly sent: XmlElement[] = []

  constructor(network: FakeNetwork, jid: string) {
    super(network, jid)
    this.on('send', (stanza: XmlElement) => this.sent.push(stanza))
  }

  /** The IQ gets this entity sent with a payload of `ns`. */
  sentQueries(ns?: string): XmlElement[] {
    return this.sent.filter(
      (s) => s.is('iq') && s.attrs.type === 'get' && (!ns || s.getChildElements()[0]?.getNS() === ns),
    )
  }
}

export class FakeNetwork extends SimulatedNetwork<FakeEntity> {
  protected override createEntity(jid: string): FakeEntity {
    return new FakeEntity(this, jid)
  }
}

/** Sends a disco get from `from` to `to` (with `children` in its `<query/>`) and resolves with the reply stanza (result or error). */
export async function rawQuery(
  from: FakeEntity,
  to: string,
  ns: string,
  attrs: { node?: string; type?: 'get' | 'set' } = {},
  ...children: XmlElement[]
): Promise<XmlElement> {
  const id = `q${Math.random().toString(36).slice(2)}`
  const reply = new Promise<XmlElement>((resolve) => {
    const onElement = (el: XmlElement): void => {
      if (el.is('iq') && el.attrs.id === id) {
        from.off('element', onElement)
        resolve(el)
      }
    }
    from.on('element', onElement)
  })
  await from.send(xml('iq', { type: attrs.type ?? 'get', to, id }, xml('query', { xmlns: ns, node: attrs.node }, ...children)))
  return reply
}

/**
 * Checks after each test of the file that the asker registered with the
 * returned function has nothing left waiting in its ReplyMatcher and that no
 * client crashed (an 'error' event).
 */
export function checkEveryTestSettles(): (net: FakeNetwork, asker: FakeEntity) => void {
  let current: { net: FakeNetwork; asker: FakeEntity } | undefined
  afterEach(() => {
    const ctx = current
    current = undefined
    if (!ctx) return
    expect(ReplyMatcher.for(ctx.asker as unknown as XmppClient).pendingCount).toBe(0)
    expect(ctx.net.errors).toEqual([])
  })
  return (net, asker) => {
    current = { net, asker }
  }
}

/** <stream:features/> as xmpp.js parses it: prefixed, under a stream header declaring the prefix. */
export function streamFeatures(...children: XmlElement[]): XmlElement {
  const header = xml('stream:stream', { 'xmlns:stream': 'http://etherx.jabber.org/streams', xmlns: 'jabber:client' })
  const features = xml('stream:features', {}, ...children)
  header.append(features)
  return features
}

/**
 * A new session of `entity` as xmpp.js and a server with stream management
 * make one after a dropped connection whose resumption failed: the stream
 * features offer XEP-0198, 'online', then <enabled/>. `beforeEnabled` runs
 * between the last two (what the server sends before it answers <enable/>).
 */
export function newSessionWithStreamManagement(entity: FakeEntity, beforeEnabled?: () => void): void {
  entity.dropConnection()
  entity.emit('nonza', streamFeatures(xml('sm', { xmlns: 'urn:xmpp:sm:3' })))
  entity.goOnline()
  beforeEnabled?.()
  entity.emit('nonza', xml('enabled', { xmlns: 'urn:xmpp:sm:3', id: 'next', resume: 'true' }))
}
