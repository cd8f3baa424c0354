/**
 * SimulatedNetwork: XMPP entities joined by an in-memory router instead of a
 * server, for tests and demos in Node and in the browser.
 *
 * The router does what a server does with a stanza between two entities:
 * delivers it to the addressed JID (a missing `to` means our server), after
 * the configured latency, and bounces an IQ request to a JID nobody holds with
 * service-unavailable (RFC 6120 section 8.5.3.2.1 / 10.5.3.1). A presence
 * without `to` also goes to the entities subscribed to the sender's presence
 * (subscribe(); PresenceBroadcast).
 */
import xml from '@xmpp/xml'
import { NS_STANZAS } from '../core/namespaces.js'
import type { XmlElement } from '../core/xml.js'
import { PresenceBroadcast } from './PresenceBroadcast.js'
import { SimulatedEntity } from './SimulatedEntity.js'
import type { SimulatedEntityOptions, Transport } from './SimulatedEntity.js'

/** Return a stanza to deliver it (possibly rewritten), or null to drop it. */
export type Interceptor<E extends SimulatedEntity = SimulatedEntity> = (stanza: XmlElement, from: E) => XmlElement | null

export interface SimulatedNetworkOptions {
  /** Milliseconds every stanza takes to arrive (default 0: the next macrotask). */
  latency?: number
}

type Task = () => void

// The next macrotask, as a socket's data event would come: setImmediate where
// there is one (Node), else a MessageChannel (browsers; setTimeout(0) is clamped).
const nextTask: (task: Task) => void = (() => {
  const setImmediateFn = (globalThis as { setImmediate?: (task: Task) => unknown }).setImmediate
  if (typeof setImmediateFn === 'function') return (task: Task) => void setImmediateFn(task)
  if (typeof MessageChannel === 'function') {
    const queue: Task[] = []
    const channel = new MessageChannel()
    channel.port1.onmessage = () => queue.shift()?.()
    return (task: Task) => {
      queue.push(task)
      channel.port2.postMessage(null)
    }
  }
  return (task: Task) => void setTimeout(task, 0)
})()

/**
 * The router. `E` is the entity class, for subclasses whose entities record
 * more (the project's unit tests keep every sent stanza).
 */
export class SimulatedNetwork<E extends SimulatedEntity = SimulatedEntity> implements Transport {
  /** The entities, by full JID. */
  readonly entities = new Map<string, E>()
  /** Errors the entities emitted (an xmpp.js client emits 'error' for a failing handler). */
  readonly errors: unknown[] = []
  /** Sees every routed stanza: rewrite it, or drop it by returning null. */
  interceptor: Interceptor<E> | undefined
  /** Milliseconds every stanza takes to arrive. */
  latency: number
  readonly #timers = new Set<ReturnType<typeof setTimeout>>()
  readonly #presences = new PresenceBroadcast(() => this.entities.values())
  #closed = false

  constructor(options: SimulatedNetworkOptions = {}) {
    this.latency = options.latency ?? 0
  }

  /** Adds an entity (online) with that JID; `jid` is used as given, e.g. "juliet@example.org/balcony" or "example.org". */
  entity(jid: string, options: SimulatedEntityOptions = {}): E {
    return this.add(this.createEntity(jid, options))
  }

  /** Builds the entity that entity() adds; subclasses with their own entity class override it. */
  protected createEntity(jid: string, options: SimulatedEntityOptions): E {
    return new SimulatedEntity(this, jid, options) as E
  }

  /** The entity with that JID, if any. */
  get(jid: string): E | undefined {
    return this.entities.get(jid)
  }

  /** Registers an entity built elsewhere (a subclass); its JID must be free. */
  add<T extends E>(entity: T): T {
    const key = entity.jid.toString()
    if (this.entities.has(key)) throw new Error(`${key} is on the network already`)
    this.entities.set(key, entity)
    return entity
  }

  /**
   * From now on `watcher` receives the presences `contact` broadcasts (sent
   * without `to`), as after an approved subscription: at once its current
   * one, then every change, and its unavailable presence when its session
   * ends. Subscriptions are between bare JIDs (RFC 6121): every available
   * resource of `watcher` (one that sent its presence) receives them. An
   * entity's initial presence brings it the current presence of the
   * contacts it watches.
   */
  subscribe(watcher: string, contact: string): void {
    this.#presences.subscribe(watcher, contact)
  }

  /** Whether `watcher` receives the presence of `contact`. */
  isSubscribed(watcher: string, contact: string): boolean {
    return this.#presences.isSubscribed(watcher, contact)
  }

  /** Transport: a session ended; its contacts hear it went unavailable. */
  ended(entity: E): void {
    if (!this.#closed) this.#presences.ended(entity)
  }

  /** Takes every entity offline and cancels stanzas in transit. */
  close(): void {
    this.#closed = true
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
    for (const entity of this.entities.values()) entity.goOffline()
  }

  /** Runs `task` after `latency` ms (0: the next macrotask). */
  schedule(task: Task, latency: number): void {
    if (latency <= 0) {
      nextTask(task)
      return
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      task()
    }, latency)
    this.#timers.add(timer)
  }

  /** Delivers a stanza `from` sent (its `from` is stamped already). */
  route(stanza: XmlElement, from: E): void {
    const out = this.interceptor ? this.interceptor(stanza, from) : stanza
    if (!out) return
    if (out.name === 'presence' && out.attrs.to === undefined) this.#presences.broadcast(out, from)
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
          xml('error', { type: 'cancel' }, xml('service-unavailable', { xmlns: NS_STANZAS })),
        ),
      )
    }
  }
}
