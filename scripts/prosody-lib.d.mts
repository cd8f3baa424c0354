// Types for scripts/prosody-lib.mjs.

export interface ProsodyUser {
  username: string
  password: string
}

export interface StartProsodyOptions {
  /** The VirtualHost / XMPP domain. Default "localhost". */
  host?: string
  /** Accounts registered (with prosodyctl, before the server starts). */
  users?: readonly ProsodyUser[]
  /** Receives every Prosody log line (also logged to `logFile`). */
  log?: (line: string) => void
  /** "debug" logs every stanza. Default "info". */
  logLevel?: 'info' | 'debug'
  /** Fixed client port on 127.0.0.1 (default: a free one). */
  c2sPort?: number
  /** Fixed HTTP/WebSocket port on 127.0.0.1 (default: a free one). */
  httpPort?: number
  /** A MUC service at `conference.<host>` (Prosody: the muc component; ejabberd: mod_muc and mod_muc_admin). */
  muc?: boolean
  /** Opens a XEP-0114 component port (loopback) for `comp.<host>` with this secret. Default: none. */
  componentSecret?: string
  /**
   * XEP-0198 stream management (mod_smacks), as on production servers. Default true. Off for the
   * answering benchmark: Prosody keeps a copy of every unacked stanza it sends, and with 500 IQs of
   * 5 KB replies in flight that queue, not the answering peers, sets the pace.
   */
  streamManagement?: boolean
  /**
   * Seconds the server keeps a dropped XEP-0198 session for its resumption
   * (Prosody: smacks_hibernation_time, ejabberd: mod_stream_mgmt resume_timeout).
   * Default: the server's (600 s Prosody, 300 s ejabberd).
   */
  resumeTimeout?: number
}

export interface ProsodyExit {
  code: number | null
  signal: NodeJS.Signals | null
  error?: Error
}

export interface ProsodyServer {
  /** The XMPP domain (VirtualHost). */
  host: string
  c2sPort: number
  httpPort: number
  /** `xmpp://127.0.0.1:PORT` */
  tcpUrl: string
  /** `ws://127.0.0.1:PORT/xmpp-websocket` */
  wsUrl: string
  /** The server's temp dir (data, log, pidfile, certs); removed by stop(). */
  dir: string
  logFile: string
  /** Registered accounts (initial users plus those added with register()). */
  users: ProsodyUser[]
  /** Pid of the Prosody process. */
  pid: number | undefined
  /** Settles when the Prosody process has exited. */
  exited: Promise<ProsodyExit>
  /** SIGTERM, SIGKILL after 3 s, wait for exit, remove the temp dir. Idempotent. */
  stop(): Promise<void>
  /** Registers one more account (works while the server runs). */
  register(username: string, password: string): Promise<void>
  /** The last lines of the Prosody log. */
  logTail(lines?: number): Promise<string>
  /** The MUC service's JID, when started with `muc: true`. */
  mucService?: string
  /** Where an external component (XEP-0114) connects, when started with `componentSecret`. */
  component?: { host: string; port: number; secret: string }
}

export const CONFIG_PATH: string
export function startProsody(options?: StartProsodyOptions): Promise<ProsodyServer>
/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number>
/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portAcceptsConnections(port: number, timeoutMs?: number): Promise<boolean>
