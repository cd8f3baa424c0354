/**
 * findServices: the items of an entity (our server by default) whose
 * disco#info advertises a feature — how an app finds "the HTTP upload
 * service" or "the MUC service" of its server, as Converse, Smack and
 * slixmpp users do with their helpers.
 *
 * XEP-0030 section 4 then 3 (items, then the info of each), as XEP-0363
 * section 2 and XEP-0045 section 6.1 describe finding their services.
 * The info requests go through a RequestQueue: never more than 6 in flight.
 */
import type { DiscoClient } from './DiscoClient.js'
import { MalformedResponseError, StanzaError, TimeoutError } from './errors.js'
import type { JidInput } from './jid.js'
import { hasFeature } from './model.js'
import type { DiscoInfo } from './model.js'
import { RequestQueue } from './RequestQueue.js'
import { assertText } from './validate.js'
import type { XmppClient } from './XmppClient.js'

/** An item whose info has the feature asked for. */
export interface FoundService {
  jid: string
  node?: string
  name?: string
  info: DiscoInfo
}

export interface FindServicesOptions {
  /** Whose items to look through (default: our server's domain). */
  jid?: JidInput | undefined
  /** Milliseconds each query waits for its reply (default 30000). */
  timeout?: number | undefined
  signal?: AbortSignal | undefined
}

/** Our server, as the client knows it: the domain of our JID, or the one it was told to connect to. */
export function serverOf(xmpp: XmppClient): string | undefined {
  return xmpp.jid?.domain ?? xmpp.options?.domain
}

/** What an item that cannot tell us its info is: not a service we found (anything else, e.g. the session ending, fails the search). */
function unanswered(error: unknown): boolean {
  return error instanceof StanzaError || error instanceof TimeoutError || error instanceof MalformedResponseError
}

/**
 * The items of `jid` whose disco#info has `feature`, in the items' order,
 * with that info. The items and each info go through `client`'s cache (a
 * second search costs nothing); an item whose info fails is left out.
 */
export async function findServices(
  client: DiscoClient,
  jid: JidInput,
  feature: string,
  options: Omit<FindServicesOptions, 'jid'> = {},
): Promise<FoundService[]> {
  assertText(feature, 'feature')
  const { timeout, signal } = options
  const { items } = await client.queryItems(jid, { timeout, signal })
  const queue = new RequestQueue()
  const infos = await Promise.all(
    items.map((item) =>
      client.queryInfo(item.jid, { node: item.node, timeout, signal, queue }).catch((error: unknown) => {
        if (unanswered(error)) return undefined
        throw error
      }),
    ),
  )
  const found: FoundService[] = []
  items.forEach((item, i) => {
    const info = infos[i]
    if (info && hasFeature(info, feature)) found.push({ ...item, info })
  })
  return found
}
