/**
 * A fixed disco#info / disco#items responder for simulated entities that are
 * not clients of this library: a server, its components, a broken peer.
 *
 * XEP-0030 section 3 and 4 (node echoed in the reply, item-not-found for an
 * unknown node), RFC 6120 section 8.3 (error replies), XEP-0059 (disco#items
 * pages, as a conference or pubsub service gives them; see `paging`).
 */
import xml from '@xmpp/xml'
import { StanzaError } from '../core/errors.js'
import type { StanzaErrorCondition, StanzaErrorType } from '../core/errors.js'
import { infoToXml, itemsToXml } from '../core/model.js'
import type { DiscoInfo, DiscoItem } from '../core/model.js'
import { NS_DISCO_INFO, NS_DISCO_ITEMS, NS_STANZAS } from '../core/namespaces.js'
import { MAX_PAGE_SIZE, itemUid, parseRsmRequest, rsmOf, selectPage } from '../core/rsm.js'
import type { RsmRequest } from '../core/rsm.js'
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

/** How disco#items answers pages (XEP-0059). By default: pages asked with `<set/>`, at most 100 items each. */
export interface DiscoPagingSpec {
  /** Ignore `<set/>` in requests and answer every item, as Prosody 0.12 does. */
  ignoreRsm?: boolean | undefined
  /** The most items one page holds (default 100). */
  maxPageSize?: number | undefined
  /** Page on its own: answer a request without `<set/>` with this many items and a `<set/>` (a proactive page). */
  proactive?: number | undefined
}

export interface DiscoSpec extends DiscoNodeSpec {
  /** Nodes by name; a query for any other node is answered item-not-found. */
  nodes?: Record<string, DiscoNodeSpec> | undefined
  /** Answer every disco query with this error instead. */
  error?: StanzaErrorSpec | undefined
  /** How disco#items pages (XEP-0059). */
  paging?: DiscoPagingSpec | undefined
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
    const base = node === undefined ? {} : { node }
    const { ignoreRsm = false, maxPageSize = MAX_PAGE_SIZE, proactive } = current.paging ?? {}
    const set = ctx.element && !ignoreRsm ? rsmOf(ctx.element) : undefined
    try {
      const request: RsmRequest | undefined = set ? parseRsmRequest(set) : proactive === undefined ? undefined : { max: proactive }
      if (!request) return itemsToXml({ ...base, items })
      return itemsToXml({ ...base, ...selectPage(items, request, maxPageSize, itemUid) })
    } catch (error) {
      if (!(error instanceof StanzaError)) throw error
      return errorElement({ condition: error.condition, type: error.type ?? 'cancel' })
    }
  }
  entity.iqCallee.get(NS_DISCO_INFO, 'query', answer('info'))
  entity.iqCallee.get(NS_DISCO_ITEMS, 'query', answer('items'))
  return responder
}
