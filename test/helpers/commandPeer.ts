// A Python XMPP peer run as its own process (Debian's /usr/bin/python3: the
// python3 on PATH may lack Debian's modules), driven by commands: one JSON
// object a line on stdin ({"id": N, "cmd": ...}), answered on stdout with the
// same id ({"id": N, "ok": true, "result": ...} or {"id": N, "ok": false,
// "error": ..., "condition": ...}). Other lines are events: {"event": "online",
// "jid": ...} once its session is up, {"event": "error", "message": ...} when
// it fails, and events of its own (`onEvent`).
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { TestServer } from './server.js'

const PYTHON = '/usr/bin/python3'

type Server = Pick<TestServer, 'host' | 'c2sPort'>
export type PeerAccount = { username: string; password: string }

/** A disco#info result as the peer's library parsed it. */
export interface PeerInfo {
  node: string | null
  identities: { category: string; type: string; name?: string; lang?: string }[]
  features: string[]
  forms: { type: string; fields: { var: string; values: string[] }[] }[]
}

/** A disco#items result as the peer's library parsed it. */
export interface PeerItems {
  node: string | null
  items: { jid: string; node?: string; name?: string }[]
}

/** What a peer's library raised for a command: its repr, and its stanza error condition if any. */
export class PeerCommandError extends Error {
  readonly condition: string | null
  constructor(message: string, condition: string | null) {
    super(message)
    this.condition = condition
  }
}

export interface CommandPeer {
  /** Its full JID, bound by the server. */
  jid: string
  /** Sends a command and resolves with its result (rejects with PeerCommandError). */
  command(cmd: string, args?: Record<string, unknown>): Promise<unknown>
  stop(): Promise<void>
}

type Line =
  | { event: string; jid?: string; message?: string }
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string; condition: string | null }

/** Starts `script` as `account` (resource `resource`) on `server`; resolves once its session is up. */
export function startCommandPeer(
  script: string,
  server: Server,
  account: PeerAccount,
  options: { resource: string; onEvent?: (event: Record<string, unknown>) => void; timeout?: number },
): Promise<CommandPeer> {
  const { resource, onEvent, timeout = 20_000 } = options
  const child = spawn(PYTHON, [script, '127.0.0.1', String(server.c2sPort), `${account.username}@${server.host}/${resource}`, account.password], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000)
    // PEER_DEBUG=1: the peer's log as it comes.
    if (process.env.PEER_DEBUG) process.stderr.write(`[peer] ${chunk.toString()}`)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  let nextId = 0
  const command = (cmd: string, args: Record<string, unknown> = {}): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = ++nextId
      waiting.set(id, { resolve, reject })
      child.stdin.write(`${JSON.stringify({ ...args, id, cmd })}\n`)
    })

  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer)
      void stop()
      reject(new Error(`${script}: ${why}\n${stderr}`))
    }
    const timer = setTimeout(() => fail(`not online after ${timeout} ms`), timeout)
    child.once('error', (error) => fail(error.message))
    const early = (code: number | null, signal: NodeJS.Signals | null): void => fail(`exited (${code ?? signal}) before it was online`)
    child.once('exit', early)
    child.once('exit', () => {
      for (const pending of waiting.values()) pending.reject(new Error(`${script} exited\n${stderr}`))
      waiting.clear()
    })
    createInterface({ input: child.stdout }).on('line', (text) => {
      const line = JSON.parse(text) as Line
      if ('id' in line) {
        const pending = waiting.get(line.id)
        waiting.delete(line.id)
        if (line.ok) pending?.resolve(line.result)
        else pending?.reject(new PeerCommandError(line.error, line.condition))
      } else if (line.event === 'online') {
        clearTimeout(timer)
        child.off('exit', early)
        resolve({ jid: String(line.jid), command, stop })
      } else if (line.event === 'error') {
        fail(String(line.message))
      } else {
        onEvent?.(line)
      }
    })
  })
}
