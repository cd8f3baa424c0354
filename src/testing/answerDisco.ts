/**
 * A fixed disco#info / disco#items responder for simulated entities that are
 * not clients of this library: a server, its components, a broken peer.
 *
 * XEP-0030 section 3 and 4 (node echoed in the reply, item-not-found for an
 * unknown node), RFC 6120 section 8.3 (error replies).
 */
import xml from '@xmpp/xml'
import type { StanzaErrorCondition, StanzaErrorType } from '../core/errors.js'
import { infoToXml, itemsToXml } from '../core/model.js'
import type { DiscoInfo, DiscoItem } from '../core/model.js'
import { NS_DISCO_INFO, NS_DISCO_ITEMS, NS_STANZAS } from '../core/namespaces.js'
import type { XmlElement } from '../core/xml.js'
import type { IncomingContext } from '../core/XmppClient.js'
import type { SimulatedEntity } from './SimulatedEntity.js'

/** What one node (or the entity itself) answers. */
export interface DiscoNodeSpec {
  /** The disco#info result; without it, disco#info is answered item-not-found. */
  info?: Omit<DiscoInfo, 'node'> | undefined
  /** The disco#items result (default: no items). */
  items?: DiscoItem[] | undefined
}

export interface StanzaErrorSpec {
  condition: StanzaErrorCondition
  /** Default 'cancel'. */
  type?: StanzaErrorType
  text?: string
}

export interface DiscoSpec extends DiscoNodeSpec {
  /** Nodes by name; a query for any other node is answered item-not-found. */
  nodes?: Record<string, DiscoNodeSpec> | undefined
  /** Answer every disco query with this error instead. */
  error?: StanzaErrorSpec | undefined
}

/** The live answers of an entity: change them and the next query sees the change. */
export interface DiscoResponder {
  spec: DiscoSpec
}

function errorElement({ condition, type = 'cancel', text }: StanzaErrorSpec): XmlElement {
  return xml(
    'error',
    { type },
    xml(condition, { xmlns: NS_STANZAS }),
    text === undefined ? undefined : xml('text', { xmlns: NS_STANZAS }, text),
  )
}

/**
 * Makes `entity` answer disco#info and disco#items from `spec` (XEP-0030), as
 * a server or a component would. Do not use it on an entity that a
 * DiscoProvider or DiscoServer answers for: that one answers by itself.
 */
export function answerDisco(entity: SimulatedEntity, spec: DiscoSpec): DiscoResponder {
  const responder: DiscoResponder = { spec }
  const answer = (kind: 'info' | 'items') => (ctx: IncomingContext) => {
    const { spec: current } = responder
    if (current.error) return errorElement(current.error)
    const node = ctx.element?.attrs.node || undefined
    const target = node === undefined ? current : current.nodes?.[node]
    if (!target) return errorElement({ condition: 'item-not-found' })
    if (kind === 'info') {
      if (!target.info) return errorElement({ condition: 'item-not-found' })
      const info: DiscoInfo = { ...target.info }
      if (node !== undefined) info.node = node
      return infoToXml(info)
    }
    const items = target.items ?? []
    return itemsToXml(node === undefined ? { items } : { node, items })
  }
  entity.iqCallee.get(NS_DISCO_INFO, 'query', answer('info'))
  entity.iqCallee.get(NS_DISCO_ITEMS, 'query', answer('items'))
  return responder
}
