/**
 * DiscoRequests: the disco requests of a DiscoClient on the wire, their
 * replies checked and parsed. What to send and when is DiscoClient's (its
 * flights); this sends one, and for items follows a paging responder.
 *
 * XEP-0030 section 3.1 and 4.1 (the node asked is echoed; a reply naming
 * another node is not for us), section 8 (ReplyMatcher: the reply must
 * come from the entity asked). XEP-0059 section 2.1 (ask with <max/>; a
 * responder that does not support RSM answers with everything) and 2.2
 * (go on with after = last; PageWalk says when to stop).
 */
import xml from '@xmpp/xml'
import { MalformedResponseError } from './errors.js'
import type { Stop } from './Flight.js'
import { parseInfo, parseItemsPage } from './model.js'
import type { DiscoInfo, DiscoItemsList, DiscoItemsPage } from './model.js'
import { NS_DISCO_INFO, NS_DISCO_ITEMS } from './namespaces.js'
import { PageWalk } from './PageWalk.js'
import type { ReplyMatcher } from './ReplyMatcher.js'
import { MAX_PAGE_SIZE, rsmRequestToXml } from './rsm.js'
import type { RsmRequest } from './rsm.js'
import type { XmlElement } from './xml.js'

/** How far `items` follows a paging responder, and from where. */
export interface ItemsWalk {
  maxItems: number
  /** An incomplete list to go on from (its `last`). */
  from?: DiscoItemsList | undefined
}

export class DiscoRequests {
  readonly #matcher: ReplyMatcher

  constructor(matcher: ReplyMatcher) {
    this.#matcher = matcher
  }

  /** The disco#info of `jid` at `node`. */
  async info(jid: string, node: string | null, stop: Stop): Promise<DiscoInfo> {
    const stanza = await this.#ask(jid, node, NS_DISCO_INFO, stop)
    const query = replyQuery(stanza, NS_DISCO_INFO, node)
    // An info result must have identities.
    if (!query) throw new MalformedResponseError(`result without <query xmlns='${NS_DISCO_INFO}'/>`, stanza)
    const info = parseInfo(query)
    // Some servers do not echo the node (XEP-0030 says they MUST): the answer is still for it.
    if (node !== null) info.node = node
    return info
  }

  /** One page of disco#items: asked with `<set/>` (`request`), or plain (undefined). */
  async page(jid: string, node: string | null, request: RsmRequest | undefined, stop: Stop): Promise<DiscoItemsPage> {
    const set = request === undefined ? undefined : rsmRequestToXml(request)
    const query = replyQuery(await this.#ask(jid, node, NS_DISCO_ITEMS, stop, set), NS_DISCO_ITEMS, node)
    // A result without payload has no items.
    const page: DiscoItemsPage = query ? parseItemsPage(query) : { items: [] }
    if (node !== null) page.node = node
    return page
  }

  /**
   * disco#items, asked a page at a time (`<max>` of at most 100, then
   * after = last) until PageWalk says it is over or `walk.maxItems` are in.
   * A responder that ignores RSM answers the first request with everything.
   * Asked plainly, some responders truncate without saying so: ejabberd's
   * MUC service lists only 100 rooms, then only occupied ones, with no
   * `<set/>` to tell (measured, README "What real servers do with RSM").
   */
  async items(jid: string, node: string | null, walk: ItemsWalk, stop: Stop): Promise<DiscoItemsList> {
    let pages: PageWalk
    let next: string | undefined
    if (walk.from) {
      pages = PageWalk.resume(walk.from)
      next = walk.from.last
    } else {
      pages = new PageWalk()
      next = pages.add(await this.page(jid, node, { max: Math.min(MAX_PAGE_SIZE, walk.maxItems) }, stop))
    }
    while (next !== undefined && pages.items.length < walk.maxItems) {
      if (stop.stopped) throw stop.reason
      const max = Math.min(MAX_PAGE_SIZE, walk.maxItems - pages.items.length)
      next = pages.add(await this.page(jid, node, { max, after: next }, stop))
    }
    return pages.result(node, next)
  }

  /** One IQ get of `<query xmlns=ns node>` (with `set` inside), forgotten when the flight stops. */
  #ask(jid: string, node: string | null, ns: string, stop: Stop, set?: XmlElement): Promise<XmlElement> {
    const request = this.#matcher.request(jid, xml('query', { xmlns: ns, node: node ?? undefined }, set))
    // Cancelling a request that has its reply does nothing: no need to take it back.
    stop.onStop(request.cancel)
    return request.promise
  }
}

/** The `<query/>` of a result, checked against the node asked (a different node echoed is malformed). */
function replyQuery(stanza: XmlElement, ns: string, node: string | null): XmlElement | undefined {
  const query = stanza.getChild('query', ns)
  if (!query) return undefined
  const echoed = query.attrs.node || null
  if (echoed !== null && echoed !== node) {
    throw new MalformedResponseError(`reply for node ${JSON.stringify(echoed)}, asked ${JSON.stringify(node)}`, stanza)
  }
  return query
}
