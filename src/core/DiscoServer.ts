/**
 * DiscoServer: answers disco#info and disco#items sent to our client.
 *
 * XEP-0030 section 3 and 4 (answers, node echoed in the reply),
 * section 3.2 / 7 (item-not-found for unknown nodes; service-unavailable),
 * section 3.1 example 2 (an entity answering disco#items advertises it)
 * RFC 6120 section 8.3 (stanza errors; no internals in an error's text)
 * aioxmpp.disco.DiscoServer (default client/bot identity, mount_node)
 * XEP-0059 (disco#items pages: max capped, after, before, index; without
 *   <set/> in the request, every item)
 *
 * One per xmpp.js client (`DiscoServer.for(xmpp)`): @xmpp/iq routes cannot be
 * removed, so a second instance could never take over the first one's route
 * (dispose() makes the routes pass queries on instead).
 */
import xml from '@xmpp/xml'
import { DiscoEvents } from './DiscoEvents.js'
import { DiscoError, InvalidInputError, RegistrationError, StanzaError } from './errors.js'
import { infoToXml, itemsToXml } from './model.js'
import type { DiscoInfo, DiscoItem } from './model.js'
import { NS_DISCO_INFO, NS_DISCO_ITEMS, NS_STANZAS } from './namespaces.js'
import { ItemClaims, MANDATORY_FEATURES, Node, StaticNode } from './Node.js'
import type { IdentityNames, Release } from './Node.js'
import { MAX_PAGE_SIZE, itemUid, parseRsmRequest, rsmOf, selectPage } from './rsm.js'
import { requeueFailedAnswers } from './requeueFailedAnswers.js'
import type { Page } from './rsm.js'
import { assertOptionalText, assertText } from './validate.js'
import type { ServedEvent } from './DiscoEvents.js'
import type { IncomingContext, XmppClient } from './XmppClient.js'
import type { XmlElement } from './xml.js'

const DEFAULT_CATEGORY = 'client'
const DEFAULT_TYPE = 'bot'

/**
 * The root always answers disco#items, so it always says so. Mounted nodes
 * do not: a feature names a protocol the entity speaks, and XEP-0030's node
 * answers (section 3.2, and the XEPs built on nodes: commands, pubsub) list
 * what the node is, not disco#items; an app may declare it on a node.
 */
const ROOT_FEATURES: readonly string[] = [NS_DISCO_INFO, NS_DISCO_ITEMS]

export interface MountOptions {
  /** List the node in the root's disco#items (jid = our JID, node = mountpoint). Default false. */
  listed?: boolean
  /** The item's name when listed. */
  name?: string
}

interface Mount {
  node: Node
  listed: boolean
  name: string | undefined
}

function stanzaError(type: string, condition: string): XmlElement {
  return xml('error', { type }, xml(condition, { xmlns: NS_STANZAS }))
}

/** A node whose info does not depend on the request: none of the methods building it is overridden. */
function answersEverybodyAlike(node: Node): boolean {
  const base = Node.prototype
  return (
    node.toInfo === base.toInfo &&
    node.iterFeatures === base.iterFeatures &&
    node.iterIdentities === base.iterIdentities &&
    node.iterForms === base.iterForms
  )
}

function isEmpty(iterable: Iterable<unknown>): boolean {
  for (const _ of iterable) return false
  return true
}

/** What DiscoEvents says of a query we answered with `reply` (a result's `<query/>` or an `<error/>`). */
function servedEvent(ctx: IncomingContext, kind: 'info' | 'items', reply: XmlElement): ServedEvent {
  const { stanza } = ctx
  return {
    type: 'served',
    id: stanza.attrs.id ?? '',
    from: stanza.attrs.from,
    kind,
    node: ctx.element?.attrs.node || undefined,
    at: Date.now(),
    error: reply.name === 'error' ? reply.getChildElements()[0]?.name : undefined,
  }
}

/** Built pages kept per list: enough for a few requesters walking it, bounded. */
const CACHED_PAGES = 16

/**
 * The disco#items replies built from one list of items, reused while a node
 * lists the very same items. StaticNode.items is a plain array the app edits
 * in place (and its item objects too), so no change signal can be trusted:
 * the list a request gets is compared with the one the replies were built
 * from, field by field. That costs a few comparisons per item, where building
 * the reply costs an element per item.
 */
