// Holds a peer's answers to some disco#info nodes: queries in flight when a
// connection drops, for the integration tests of sessions.
import { NS_DISCO_INFO } from '../../src/core/index.js'
import type { IncomingContext, XmppClient } from '../../src/core/index.js'
import type { Client } from './xmppClient.js'

/** Holds `peer`'s answers to disco#info at `nodes` until released; counts the queries held. */
export function slowNode(peer: Client, nodes: readonly string[] = ['slow']): { release(): void; received(): number } {
  let open: () => void = () => {}
  let gate = new Promise<void>((resolve) => (open = resolve))
  let received = 0
  ;(peer as unknown as XmppClient).middleware.use(async (ctx: IncomingContext, next) => {
    const query = ctx.stanza.name === 'iq' && ctx.stanza.attrs.type === 'get' ? ctx.stanza.getChild('query', NS_DISCO_INFO) : undefined
    if (query?.attrs.node !== undefined && nodes.includes(query.attrs.node)) {
      received++
      await gate
    }
    return next()
  })
  return {
    release: () => {
      open()
      gate = new Promise<void>((resolve) => (open = resolve))
    },
    received: () => received,
  }
}
