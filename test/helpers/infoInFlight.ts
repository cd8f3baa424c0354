// Counts, on the wire, the disco#info gets an entity has in flight at once.
import { NS_DISCO_INFO } from '../../src/core/index.js'
import type { XmlElement } from '../../src/core/index.js'
import type { FakeNetwork } from './fakeNetwork.js'

/** How many disco#info gets `asker` sent, and the most it had in flight at once (live figures). */
export interface InfoInFlight {
  max: number
  sent: number
}

/** Watches the network's traffic (as its interceptor) for `asker`'s disco#info gets and their replies. */
export function watchInfoInFlight(network: FakeNetwork, asker: string): InfoInFlight {
  const pending = new Set<string>()
  const seen: InfoInFlight = { max: 0, sent: 0 }
  network.interceptor = (stanza: XmlElement) => {
    const id = stanza.attrs.id ?? ''
    if (stanza.is('iq') && stanza.attrs.type === 'get' && stanza.attrs.from === asker && stanza.getChild('query', NS_DISCO_INFO)) {
      pending.add(id)
      seen.sent++
      seen.max = Math.max(seen.max, pending.size)
    } else if (stanza.is('iq') && stanza.attrs.to === asker) {
      pending.delete(id)
    }
    return stanza
  }
  return seen
}