class ItemsReplies {
  /** jid, node and name of each item, in order. */
  readonly #fields: (string | undefined)[]
  readonly list: DiscoItem[]
  /** The reply to a request without `<set/>`. */
  plain: XmlElement | undefined
  /** Replies to `<set/>` requests, by what they ask (least recently used first). */
  readonly pages = new Map<string, XmlElement>()
  #uids: Map<string, number> | undefined

  constructor(list: DiscoItem[]) {
    this.list = list
    const fields: (string | undefined)[] = new Array(list.length * 3)
    for (let i = 0; i < list.length; i++) {
      const item = list[i] as DiscoItem
      fields[3 * i] = item.jid
      fields[3 * i + 1] = item.node
      fields[3 * i + 2] = item.name
    }
    this.#fields = fields
  }

  /** Whether `list` holds the items these replies were built from. */
  matches(list: readonly DiscoItem[]): boolean {
    const fields = this.#fields
    if (list.length * 3 !== fields.length) return false
    for (let i = 0; i < list.length; i++) {
      const item = list[i] as DiscoItem
      if (item.jid !== fields[3 * i] || item.node !== fields[3 * i + 1] || item.name !== fields[3 * i + 2]) return false
    }
    return true
  }

  /** The position of the item with that RSM UID (-1: none), from an index built on first use. */
  readonly indexOf = (uid: string): number => {
    if (!this.#uids) {
      this.#uids = new Map()
      // The first of duplicates wins, as a scan would find it.
      for (let i = this.list.length - 1; i >= 0; i--) this.#uids.set(itemUid(this.list[i] as DiscoItem), i)
    }
    return this.#uids.get(uid) ?? -1
  }

  /** The reply for the page `key` names, built by `build` unless kept. */
  page(key: string, build: () => XmlElement): XmlElement {
    let reply = this.pages.get(key)
    if (reply) {
      this.pages.delete(key)
    } else {
      reply = build()
      if (this.pages.size >= CACHED_PAGES) this.pages.delete(this.pages.keys().next().value as string)
    }
    this.pages.set(key, reply)
    return reply
  }
}

const servers = new WeakMap<XmppClient, DiscoServer>()

// Passed by discoServerOf: construct without attaching (a React render may do that).
const DEFER = Symbol('DiscoServer.defer')

/**
 * The DiscoServer of `xmpp`, created if needed but not answering yet (it
 * starts with DiscoServer.for): what a React render may call. Internal.
 */
export function discoServerOf(xmpp: XmppClient): DiscoServer {
  return servers.get(xmpp) ?? new DiscoServer(xmpp, DEFER)
}

export class DiscoServer extends Node {
  readonly #xmpp: XmppClient
  readonly #mounts = new Map<string, Mount>()
  readonly #declared = new Map<string, StaticNode>()
  readonly #declaredNodes = new WeakSet<StaticNode>()
  readonly #nodeClaims = new Map<string, number>()
  /** True while the default identity is ours to withdraw and bring back. */
  #defaultManaged = true
  #maxPageSize = MAX_PAGE_SIZE
  #attached = false
  #disposed = false
  /** The root's own items (StaticNode-like); listed mounts are added to them. */
  items: DiscoItem[] = []
  readonly #itemClaims = new ItemClaims(() => this.items)

  /** The DiscoServer of `xmpp`, created on first use, answering from then on. */
  static for(xmpp: XmppClient): DiscoServer {
    const server = discoServerOf(xmpp)
    server.#attach()
    return server
  }

  /** Prefer DiscoServer.for(xmpp); constructing a second one for a client throws. */
  constructor(xmpp: XmppClient, defer?: symbol) {
    super()
    if (servers.has(xmpp)) throw new DiscoError('This client has a DiscoServer already: use DiscoServer.for(xmpp)')
    servers.set(xmpp, this)
    this.#xmpp = xmpp
    // XEP-0030: an entity has at least one identity.
    super.registerIdentity(DEFAULT_CATEGORY, DEFAULT_TYPE)
    if (defer !== DEFER) this.#attach()
  }

