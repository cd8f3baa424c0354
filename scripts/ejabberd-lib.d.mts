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
  /**
   * Calls mod_http_api on the server's loopback HTTP port (~5 ms a call, where
   * each ctl() starts an Erlang VM, ~1.4 s): `api('create_room_with_opts', {...})`.
   * Allowed: register, unregister, registered_users, connected_users, status,
   * create_room, create_room_with_opts, muc_online_rooms, destroy_room.
   */
  api(command: string, body: Record<string, unknown>): Promise<unknown>
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
  muc?: boolean
  resumeTimeout?: number
}): string
export function startEjabberd(options?: StartEjabberdOptions): Promise<EjabberdServer>
/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number>
/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portAcceptsConnections(port: number, timeoutMs?: number): Promise<boolean>
