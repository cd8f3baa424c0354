// Real @xmpp/client connections to a test Prosody (test/helpers/prosody.ts).
import { client } from '@xmpp/client'
import type { Client } from '@xmpp/client'
import { NS_DISCO_INFO, NS_DISCO_ITEMS } from '../../src/core/index.js'
import type { IncomingContext, XmlElement, XmppClient } from '../../src/core/index.js'
import type { ProsodyServer } from './prosody.js'

export type { Client }

/** Where to connect: a started Prosody, or anything shaped like one. */
export type ServerAddress = Pick<ProsodyServer, 'host' | 'tcpUrl' | 'wsUrl'>

export interface ConnectOptions {
  username: string
  password: string
  /** Resource to bind; the server picks one when omitted. */
  resource?: string
  /** Default 'tcp'. 'ws' needs a global WebSocket (Node 20: --experimental-websocket). */
  transport?: 'tcp' | 'ws'
  /** Give up (and clean up) when not online after this many ms. Default 10 000. */
  timeout?: number
  /**
   * Reconnect (and resume the XEP-0198 session) after a dropped connection,
   * as xmpp.js does by default and as apps run. Default true.
   */
  reconnect?: boolean
  /** Called with the client before it starts: what an app sets up before connecting. */
  beforeStart?: (xmpp: Client) => void
}

const errorsByClient = new WeakMap<Client, Error[]>()

/** Errors the client emitted (xmpp.js emits 'error' rather than throwing). */
export function clientErrors(xmpp: Client): readonly Error[] {
  return errorsByClient.get(xmpp) ?? []
}

/** Whether this Node has the global WebSocket that @xmpp/websocket needs. */
export const hasWebSocket = typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function'

/**
 * Connects a real `client()` from @xmpp/client and resolves once it is online.
 * SASL PLAIN is forced (loopback only: SCRAM-SHA-1 costs 1-2 s per login in
 * xmpp.js) and Nagle is disabled on TCP. Reconnection stays on, as in apps:
 * a dropped connection is resumed (XEP-0198) or a new session begins.
 */
export async function connectClient(server: ServerAddress, options: ConnectOptions): Promise<Client> {
  const { username, password, resource, transport = 'tcp', timeout = 10_000, reconnect = true } = options
  if (transport === 'ws' && !hasWebSocket) {
    throw new Error(
      '@xmpp/websocket needs a global WebSocket, which Node 20 only has with --experimental-websocket ' +
        '(e.g. NODE_OPTIONS=--experimental-websocket, or vitest test.execArgv).',
    )
  }

  const xmpp = client({
    service: transport === 'ws' ? server.wsUrl : server.tcpUrl,
    domain: server.host,
    ...(resource !== undefined && { resource }),
    // Called by @xmpp/sasl (and @xmpp/sasl2) as (authenticate, mechanisms, fast, entity).
    // Without this, xmpp.js picks SCRAM-SHA-1 whenever the server offers it.
    credentials: async (authenticate, mechanisms) => {
      const mechanism = mechanisms.includes('PLAIN') ? 'PLAIN' : mechanisms[0]
      if (!mechanism) throw new Error('SASL: the server offers no mechanism')
      await authenticate({ username, password }, mechanism)
    },
  })
  if (!reconnect) xmpp.reconnect.stop()

  const errors: Error[] = []
  errorsByClient.set(xmpp, errors)
  // Also keeps an 'error' event without listener from crashing the test process.
  xmpp.on('error', (error: Error) => errors.push(error))

  if (transport === 'tcp') {
    // @xmpp/tcp never disables Nagle: sequential IQs would stall ~40 ms.
    xmpp.on('connect', () => {
      const socket = xmpp.socket as { setNoDelay?: (noDelay: boolean) => unknown } | null
      socket?.setNoDelay?.(true)
    })
  }

  options.beforeStart?.(xmpp)
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await Promise.race([
      xmpp.start(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${username}@${server.host} not online after ${timeout} ms (status ${xmpp.status})`)),
          timeout,
        )
      }),
    ])
  } catch (err) {
    await stopClient(xmpp)
    throw err
  } finally {
    clearTimeout(timer)
  }
  return xmpp
}

/** Stops a client; never throws (already offline, server gone, half-started...). */
export async function stopClient(xmpp: Client | null | undefined): Promise<void> {
  if (!xmpp) return
  xmpp.reconnect.stop()
  if (xmpp.status === 'offline') return
  try {
    await xmpp.stop()
  } catch {
    // Already disconnected or the server is gone: nothing left to close.
  }
}

/** Counts the disco gets that reach `xmpp` (as its peer sees them on the wire). */
export function countDiscoGets(xmpp: Client): { info: number; items: number } {
  const counts = { info: 0, items: 0 }
  ;(xmpp as unknown as XmppClient).middleware.use((ctx: IncomingContext, next) => {
    const query = ctx.stanza.name === 'iq' && ctx.stanza.attrs.type === 'get' ? ctx.stanza.getChild('query') : undefined
    if (query?.attrs.xmlns === NS_DISCO_INFO) counts.info++
    if (query?.attrs.xmlns === NS_DISCO_ITEMS) counts.items++
    return next()
  })
  return counts
}

/** The disco#info gets `xmpp` sends from now on, with their `to` and `node`. */
export function recordSentQueries(xmpp: Client): { to: string | undefined; node: string | undefined }[] {
  const sent: { to: string | undefined; node: string | undefined }[] = []
  xmpp.on('send', (el: XmlElement) => {
    const query = el.name === 'iq' && el.attrs.type === 'get' ? el.getChild('query', NS_DISCO_INFO) : undefined
    if (query) sent.push({ to: el.attrs.to, node: query.attrs.node })
  })
  return sent
}
