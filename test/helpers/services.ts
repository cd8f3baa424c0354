// A server with many components, for finding services: example.org lists
// `count` components service0.example.org ...; every third has HTTP upload,
// one fails its disco#info, and the network counts the disco#info gets the
// asker has in flight at once.
import { NS_DISCO_INFO } from '../../src/core/index.js'
import { answerDisco } from '../../src/testing/index.js'
import type { FakeNetwork } from './fakeNetwork.js'
import { watchInfoInFlight } from './infoInFlight.js'
import type { InfoInFlight } from './infoInFlight.js'

export const UPLOAD = 'urn:xmpp:http:upload:0'

export interface ServiceWorld {
  /** The components that have HTTP upload, in the server's order. */
  uploads: string[]
  /** The most disco#info gets the asker had in flight at once, and how many it sent. */
  info: InfoInFlight
}

export function serviceWorld(network: FakeNetwork, asker: string, count = 20): ServiceWorld {
  const jids = Array.from({ length: count }, (_, i) => `service${i}.example.org`)
  answerDisco(network.entity('example.org'), {
    info: { identities: [{ category: 'server', type: 'im' }], features: [NS_DISCO_INFO], forms: [] },
    items: jids.map((jid, i) => ({ jid, name: `Service ${i}` })),
  })
  jids.forEach((jid, i) => {
    const failing = i === 4
    answerDisco(network.entity(jid), {
      info: { identities: [{ category: 'component', type: 'generic' }], features: i % 3 === 0 ? [UPLOAD] : ['urn:example:other'], forms: [] },
      error: failing ? { condition: 'internal-server-error' } : undefined,
    })
  })
  const info = watchInfoInFlight(network, asker)
  return { uploads: jids.filter((_, i) => i % 3 === 0), info }
}
