// A TCP proxy of the test's own between a client and the server, to play a
// phone's network: stall() makes every connection through it go silent in
// both directions without a close (no FIN, no RST: neither end learns of it
// from the socket), as when a phone changes network; connections made
// afterwards pass as usual. With `burst`, what the server sends is held and
// delivered in one write every `burst` ms, as a phone's radio wakes to
// deliver a burst: the client reads several stanzas in one chunk.
import { createServer, connect } from 'node:net'
import type { Server, Socket } from 'node:net'
import { freePort } from './prosody.js'

export interface StallingProxy {
  /** The port that forwards to the target. */
  port: number
  /** Silences the connections open now, both ways, leaving their sockets open. */
  stall(): void
  /** How many connections went through it so far. */
  readonly connections: number
  /** Closes the listener and every connection. */
  close(): Promise<void>
}

export async function startStallingProxy(target: { host: string; port: number }, options: { burst?: number } = {}): Promise<StallingProxy> {
  const port = await freePort()
  const open = new Set<{ client: Socket; upstream: Socket; stalled: boolean }>()
  let connections = 0
  const server: Server = createServer((client) => {
    connections++
    const upstream = connect(target.port, target.host)
    const pair = { client, upstream, stalled: false }
    open.add(pair)
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    client.on('data', (chunk) => {
      if (!pair.stalled) upstream.write(chunk)
    })
    let held: Buffer[] = []
    upstream.on('data', (chunk: Buffer) => {
      if (pair.stalled) return
      if (options.burst === undefined) return void client.write(chunk)
      if (held.length === 0) {
        setTimeout(() => {
          if (!pair.stalled && !client.destroyed) client.write(Buffer.concat(held))
          held = []
        }, options.burst)
      }
      held.push(chunk)
    })
    const end = () => {
      open.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    // A stalled connection says nothing to either end, not even its end.
    client.on('close', () => pair.stalled || end())
    upstream.on('close', () => pair.stalled || end())
    client.on('error', () => {})
    upstream.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    port,
    stall() {
      for (const pair of open) pair.stalled = true
    },
    get connections() {
      return connections
    },
    async close() {
      for (const pair of open) {
        pair.client.destroy()
        pair.upstream.destroy()
      }
      open.clear()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
