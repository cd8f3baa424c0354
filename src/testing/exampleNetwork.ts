/**
 * A ready-made simulated world around example.org, for demos, stories and
 * tests: a server with components, two peers that are clients of this
 * library, and three misbehaving services (slow, failing, silent).
 */
import { DiscoServer } from '../core/DiscoServer.js'
import type { DataForm, DiscoInfo } from '../core/model.js'
import { FORM_TYPE, NS_DISCO_INFO, NS_DISCO_ITEMS } from '../core/namespaces.js'
import { answerDisco } from './answerDisco.js'
import type { DiscoResponder, DiscoSpec } from './answerDisco.js'
import type { SimulatedEntity } from './SimulatedEntity.js'
import { SimulatedNetwork } from './SimulatedNetwork.js'

/** The JIDs of the example network. */
export const EXAMPLE_JIDS = {
  /** The server: identity server/im, lists the components below. */
  server: 'example.org',
  /** The client you hand to DiscoProvider (answers with whatever the app declares). */
  me: 'romeo@example.org/orchard',
  /** A peer running this library: client/pc, names in three languages, Jingle audio. */
  peer: 'juliet@example.org/balcony',
  /** Another peer running this library: client/phone, chat states only. */
  otherPeer: 'benvolio@example.org/phone',
  conference: 'conference.example.org',
  room: 'lobby@conference.example.org',
  upload: 'upload.example.org',
  pubsub: 'pubsub.example.org',
  /** Answers after `slowLatency` ms. */
  slow: 'slow.example.org',
  /** Answers every disco query with internal-server-error. */
  broken: 'broken.example.org',
  /** Receives every query and never answers (a query to it times out). */
  silent: 'silent.example.org',
  /** A large directory: a pubsub service with `directorySize` leaf nodes (10,000 by default), paged by RSM. Not in the server's items. */
  directory: 'directory.example.org',
} as const

export const EXAMPLE_FEATURES = {
  jingle: 'urn:xmpp:jingle:1',
  jingleAudio: 'urn:xmpp:jingle:apps:rtp:audio',
  jingleVideo: 'urn:xmpp:jingle:apps:rtp:video',
  chatStates: 'http://jabber.org/protocol/chatstates',
  muc: 'http://jabber.org/protocol/muc',
  upload: 'urn:xmpp:http:upload:0',
  pubsub: 'http://jabber.org/protocol/pubsub',
  ping: 'urn:xmpp:ping',
} as const

export interface ExampleNetworkOptions {
  /** Milliseconds every stanza takes (default 0). */
  latency?: number
  /** Extra milliseconds slow.example.org takes to receive each stanza (default 1500). */
  slowLatency?: number
  /** How many nodes directory.example.org lists (default 10000). */
  directorySize?: number
}

export interface ExampleNetwork {
  network: SimulatedNetwork
  /** romeo@example.org/orchard: the client to hand to DiscoProvider. */
  me: SimulatedEntity
  /** juliet@example.org/balcony, answered by its own DiscoServer (hand it to a DiscoProvider to declare more). */
  peer: SimulatedEntity
  /** benvolio@example.org/phone, answered by its own DiscoServer. */
  otherPeer: SimulatedEntity
  server: SimulatedEntity
  conference: SimulatedEntity
  room: SimulatedEntity
  upload: SimulatedEntity
  pubsub: SimulatedEntity
  slow: SimulatedEntity
  broken: SimulatedEntity
  silent: SimulatedEntity
  directory: SimulatedEntity
  /** The fixed answers of the server and components, by JID: edit `spec` to change them. */
  responders: Record<string, DiscoResponder>
}

/**
 * What a large directory answers: a pubsub service (`jid`) listing `size`
 * leaf nodes ("node-00001" ...; named "Topic 1" ...), each answering its own
 * disco#info; disco#items pages as a real service does (XEP-0059, at most
 * 100 a page; see DiscoSpec.paging to change that).
 */
export function directorySpec(jid: string, size: number): DiscoSpec {
  const digits = String(size).length
  const name = (i: number): string => `node-${String(i + 1).padStart(digits, '0')}`
  const leaf = { identities: [{ category: 'pubsub', type: 'leaf' }], features: [NS_DISCO_INFO], forms: [] }
  const nodes: Record<string, { info: DiscoInfo }> = {}
  const items = Array.from({ length: size }, (_, i) => {
    nodes[name(i)] = { info: leaf }
    return { jid, node: name(i), name: `Topic ${i + 1}` }
  })
  return {
    info: info({ category: 'pubsub', type: 'service', name: 'Large directory' }, ['http://jabber.org/protocol/pubsub', 'http://jabber.org/protocol/rsm']),
    items,
    nodes,
  }
}

function form(formType: string, fields: Record<string, string[]>): DataForm {
  return {
    type: 'result',
    fields: [
      { var: FORM_TYPE, type: 'hidden', values: [formType] },
      ...Object.entries(fields).map(([name, values]) => ({ var: name, values })),
    ],
  }
}

