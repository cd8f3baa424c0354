// slixmpp as an independent XMPP peer (test/helpers/slixmppCapsPeer.py,
// slixmppRsmPeer.py, slixmppDiscoPeer.py), run with Debian's /usr/bin/python3 (the python3 on PATH
// may lack slixmpp; `npm run test:integration` installs python3-slixmpp when
// it is missing).
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { Interface } from 'node:readline'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startCommandPeer } from './commandPeer.js'
import type { PeerInfo, PeerItems } from './commandPeer.js'
import type { TestServer } from './server.js'

// From the string: under jsdom the global URL is jsdom's, which fileURLToPath refuses.
const HERE = dirname(fileURLToPath(import.meta.url))
const CAPS_SCRIPT = join(HERE, 'slixmppCapsPeer.py')
const RSM_SCRIPT = join(HERE, 'slixmppRsmPeer.py')
const DISCO_SCRIPT = join(HERE, 'slixmppDiscoPeer.py')
const PYTHON = '/usr/bin/python3'

type Server = Pick<TestServer, 'host' | 'c2sPort'>
type Account = { username: string; password: string }

/** A peer script started as `account` on `server`, its stdout as lines of JSON. */
function spawnPeer(script: string, server: Server, account: Account, ...args: string[]) {
  const child = spawn(PYTHON, [script, '127.0.0.1', String(server.c2sPort), `${account.username}@${server.host}/slixmpp`, account.password, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }
  const lines: Interface = createInterface({ input: child.stdout })
  return { child, lines, stop, stderr: () => stderr }
}

/** One verification by slixmpp's XEP-0115 plugin, with the forms as it read them. */
export interface SlixmppCapsReport {
  node: string
  ver: string
  verified: boolean
  forms: Record<string, string[]>[]
}

export interface SlixmppPeer {
  /** Its full JID, bound by the server. */
  jid: string
  /** Every caps verification it made, in order. */
  readonly reports: readonly SlixmppCapsReport[]
  stop(): Promise<void>
}

type Line = { event: 'online'; jid: string } | ({ event: 'caps' } & SlixmppCapsReport) | { event: 'error'; message: string }

/** Starts the peer as `username` on `server` and resolves once its session is up. */
export function startSlixmppPeer(server: Server, account: Account, timeout = 20_000): Promise<SlixmppPeer> {
  const { child, lines, stop, stderr } = spawnPeer(CAPS_SCRIPT, server, account)
  const reports: SlixmppCapsReport[] = []

  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer)
      void stop()
      reject(new Error(`slixmpp peer: ${why}\n${stderr()}`))
    }
    const timer = setTimeout(() => fail(`not online after ${timeout} ms`), timeout)
    child.once('error', (error) => fail(error.message))
    const early = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(`exited (${code ?? signal}) before it was online`)
    child.once('exit', early)
    lines.on('line', (text) => {
      const line = JSON.parse(text) as Line
      if (line.event === 'online') {
        clearTimeout(timer)
        child.off('exit', early)
        resolve({ jid: line.jid, reports, stop })
      } else if (line.event === 'caps') {
        const { event: _, ...report } = line
        reports.push(report)
      } else {
        fail(line.message)
      }
    })
  })
}

/** One page as slixmpp's XEP-0059 iterator got it (items as "JID" or "JID NODE"). */
export interface SlixmppPage {
  items: string[]
  first: string
  first_index: string
  last: string
  count: string
}

type RsmLine = { event: 'online'; jid: string } | ({ event: 'page' } & SlixmppPage) | { event: 'done' } | { event: 'error'; message: string }

/**
 * Walks `target`'s disco#items with slixmpp's own RSM iterator (`amount`
 * items a page), as `account`; resolves with the pages once it is done.
 */
export function walkItemsWithSlixmpp(server: Server, account: Account, target: string, amount: number, timeout = 60_000): Promise<SlixmppPage[]> {
  const { child, lines, stop, stderr } = spawnPeer(RSM_SCRIPT, server, account, target, String(amount))
  const pages: SlixmppPage[] = []
  return new Promise((resolve, reject) => {
    let settled = false
    const finish = (error?: Error): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      void stop().then(() => (error ? reject(error) : resolve(pages)))
    }
    const timer = setTimeout(() => finish(new Error(`slixmpp walk: not done after ${timeout} ms\n${stderr()}`)), timeout)
    child.once('error', (error) => finish(error))
    child.once('exit', (code) => {
      if (code !== 0) finish(new Error(`slixmpp walk: exited (${code})\n${stderr()}`))
    })
    lines.on('line', (text) => {
      const line = JSON.parse(text) as RsmLine
      if (line.event === 'page') {
        const { event: _, ...page } = line
        pages.push(page)
      } else if (line.event === 'done') finish()
      else if (line.event === 'error') finish(new Error(`slixmpp walk: ${line.message}\n${stderr()}`))
    })
  })
}

/** What slixmppDiscoPeer.py declares besides its identities and its albums node. */
export const SLIXMPP_FEATURE = 'urn:example:slixmpp'
export const SLIXMPP_INFO_FORM = 'urn:example:slixmpp:info'

/** slixmpp's disco both ways (test/helpers/slixmppDiscoPeer.py): it answers, and asks on command. */
export interface SlixmppDiscoPeer {
  jid: string
  /** slixmpp's get_info, as it parsed the result. */
  info(jid: string, node?: string): Promise<PeerInfo>
  /** slixmpp's get_items, the items in document order. */
  items(jid: string, node?: string): Promise<PeerItems>
  /** A directed presence, with slixmpp's XEP-0115 caps. */
  presence(to: string): Promise<void>
  stop(): Promise<void>
}

/** Starts slixmppDiscoPeer.py as `account` on `server`; resolves once its session is up and its disco declared. */
export async function startSlixmppDiscoPeer(server: Server, account: Account): Promise<SlixmppDiscoPeer> {
  const peer = await startCommandPeer(DISCO_SCRIPT, server, account, { resource: 'slixmpp' })
  return {
    jid: peer.jid,
    info: (jid, node) => peer.command('info', { jid, node: node ?? null }) as Promise<PeerInfo>,
    items: (jid, node) => peer.command('items', { jid, node: node ?? null }) as Promise<PeerItems>,
    presence: async (to) => {
      await peer.command('presence', { to })
    },
    stop: peer.stop,
  }
}
