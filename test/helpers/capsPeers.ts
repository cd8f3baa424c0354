// Peers that advertise entity capabilities, for the caps tests: a raw
// responder (not a client of this library) whose disco#info answers are
// written as XML, and the presences carrying its <c/>.
import parseXmlString from '@xmpp/xml/lib/parse.js'
import xml from '@xmpp/xml'
import { NS_CAPS, NS_CAPS2, NS_DISCO_INFO, NS_HASHES, NS_STANZAS } from '../../src/core/index.js'
import { capsDataFromQuery } from '../../src/core/caps/capsData.js'
import { capsVer } from '../../src/core/caps/ecaps115.js'
import type { XmlElement } from '../../src/core/index.js'
import type { FakeEntity, FakeNetwork } from './fakeNetwork.js'

export const parseXml = parseXmlString as (s: string) => XmlElement
export const PEER_NODE = 'https://peer.example'

/** A disco#info <query/> body as a result. */
export const query = (body: string, node?: string): XmlElement =>
  parseXml(`<query xmlns='${NS_DISCO_INFO}'${node === undefined ? '' : ` node='${node}'`}>${body}</query>`)

/** The XEP-0115 ver of a disco#info body. */
export const verOf = (body: string): Promise<string> => capsVer(capsDataFromQuery(query(body)))

export const HONEST = `<identity category='client' type='pc' name='Peer'/><feature var='${NS_DISCO_INFO}'/><feature var='urn:example:jingle'/>`
export const EVIL = `<identity category='client' type='pc' name='Peer'/><feature var='${NS_DISCO_INFO}'/><feature var='urn:example:evil'/>`

/**
 * A peer that is not a client of this library: it answers disco#info with
 * `answer(node)` (a <query/> body; undefined: item-not-found) and counts the
 * queries it got.
 */
export function rawPeer(net: FakeNetwork, jid: string, answer: (node: string | undefined) => string | undefined) {
  const peer = net.entity(jid)
  const asked: (string | undefined)[] = []
  peer.iqCallee.get(NS_DISCO_INFO, 'query', (ctx) => {
    const node = ctx.element?.attrs.node
    asked.push(node)
    const body = answer(node)
    if (body === undefined) return xml('error', { type: 'cancel' }, xml('item-not-found', { xmlns: NS_STANZAS }))
    return query(body, node)
  })
  return { peer, jid, asked }
}

/** A raw peer whose plain disco#info answers (no node) wait until answer(); node#ver is answered at once. */
export function gatedPeer(net: FakeNetwork, jid: string, body: (node: string | undefined) => string) {
  const peer = net.entity(jid)
  const asked: (string | undefined)[] = []
  let answer!: () => void
  const gate = new Promise<void>((resolve) => {
    answer = resolve
  })
  peer.iqCallee.get(NS_DISCO_INFO, 'query', async (ctx) => {
    const node = ctx.element?.attrs.node
    asked.push(node)
    if (node === undefined) await gate
    return query(body(node), node)
  })
  return { jid, asked, answer }
}

/** Delivers a presence to `to` as if `from` had sent it. */
export function presenceFrom(to: FakeEntity, from: string, ...children: XmlElement[]): void {
  to.receive(xml('presence', { from, to: to.jid.toString() }, ...children))
}

export const c115 = (ver: string, attrs: { node?: string; hash?: string | null } = {}): XmlElement =>
  xml('c', { xmlns: NS_CAPS, node: attrs.node ?? PEER_NODE, ver, hash: attrs.hash === null ? undefined : (attrs.hash ?? 'sha-1') })
export const c390 = (...hashes: [string, string][]): XmlElement =>
  xml('c', { xmlns: NS_CAPS2 }, ...hashes.map(([algo, value]) => xml('hash', { xmlns: NS_HASHES, algo }, value)))
