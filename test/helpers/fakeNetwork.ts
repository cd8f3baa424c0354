// An in-memory transport for unit tests: entities assembled from xmpp.js's own
// @xmpp/middleware and @xmpp/iq (the same pieces @xmpp/client uses), joined by
// a router instead of a server. Only the transport is fake; the code under
// test sees exactly what it would see on a real connection.
import { EventEmitter } from 'node:events'
import middlewareFactory from '@xmpp/middleware'
import iqCallerFactory from '@xmpp/iq/caller.js'
import iqCalleeFactory from '@xmpp/iq/callee.js'
import xml from '@xmpp/xml'
import { JID } from '@xmpp/jid'
import type { XmlElement } from '../../src/core/xml.js'
import type { XmppClient } from '../../src/core/XmppClient.js'

/** Return a stanza to deliver it (possibly rewritten), or null to drop it. */
export type Interceptor = (stanza: XmlElement, from: FakeEntity) => XmlElement | null

export class FakeEntity extends EventEmitter {
  jid: JID
  status = 'online'
  readonly options: { domain: string }
  readonly middleware: XmppClient['middleware']
  readonly iqCaller: { request(el: XmlElement, timeout?: number): Promise<XmlElement> }
  readonly iqCallee: XmppClient['iqCallee']
  /** Every stanza this entity sent, in order. */
  readonly sent: XmlElement[] = []
  readonly #network: FakeNetwork

  constructor(network: FakeNetwork, jid: string) {
    super()
    this.#network = network
    this.jid = parseJid(jid)
    this.options = { domain: this.jid.domain }
    this.middleware = middlewareFactory({ entity: this })
    this.iqCaller = iqCallerFactory({ entity: this, middleware: this.middleware })
    this.iqCallee = iqCalleeFactory({ entity: this, middleware: this.middleware })
    // Like a client with no 'error' listener would crash: surface it in the test instead.
    this.on('error', (err: unknown) => network.errors.push(err))
  }

  async send(stanza: XmlElement): Promise<void> {
    if (this.status !== 'online') throw new Error('not connected')
    stanza.attrs.from = this.jid.toString()
    this.sent.push(stanza)
    this.emit('send', stanza)
    this.#network.route(stanza, this)
  }

  /** Delivers a stanza to this entity as if it came from the wire. */
  receive(stanza: XmlElement): void {
    setImmediate(() => {
      if (this.status === 'online') this.emit('element', stanza)
    })
  }

  /** The IQ gets this entity sent to `to` with a payload of `ns`. */
  sentQueries(ns?: string): XmlElement[] {
    return this.sent.filter(
      (s) => s.is('iq') && s.attrs.type === 'get' && (!ns || s.getChildElements()[0]?.getNS() === ns),
    )
  }

  /** Simulates the end of the session (transport closed, no resumption). */
  goOffline(): void {
    this.status = 'offline'
    this.emit('disconnect', { clean: false })
    this.emit('offline')
  }

  /** A new session on the same JID. */
  goOnline(): void {
    this.status = 'online'
    this.emit('online', this.jid)
  }
}

function parseJid(s: string): JID {
  const slash = s.indexOf('/')
  const bare = slash === -1 ? s : s.slice(0, slash)
  const at = bare.indexOf('@')
  return new JID(at === -1 ? null : bare.slice(0, at), at === -1 ? bare : bare.slice(at + 1), slash === -1 ? null : s.slice(slash + 1))
}

export class FakeNetwork {
  readonly entities = new Map<string, FakeEntity>()
  readonly errors: unknown[] = []
  interceptor: Interceptor | undefined

  entity(jid: string): FakeEntity {
    const entity = new FakeEntity(this, jid)
    this.entities.set(entity.jid.toString(), entity)
    return entity
  }

  route(stanza: XmlElement, from: FakeEntity): void {
    const out = this.interceptor ? this.interceptor(stanza, from) : stanza
    if (!out) return
    const to = out.attrs.to ?? from.jid.domain
    const target = this.entities.get(to)
    if (target) {
      target.receive(out)
      return
    }
    // What a server does for a recipient that does not exist.
    if (out.is('iq') && (out.attrs.type === 'get' || out.attrs.type === 'set')) {
      from.receive(
        xml(
          'iq',
          { type: 'error', id: out.attrs.id, from: to, to: from.jid.toString() },
          xml('error', { type: 'cancel' }, xml('service-unavailable', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' })),
        ),
      )
    }
  }
}

/** Sends a disco get from `from` to `to` and resolves with the reply stanza (result or error). */
export async function rawQuery(
  from: FakeEntity,
  to: string,
  ns: string,
  attrs: { node?: string; type?: 'get' | 'set' } = {},
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
  await from.send(xml('iq', { type: attrs.type ?? 'get', to, id }, xml('query', { xmlns: ns, node: attrs.node })))
  return reply
}
