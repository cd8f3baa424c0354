// aioxmpp as an independent XMPP peer (test/helpers/aioxmppPeer.py), run with
// Debian's python3-aioxmpp: it answers disco with its own DiscoServer, asks
// with its own DiscoClient on command, and its entity capabilities service
// verifies the caps of the presences it gets.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startCommandPeer } from './commandPeer.js'
import type { PeerAccount, PeerInfo, PeerItems } from './commandPeer.js'
import type { TestServer } from './server.js'

export { PeerCommandError } from './commandPeer.js'

// From the string: under jsdom the global URL is jsdom's, which fileURLToPath refuses.
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'aioxmppPeer.py')

/** What aioxmppPeer.py declares besides its identities and its albums node. */
export const AIOXMPP_FEATURE = 'urn:example:aioxmpp'

/** One caps verification by aioxmpp's EntityCapsService. */
export interface AioxmppCapsReport {
  jid: string
  node: string
  verified: boolean
}

export interface AioxmppPeer {
  /** Its full JID, bound by the server. */
  jid: string
  /** Every caps verification it made, in order. */
  readonly reports: readonly AioxmppCapsReport[]
  /** aioxmpp's query_info (require_fresh unless `fresh: false`: then its caps may answer). */
  info(jid: string, node?: string, options?: { fresh?: boolean }): Promise<PeerInfo>
  items(jid: string, node?: string): Promise<PeerItems>
  /** Sends a directed available presence, with aioxmpp's caps. */
  presence(to: string): Promise<void>
  stop(): Promise<void>
}

/** Starts the peer as `account` on `server` and resolves once its session is up. */
export async function startAioxmppPeer(server: Pick<TestServer, 'host' | 'c2sPort'>, account: PeerAccount): Promise<AioxmppPeer> {
  const reports: AioxmppCapsReport[] = []
  const peer = await startCommandPeer(SCRIPT, server, account, {
    resource: 'aioxmpp',
    onEvent: (event) => {
      if (event.event === 'caps') reports.push({ jid: String(event.jid), node: String(event.node), verified: event.verified === true })
    },
  })
  return {
    jid: peer.jid,
    reports,
    info: (jid, node, options = {}) => peer.command('info', { jid, node: node ?? null, fresh: options.fresh ?? true }) as Promise<PeerInfo>,
    items: (jid, node) => peer.command('items', { jid, node: node ?? null }) as Promise<PeerItems>,
    presence: async (to) => {
      await peer.command('presence', { to })
    },
    stop: peer.stop,
  }
}