function info(identity: DiscoInfo['identities'][number], features: string[], forms: DataForm[] = []): DiscoInfo {
  return { identities: [identity], features: [NS_DISCO_INFO, NS_DISCO_ITEMS, ...features], forms }
}

/** Builds the example.org network. Every entity starts online. */
export function exampleNetwork(options: ExampleNetworkOptions = {}): ExampleNetwork {
  const J = EXAMPLE_JIDS
  const F = EXAMPLE_FEATURES
  const network = new SimulatedNetwork({ latency: options.latency ?? 0 })
  const responders: Record<string, DiscoResponder> = {}
  const serve = (jid: string, spec: Parameters<typeof answerDisco>[1], entityOptions = {}): SimulatedEntity => {
    const entity = network.entity(jid, entityOptions)
    responders[jid] = answerDisco(entity, spec)
    return entity
  }

  const server = serve(J.server, {
    info: info(
      { category: 'server', type: 'im', name: 'Example Server' },
      [F.ping, 'jabber:iq:version', 'vcard-temp', 'urn:xmpp:blocking', 'msgoffline'],
      [
        form('http://jabber.org/network/serverinfo', {
          'abuse-addresses': ['mailto:abuse@example.org', 'xmpp:abuse@example.org'],
          'admin-addresses': ['mailto:admin@example.org'],
        }),
      ],
    ),
    items: [
      { jid: J.conference, name: 'Chatrooms' },
      { jid: J.upload, name: 'HTTP File Upload' },
      { jid: J.pubsub, name: 'Publish-Subscribe' },
      { jid: J.slow, name: 'Slow service' },
      { jid: J.broken, name: 'Broken service' },
      { jid: J.silent, name: 'Silent service' },
    ],
  })

  const conference = serve(J.conference, {
    info: info({ category: 'conference', type: 'text', name: 'Chatrooms' }, [F.muc]),
    items: [
      { jid: J.room, name: 'Lobby' },
      { jid: 'balcony@conference.example.org', name: 'Balcony scenes' },
    ],
  })
  const room = serve(J.room, {
    info: info(
      { category: 'conference', type: 'text', name: 'Lobby' },
      [F.muc, 'muc_public', 'muc_open', 'muc_persistent'],
      [
        form('http://jabber.org/protocol/muc#roominfo', {
          'muc#roominfo_description': ['Everyone meets here'],
          'muc#roominfo_occupants': ['3'],
        }),
      ],
    ),
  })
  serve('balcony@conference.example.org', {
    info: info({ category: 'conference', type: 'text', name: 'Balcony scenes' }, [F.muc, 'muc_membersonly', 'muc_hidden']),
  })

  const upload = serve(J.upload, {
    info: info({ category: 'store', type: 'file', name: 'HTTP File Upload' }, [F.upload], [
      form(F.upload, { 'max-file-size': ['104857600'] }),
    ]),
  })

  const pubsub = serve(J.pubsub, {
    info: info({ category: 'pubsub', type: 'service', name: 'Publish-Subscribe' }, [F.pubsub]),
    items: [
      { jid: J.pubsub, node: 'princely_musings', name: 'Princely Musings' },
      { jid: J.pubsub, node: 'news', name: 'News' },
    ],
    nodes: {
      princely_musings: { info: info({ category: 'pubsub', type: 'leaf' }, []) },
      news: {
        info: info({ category: 'pubsub', type: 'collection' }, []),
        items: [{ jid: J.pubsub, node: 'news/verona', name: 'News from Verona' }],
      },
      'news/verona': { info: info({ category: 'pubsub', type: 'leaf' }, []) },
    },
  })

  const slow = serve(
    J.slow,
    { info: info({ category: 'component', type: 'generic', name: 'Slow service' }, ['urn:example:slow']) },
    { latency: options.slowLatency ?? 1500 },
  )
  const broken = serve(J.broken, {
    error: { condition: 'internal-server-error', type: 'wait', text: 'The simulated service is broken' },
  })
  const silent = network.entity(J.silent, { silent: true })
  const directory = serve(J.directory, directorySpec(J.directory, options.directorySize ?? 10_000))

  // Peers are clients of this library: their own DiscoServer answers.
  const peer = network.entity(J.peer)
  const peerServer = DiscoServer.for(peer)
  peerServer.batch(() => {
    peerServer.registerIdentity('client', 'pc', { names: { '': 'Juliet', fr: 'Juliette', de: 'Julia' } })
    peerServer.unregisterIdentity('client', 'bot')
    for (const v of [F.jingle, F.jingleAudio, F.chatStates, F.ping]) peerServer.registerFeature(v)
  })
  const otherPeer = network.entity(J.otherPeer)
  const otherServer = DiscoServer.for(otherPeer)
  otherServer.batch(() => {
    otherServer.registerIdentity('client', 'phone', { names: { '': 'Benvolio' } })
    otherServer.unregisterIdentity('client', 'bot')
    otherServer.registerFeature(F.chatStates)
  })

  const me = network.entity(J.me)
  return { network, me, peer, otherPeer, server, conference, room, upload, pubsub, slow, broken, silent, directory, responders }
}
