// Types for scripts/ejabberd-lib.mjs. An EjabberdServer has the shape of a
// ProsodyServer (scripts/prosody-lib.d.mts) plus a few ejabberd-only fields.

import type { ProsodyExit, ProsodyServer, ProsodyUser, StartProsodyOptions } from './prosody-lib.mjs'

export type EjabberdUser = ProsodyUser

/** Same options as startProsody (`logLevel: 'debug'` logs every stanza in and out), plus moduleSet. */
export interface StartEjabberdOptions extends StartProsodyOptions {
  /**
   * 'minimal' (default): disco, caps, pubsub with pep, roster, ping, register, http_api.
   * 'debian': also the modules of Debian's default ejabberd.yml (stream management,
   * carbons, vCard presence updates, offline, MUC, ...).
   */
  moduleSet?: 'minimal' | 'debian'
}

export type EjabberdExit = ProsodyExit

export interface EjabberdServer extends ProsodyServer {
  kind: 'ejabberd'
  /** Erlang node name of this server (`rxd-<hex>@localhost`), never the system `ejabberd@localhost`. */
  nodeName: string
  /** The generated ejabberd.yml (inside `dir`). */
  configFile: string
  /** Milliseconds from spawning the VM to ready (c2s and HTTP accepting, before account registration). */
  startupMs: number
  /**
   * Runs Debian's ejabberdctl against this node (same config, node, cookie,
   * spool and logs), e.g. `ctl('registered_users', host)`. Resolves with its stdout.
   */
  ctl(...args: string[]): Promise<string>
}

/** Where Debian's ejabberd lives (throws with install instructions when missing). */
export function findEjabberd(): { ejabberdctl: string; erl: string; erlLibs: string }
/** The ejabberd.yml of a throwaway server. */
export function ejabberdConfig(options: {
  host: string
  c2sPort: number
  httpPort: number
  logLevel: 'info' | 'debug'
  moduleSet?: 'minimal' | 'debian'
}): string
export function startEjabberd(options?: StartEjabberdOptions): Promise<EjabberdServer>
/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number>
/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portAcceptsConnections(port: number, timeoutMs?: number): Promise<boolean>
