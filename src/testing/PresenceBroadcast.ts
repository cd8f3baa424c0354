/**
 * PresenceBroadcast: what a server does with the presence an entity
 * broadcasts, for a SimulatedNetwork.
 *
 * RFC 6121 section 4.2.2 (an initial presence: the server probes the
 *   contacts and delivers their current presence), 4.4.2 (a broadcast goes
 *   to every contact with a subscription to it), 4.5.2 / 4.6 (unavailable,
 *   also when the session ends without one), section 3 (subscriptions are
 *   between bare JIDs: every resource of a watcher receives them)
 *
 * Entity capabilities ride on presences (XEP-0115), so a roster of simulated
 * clients advertising caps needs this; nothing else in the network does.
 */
import xml from '@xmpp/xml'
import { cloneElement } from '../core/xml.js'
import type { XmlElement } from '../core/xml.js'
import type { SimulatedEntity } from './SimulatedEntity.js'

/** A JID's bare form, as subscriptions are kept. */
function bare(jid: string): string {
  const slash = jid.indexOf('/')
  return slash === -1 ? jid : jid.slice(0, slash)
}

function isAvailable(stanza: XmlElement): boolean {
  return stanza.attrs.type === undefined || stanza.attrs.type === ''
}

export class PresenceBroadcast {
  /** Contact (bare) -> the bare JIDs that receive its presence. */
  readonly #watchers = new Map<string, Set<string>>()
  /** Full JID -> its current available presence (what a probe is answered with). */
  readonly #current = new Map<string, XmlElement>()
  readonly #entities: () => Iterable<SimulatedEntity>

  /** `entities`: the network's entities, to find each watcher's resources. */
  constructor(entities: () => Iterable<SimulatedEntity>) {
    this.#entities = entities
  }

  /**
   * `watcher` receives what `contact` broadcasts from now on (a subscription
   * approved), and at once its current presence, as a server delivers it
   * after approving one.
   */
  subscribe(watcher: string, contact: string): void {
    const contactBare = bare(contact)
    let watchers = this.#watchers.get(contactBare)
    if (!watchers) {
      watchers = new Set()
      this.#watchers.set(contactBare, watchers)
    }
    if (watchers.has(bare(watcher))) return
    watchers.add(bare(watcher))
    for (const target of this.#resources(bare(watcher))) this.#deliverCurrent(contactBare, target)
  }

  /** Whether `watcher` receives the presence of `contact`. */
  isSubscribed(watcher: string, contact: string): boolean {
    return this.#watchers.get(bare(contact))?.has(bare(watcher)) ?? false
  }

  /**
   * A presence `from` sent without `to`: delivered to every resource of its
   * watchers (besides the server, which the network delivers it to). An
   * initial presence first brings `from` its contacts' current presences.
   */
  broadcast(stanza: XmlElement, from: SimulatedEntity): void {
    const jid = from.jid.toString()
    if (isAvailable(stanza)) {
      const initial = !this.#current.has(jid)
      this.#current.set(jid, cloneElement(stanza))
      if (initial) this.#probe(from)
    } else if (stanza.attrs.type === 'unavailable') {
      this.#current.delete(jid)
    } else {
      return
    }
    this.#toWatchers(stanza, jid)
  }

  /** The session of `entity` ended: its contacts are told it is unavailable if it had not said so. */
  ended(entity: SimulatedEntity): void {
    const jid = entity.jid.toString()
    if (!this.#current.delete(jid)) return
    this.#toWatchers(xml('presence', { type: 'unavailable', from: jid }), jid)
  }

  #toWatchers(stanza: XmlElement, from: string): void {
    for (const watcher of this.#watchers.get(bare(from)) ?? []) {
      for (const target of this.#resources(watcher)) {
        if (target.jid.toString() !== from) this.#deliver(stanza, target)
      }
    }
  }

  /** The current presence of every contact `entity`'s bare JID watches. */
  #probe(entity: SimulatedEntity): void {
    const self = bare(entity.jid.toString())
    for (const [contact, watchers] of this.#watchers) if (watchers.has(self)) this.#deliverCurrent(contact, entity)
  }

  #deliverCurrent(contactBare: string, target: SimulatedEntity): void {
    for (const [jid, presence] of this.#current) {
      if (bare(jid) === contactBare && jid !== target.jid.toString()) this.#deliver(presence, target)
    }
  }

  #deliver(stanza: XmlElement, target: SimulatedEntity): void {
    const copy = cloneElement(stanza)
    copy.attrs.to = target.jid.toString()
    target.receive(copy)
  }

  /** The available resources of `bareJid`: those that sent an available presence (RFC 6121 section 4.4.2). */
  *#resources(bareJid: string): Iterable<SimulatedEntity> {
    for (const entity of this.#entities()) {
      const jid = entity.jid.toString()
      if (bare(jid) === bareJid && this.#current.has(jid)) yield entity
    }
  }
}
