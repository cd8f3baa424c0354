// Romeo's contacts on the simulated example.org, for the showcase and the
// devtools stories: clients of three kinds, each answering with its own
// DiscoServer and advertising entity capabilities on its presence (one of
// them the legacy way, without a hash), all subscribed to Romeo's presence
// and he to theirs, as a server's roster would have it.
import xml from '@xmpp/xml'
import { EntityCaps } from '../../src/core/caps/index.js'
import { DiscoServer, NS_CAPS, softwareInfoForm } from '../../src/core/index.js'
import type { ExampleNetwork, SimulatedEntity } from '../../src/testing/index.js'

/** The features the chat client's badges and buttons are about. */
export const FEATURES = {
  audio: 'urn:xmpp:jingle:apps:rtp:audio',
  video: 'urn:xmpp:jingle:apps:rtp:video',
  files: 'urn:xmpp:jingle:apps:file-transfer:5',
  receipts: 'urn:xmpp:receipts',
  typing: 'http://jabber.org/protocol/chatstates',
} as const

export type Capability = keyof typeof FEATURES

/** What a badge or a toggle calls each feature. */
export const CAPABILITY_LABELS: Record<Capability, string> = {
  audio: 'Audio calls',
  video: 'Video calls',
  files: 'File transfer',
  receipts: 'Read receipts',
  typing: 'Typing notifications',
}

const JINGLE = 'urn:xmpp:jingle:1'
const PING = 'urn:xmpp:ping'

/** A client program: its identity, features and caps node. */
export interface ClientProgram {
  name: string
  version: string
  type: string
  features: string[]
  /** The caps node; `legacy`: XEP-0115 caps without a hash, as very old clients sent them. */
  node: string
  legacy?: boolean
}

/** The web client Romeo runs, as four of his contacts do. */
export const MONTAGUE_CHAT: ClientProgram = {
  name: 'Montague Chat',
  version: '2.1',
  type: 'web',
  features: [FEATURES.typing, FEATURES.receipts, JINGLE, FEATURES.audio, FEATURES.video, FEATURES.files, PING],
  node: 'https://chat.montague.example',
}

const VERONA_MOBILE: ClientProgram = {
  name: 'Verona Mobile',
  version: '1.4',
  type: 'phone',
  features: [FEATURES.typing, FEATURES.receipts, JINGLE, FEATURES.audio, PING],
  node: 'https://mobile.verona.example',
}

const CELL: ClientProgram = {
  name: 'Cell',
  version: '0.9',
  type: 'pc',
  features: [FEATURES.typing],
  node: 'https://cell.example',
  legacy: true,
}

export interface Contact {
  name: string
  jid: string
  client: ClientProgram
  show?: 'chat' | 'away' | 'dnd' | 'xa'
  status: string
}

export const CONTACTS: Contact[] = [
  { name: 'Juliet', jid: 'juliet@example.org/web', client: MONTAGUE_CHAT, show: 'chat', status: 'On the balcony' },
  { name: 'Mercutio', jid: 'mercutio@example.org/web', client: MONTAGUE_CHAT, show: 'away', status: 'Queen Mab hath been with you' },
  { name: 'Tybalt', jid: 'tybalt@example.org/web', client: MONTAGUE_CHAT, show: 'dnd', status: 'Prince of Cats' },
  { name: 'Nurse', jid: 'nurse@example.org/web', client: MONTAGUE_CHAT, status: 'Where’s my lady?' },
  { name: 'Balthasar', jid: 'balthasar@example.org/phone', client: VERONA_MOBILE, status: 'Riding to Mantua' },
  { name: 'Friar Laurence', jid: 'laurence@example.org/cell', client: CELL, show: 'xa', status: 'Gathering herbs' },
]

/** The client programs of the contacts. */
export const PROGRAMS: ClientProgram[] = [MONTAGUE_CHAT, VERONA_MOBILE, CELL]

/** The contacts running one program (what one caps query answers for). */
export const runs = (program: ClientProgram): Contact[] => CONTACTS.filter((c) => c.client === program)

export interface Verona {
  /** Each contact's entity, by JID. */
  entities: Map<string, SimulatedEntity>
  /** Juliet's client: hand it to a DiscoProvider to see Romeo as she does. */
  juliet: SimulatedEntity
}

const built = new WeakMap<ExampleNetwork, Verona>()

function presence(contact: Contact): ReturnType<typeof xml> {
  const children = [
    ...(contact.show ? [xml('show', {}, contact.show)] : []),
    xml('status', {}, contact.status),
    // Legacy caps: no hash, so only a query to this JID itself says what it supports.
    ...(contact.client.legacy ? [xml('c', { xmlns: NS_CAPS, node: contact.client.node, ver: contact.client.version })] : []),
  ]
  return xml('presence', {}, ...children)
}

/**
 * Adds Romeo's contacts to the example network (once per network), each
 * online with its presence sent: Romeo receives them when he sends his own.
 */
export function setUpVerona(example: ExampleNetwork): Verona {
  const existing = built.get(example)
  if (existing) return existing
  const romeo = example.me.jid.toString()
  const entities = new Map<string, SimulatedEntity>()
  for (const contact of CONTACTS) {
    const entity = example.network.entity(contact.jid)
    entities.set(contact.jid, entity)
    const { client } = contact
    const server = DiscoServer.for(entity)
    server.batch(() => {
      server.registerIdentity('client', client.type, { names: { '': client.name } })
      server.unregisterIdentity('client', 'bot')
      for (const feature of client.features) server.registerFeature(feature)
      server.registerForm(softwareInfoForm({ name: client.name, version: client.version }))
    })
    if (!client.legacy) EntityCaps.for(entity, { node: client.node })
    example.network.subscribe(romeo, contact.jid)
    example.network.subscribe(contact.jid, romeo)
    void entity.send(presence(contact))
  }
  const juliet = entities.get('juliet@example.org/web')
  if (!juliet) throw new Error('Juliet is missing')
  const verona = { entities, juliet }
  built.set(example, verona)
  return verona
}