  /**
   * Installs the answering routes, once. @xmpp/iq routes cannot be removed:
   * after dispose() they pass every query on (to a new DiscoServer's routes).
   */
  #attach(): void {
    if (this.#attached || this.#disposed) return
    this.#attached = true
    const callee = this.#xmpp.iqCallee
    const events = DiscoEvents.of(this.#xmpp)
    // An answer whose write meets a dying connection is sent again once resumed.
    const watchWrite = requeueFailedAnswers(this.#xmpp)
    const answer = (kind: 'info' | 'items') => (ctx: IncomingContext, next: () => unknown) => {
      if (this.#disposed) return next()
      const reply = this.#answer(ctx, kind)
      watchWrite(ctx.stanza.attrs.id)
      if (events.listening) events.emit(servedEvent(ctx, kind, reply))
      return reply
    }
    callee.get(NS_DISCO_INFO, 'query', answer('info'))
    callee.get(NS_DISCO_ITEMS, 'query', answer('items'))
    // Disco publish (type='set') was removed from XEP-0030: never reach a node.
    const refuse = (ctx: IncomingContext, next: () => unknown) =>
      this.#disposed ? next() : stanzaError('cancel', 'service-unavailable')
    callee.set(NS_DISCO_INFO, 'query', refuse)
    callee.set(NS_DISCO_ITEMS, 'query', refuse)
  }

  /**
   * Stops answering: the routes pass every query on, and DiscoServer.for
   * makes a fresh server (with the default identity only) afterwards.
   */
  dispose(): void {
    if (this.#disposed) return
    this.#disposed = true
    if (servers.get(this.#xmpp) === this) servers.delete(this.#xmpp)
  }

  protected override get mandatoryFeatures(): readonly string[] {
    return ROOT_FEATURES
  }

  /**
   * The most items one disco#items page holds (XEP-0059), whatever the
   * requester asks; default 100. Requests without `<set/>` get every item.
   */
  get maxPageSize(): number {
    return this.#maxPageSize
  }
  set maxPageSize(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new InvalidInputError(`maxPageSize must be a positive integer, got ${String(size)}`)
    this.#maxPageSize = size
  }

  /** The xmpp.js client this server answers for. */
  get client(): XmppClient {
    return this.#xmpp
  }

  // ---- mounts ----

  /** Answers queries for `mountpoint` with `node`, replacing what was mounted there. */
  mountNode(mountpoint: string, node: Node, options: MountOptions = {}): void {
    assertText(mountpoint, 'mountpoint')
    assertOptionalText(options.name, 'item name')
    if (!(node instanceof Node)) throw new InvalidInputError('mountNode needs a Node')
    this.#mounts.set(mountpoint, { node, listed: options.listed ?? false, name: options.name })
    // A declared node forgotten while someone still held it (React keeps it
    // across StrictMode's remount) is the shared one again.
    if (node instanceof StaticNode && this.#declaredNodes.has(node) && !this.#declared.has(mountpoint)) this.#declared.set(mountpoint, node)
  }

  /** Stops answering for `mountpoint`. Throws a RegistrationError if nothing is mounted there. */
  unmountNode(mountpoint: string): void {
    if (!this.#mounts.delete(mountpoint)) {
      throw new RegistrationError('not-registered', `nothing is mounted at ${mountpoint}`)
    }
  }

  /**
   * The StaticNode that declarative code shares for `mountpoint` (created on
   * first use, not mounted by this call): everyone declaring things on one
   * mountpoint declares them on the same node.
   */
  declaredNode(mountpoint: string): StaticNode {
    assertText(mountpoint, 'mountpoint')
    let node = this.#declared.get(mountpoint)
    if (!node) {
      const created = new StaticNode()
      this.#declared.set(mountpoint, created)
      this.#declaredNodes.add(created)
      created.onInfoChanged(() => this.#forgetIfUnused(mountpoint, created))
      node = created
    }
    return node
  }

  /**
   * Forgets a declared node once it is neither mounted nor declares
   * anything, so that a node per chat room does not stay for the client's
   * lifetime. Checked after the current task: StrictMode mounts again at once,
   * and the releases of one React commit come in no set order.
   */
  #forgetIfUnused(mountpoint: string, node: StaticNode): void {
    queueMicrotask(() => {
      if (this.#declared.get(mountpoint) === node && this.#mounts.get(mountpoint)?.node !== node && declaresNothing(node)) {
        this.#declared.delete(mountpoint)
      }
    })
  }

  /**
   * Mounts `node` at `mountpoint` until the release is called. Claims are
   * counted per mountpoint: the node is unmounted when the last claim goes
   * (and only if it is still the one mounted there).
   */
  claimNode(mountpoint: string, node: Node, options: MountOptions = {}): Release {
    this.mountNode(mountpoint, node, options)
    this.#nodeClaims.set(mountpoint, (this.#nodeClaims.get(mountpoint) ?? 0) + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      const left = (this.#nodeClaims.get(mountpoint) ?? 1) - 1
      if (left > 0) {
        this.#nodeClaims.set(mountpoint, left)
        return
      }
      this.#nodeClaims.delete(mountpoint)
      if (this.#mounts.get(mountpoint)?.node === node) this.#mounts.delete(mountpoint)
      if (node instanceof StaticNode) this.#forgetIfUnused(mountpoint, node)
    }
  }

  /** The node mounted at `mountpoint`, if any. */
  getNode(mountpoint: string): Node | undefined {
    return this.#mounts.get(mountpoint)?.node
  }

  // ---- root items ----

  /** Adds an item to the root's disco#items until the release is called. */
  claimItem(item: DiscoItem): Release {
    return this.#itemClaims.claim(item)
  }

  override iterItems(request?: XmlElement): Iterable<DiscoItem> {
    const listed: DiscoItem[] = []
    // Our own bound JID, not the request's `to`, which the requester chose.
    const self = this.#xmpp.jid?.toString() ?? request?.attrs.to
    if (self !== undefined) {
      for (const [mountpoint, mount] of this.#mounts) {
        if (!mount.listed) continue
        const item: DiscoItem = { jid: self, node: mountpoint }
        if (mount.name !== undefined) item.name = mount.name
        listed.push(item)
      }
    }
    return listed.length === 0 ? this.items : [...this.items, ...listed]
  }

  // ---- the default identity ----

  override registerIdentity(category: string, type: string, options: { names?: IdentityNames } = {}): void {
    super.registerIdentity(category, type, options)
    // The app now manages identities itself, as in the reference.
    this.#defaultManaged = false
  }

  override unregisterIdentity(category: string, type: string): void {
    super.unregisterIdentity(category, type)
    if (category === DEFAULT_CATEGORY && type === DEFAULT_TYPE) this.#defaultManaged = false
  }

  /**
   * As Node.claimIdentity; besides, the default client/bot identity gives way
   * to the first claimed identity and comes back when the last claim goes
   * (unless the app has registered or removed identities strictly). A claim
   * of client/bot itself is the app's, and stays beside the others.
   */
  override claimIdentity(category: string, type: string, options: { names?: IdentityNames } = {}): Release {
    return this.batch(() => {
      const release = super.claimIdentity(category, type, options)
      this.#withdrawDefault()
      return () =>
        this.batch(() => {
          release()
          if (!this.#defaultManaged) return
          if (this.identityCount === 0) super.registerIdentity(DEFAULT_CATEGORY, DEFAULT_TYPE)
          else this.#withdrawDefault()
        })
    })
  }

  /**
   * Removes the default identity once another identity exists, unless a claim
   * holds client/bot too: then the app declared it and it is no default.
   */
  #withdrawDefault(): void {
    if (
      this.#defaultManaged &&
      this.identityCount > 1 &&
      this.hasIdentity(DEFAULT_CATEGORY, DEFAULT_TYPE) &&
      !this.isClaimed(DEFAULT_CATEGORY, DEFAULT_TYPE)
    ) {
      super.unregisterIdentity(DEFAULT_CATEGORY, DEFAULT_TYPE)
    }
  }

  // ---- answering ----

  /**
   * Built disco#info replies, per node and mountpoint, valid while the node's
   * infoRevision is unchanged. Building 100+ elements per request was most of
   * the answering cost; only nodes that answer everybody alike are cached.
   */
  readonly #infoReplies = new WeakMap<Node, Map<string, { revision: number; element: XmlElement }>>()

  #cachedInfo(node: Node, nodeName: string | undefined): XmlElement | undefined {
    const hit = this.#infoReplies.get(node)?.get(nodeName ?? '')
    return hit && hit.revision === node.infoRevision && answersEverybodyAlike(node) ? hit.element : undefined
  }

  /** Built disco#items replies, per node and mountpoint, valid while the node lists the same items. */
  readonly #itemsReplies = new WeakMap<Node, Map<string, ItemsReplies>>()

  /** The replies built from `list` for `node` at `nodeName`: the kept ones if the list is unchanged, else new ones. */
  #itemsRepliesFor(node: Node, nodeName: string | undefined, list: DiscoItem[]): ItemsReplies {
    let perNode = this.#itemsReplies.get(node)
    if (!perNode) {
      perNode = new Map()
      this.#itemsReplies.set(node, perNode)
    }
    const kept = perNode.get(nodeName ?? '')
    if (kept?.matches(list)) return kept
    // A copy: the app may change its array after this.
    const replies = new ItemsReplies([...list])
    perNode.set(nodeName ?? '', replies)
    return replies
  }

  /** The reply to a disco#items request with `set`, or the error that request earns (bad-request, item-not-found). */
  #itemsPage(replies: ItemsReplies, nodeName: string | undefined, set: XmlElement): XmlElement {
    try {
      const request = parseRsmRequest(set)
      const key = JSON.stringify([Math.min(request.max ?? this.#maxPageSize, this.#maxPageSize), request.after, request.before, request.index])
      return replies.page(key, () => {
        const page: Page<DiscoItem> = selectPage(replies.list, request, this.#maxPageSize, itemUid, replies.indexOf)
        return itemsToXml(nodeName === undefined ? page : { node: nodeName, ...page })
      })
    } catch (error) {
      if (error instanceof StanzaError) return stanzaError(error.type ?? 'cancel', error.condition)
      throw error
    }
  }

  #answer(ctx: IncomingContext, kind: 'info' | 'items'): XmlElement {
    const request = ctx.stanza
    const nodeName = ctx.element?.attrs.node || undefined
    try {
      const node = nodeName === undefined ? this : this.#mounts.get(nodeName)?.node
      if (!node) return stanzaError('cancel', 'item-not-found')
      if (kind === 'info') {
        const cached = this.#cachedInfo(node, nodeName)
        if (cached) return cached
        const info: DiscoInfo = node.toInfo(request)
        // An empty identity list means "this node does not exist for you".
        if (info.identities.length === 0) return stanzaError('cancel', 'item-not-found')
        if (nodeName !== undefined) info.node = nodeName
        const element = infoToXml(info)
        if (answersEverybodyAlike(node)) {
          let perNode = this.#infoReplies.get(node)
          if (!perNode) {
            perNode = new Map()
            this.#infoReplies.set(node, perNode)
          }
          perNode.set(nodeName ?? '', { revision: node.infoRevision, element })
        }
        return element
      }
      // A kept info reply says the node has identities (for everybody).
      if (!this.#cachedInfo(node, nodeName) && isEmpty(node.iterIdentities(request))) return stanzaError('cancel', 'item-not-found')
      const listed = node.iterItems(request)
      const replies = this.#itemsRepliesFor(node, nodeName, Array.isArray(listed) ? (listed as DiscoItem[]) : [...listed])
      const set = ctx.element ? rsmOf(ctx.element) : undefined
      if (set) return this.#itemsPage(replies, nodeName, set)
      return (replies.plain ??= itemsToXml(nodeName === undefined ? { items: replies.list } : { node: nodeName, items: replies.list }))
    } catch {
      // A failing node says nothing about its internals to the network.
      return stanzaError('cancel', 'internal-server-error')
    }
  }
}

/** Whether `node` declares nothing: no identity, form or item, no feature beyond the mandatory ones. */
function declaresNothing(node: StaticNode): boolean {
  return (
    node.items.length === 0 &&
    [...node.iterIdentities()].length === 0 &&
    [...node.iterForms()].length === 0 &&
    [...node.iterFeatures()].length === MANDATORY_FEATURES.length
  )
}
