// aioxmpp as an independent XMPP peer (test/helpers/aioxmppPeer.py), run with
// Debian's /usr/bin/python3 and python3-aioxmpp: it answers disco with its own
// DiscoServer, asks with its own DiscoClient on command, and its entity
// capabilities service verifies the caps of the presences it gets.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestServer } from './server.js'

// From the string: under jsdom the global URL is jsdom's, which fileURLToPath refuses.
const HERE = dirname(fileURLToPath(import.meta.url))
const SCRIPT = join(HERE, 'aioxmppPeer.py')
const PYTHON = '/usr/bin/python3'

type Server = Pick<TestServer, 'host' | 'c2sPort'>
type Account = { username: string; password: string }

/** What aioxmppPeer.py answers (its SPEC). */
export const AIOXMPP_FEATURE = 'urn:example:aioxmpp'

/** A disco#info result as aioxmpp's DiscoClient parsed it. */
export interface AioxmppInfo {
  node: string | null
  identities: { category: string; type: string; name?: string; lang?: string }[]
  features: string[]
  forms: { type: string; fields: { var: string; values: string[] }[] }[]
}

/** A disco#items result as aioxmpp's DiscoClient parsed it. */
export interface AioxmppItems {
  node: string | null
  items: { jid: string; node?: string; name?: string }[]
}

/** One caps verification by aioxmpp's EntityCapsService. */
export interface AioxmppCapsReport {
  jid: string
  node: string
  verified: boolean
}

/** An error aioxmpp's DiscoClient raised: its repr and its stanza error condition, if any. */
export class AioxmppError extends Error {
  readonly condition: string | null
  constructor(message: string, condition: string | null) {
    super(message)
    this.condition = condition
  }
}

export interface AioxmppPeer {
  /** Its full JID, bound by the server. */
  jid: string
  /** Every caps verification it made, in order. */
  readonly reports: readonly AioxmppCapsReport[]
  /** aioxmpp's query_info (require_fresh unless `fresh: false`: then its caps may answer). */
  info(jid: string, node?: string, options?: { fresh?: boolean }): Promise<AioxmppInfo>
  items(jid: string, node?: string): Promise<AioxmppItems>
  /** Sends a directed available presence, with aioxmpp's caps. */
  presence(to: string): Promise<void>
  stop(): Promise<void>
}

type Line =
  | { event: 'online'; jid: string }
  | ({ event: 'caps' } & AioxmppCapsReport)
  | { event: 'error'; message: string }
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string; condition: string | null }

/** Starts the peer as `account` on `server` and resolves once its session is up. */
export function startAioxmppPeer(server: Server, account: Account, timeout = 20_000): Promise<AioxmppPeer> {
  const child = spawn(PYTHON, [SCRIPT, '127.0.0.1', String(server.c2sPort), `${account.username}@${server.host}/aioxmpp`, account.password], {
    stdio: ['pipe', 'pipe', 'pipe'],
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
  const reports: AioxmppCapsReport[] = []
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  let nextId = 0
  const command = (cmd: Record<string, unknown>): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = ++nextId
      waiting.set(id, { resolve, reject })
      child.stdin.write(`${JSON.stringify({ id, ...cmd })}\n`)
    })

  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer)
      void stop()
      reject(new Error(`aioxmpp peer: ${why}\n${stderr}`))
    }
    const timer = setTimeout(() => fail(`not online after ${timeout} ms`), timeout)
    child.once('error', (error) => fail(error.message))
    const early = (code: number | null, signal: NodeJS.Signals | null): void => fail(`exited (${code ?? signal}) before it was online`)
    child.once('exit', early)
    child.once('exit', () => {
      for (const { reject: rejectCommand } of waiting.values()) rejectCommand(new Error(`aioxmpp peer exited\n${stderr}`))
      waiting.clear()
    })
    createInterface({ input: child.stdout }).on('line', (text) => {
      const line = JSON.parse(text) as Line
      if ('id' in line) {
        const pending = waiting.get(line.id)
        waiting.delete(line.id)
        if (line.ok) pending?.resolve(line.result)
        else pending?.reject(new AioxmppError(line.error, line.condition))
      } else if (line.event === 'online') {
        clearTimeout(timer)
        child.off('exit', early)
        resolve({
          jid: line.jid,
          reports,
          info: (jid, node, options = {}) => command({ cmd: 'info', jid, node: node ?? null, fresh: options.fresh ?? true }) as Promise<AioxmppInfo>,
          items: (jid, node) => command({ cmd: 'items', jid, node: node ?? null }) as Promise<AioxmppItems>,
          presence: async (to) => {
            await command({ cmd: 'presence', to })
          },
          stop,
        })
      } else if (line.event === 'caps') {
        const { event: _, ...report } = line
        reports.push(report)
      } else {
        fail(line.message)
      }
    })
  })
}
