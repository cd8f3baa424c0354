// Stanzas cross the boundary both ways without casts: the client's into our
// parser and Node hooks, ours into the client's send() and xml().
import { client, xml } from '@xmpp/client'
import { Node, infoToXml, parseInfo } from 'react-xmpp-disco/core'
import type { DiscoInfo, XmlElement } from 'react-xmpp-disco/core'

const xmpp = client({ service: 'xmpp://localhost', domain: 'localhost' })

export function onDiscoReply(handle: (info: DiscoInfo) => void): void {
  xmpp.on('stanza', (stanza) => {
    if (stanza.is('iq') && stanza.attrs.type === 'result') handle(parseInfo(stanza))
  })
}

export async function answerByHand(to: string, id: string, info: DiscoInfo): Promise<void> {
  await xmpp.send(xml('iq', { type: 'result', to, id }, infoToXml(info)))
  await xmpp.send(infoToXml(info))
}

/** A node that tells each requester its own JID as a feature. */
export class EchoNode extends Node {
  override *iterFeatures(request?: XmlElement): Iterable<string> {
    yield* super.iterFeatures(request)
    const from = request?.attrs.from
    if (from !== undefined) yield `urn:example:you-are:${from}`
  }
}
