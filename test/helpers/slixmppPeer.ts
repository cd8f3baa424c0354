// slixmpp as an independent XMPP peer (test/helpers/slixmppCapsPeer.py), run
// with Debian's /usr/bin/python3 (the python3 on PATH may lack slixmpp; `npm
// run test:integration` installs python3-slixmpp when it is missing).
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { TestServer } from './server.js'

const SCRIPT = fileURLToPath(new URL('./slixmppCapsPeer.py', import.meta.url))
const PYTHON = '/usr/bin/python3'

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
export function startSlixmppPeer(
  server: Pick<TestServer, 'host' | 'c2sPort'>,
  account: { username: string; password: string },
  timeout = 20_000,
): Promise<SlixmppPeer> {
  const child = spawn(PYTHON, [SCRIPT, '127.0.0.1', String(server.c2sPort), `${account.username}@${server.host}/slixmpp`, account.password], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const reports: SlixmppCapsReport[] = []
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }

  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer)
      void stop()
      reject(new Error(`slixmpp peer: ${why}\n${stderr}`))
    }
    const timer = setTimeout(() => fail(`not online after ${timeout} ms`), timeout)
    child.once('error', (error) => fail(error.message))
    const early = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(`exited (${code ?? signal}) before it was online`)
    child.once('exit', early)
    createInterface({ input: child.stdout }).on('line', (text) => {
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
