// What the throwaway XMPP servers of scripts/prosody-lib.mjs and
// scripts/ejabberd-lib.mjs have in common: free loopback ports, port polling,
// PATH lookups, running a command, log tails, and the life of the server
// process itself (spawn with a watchdog and an exit hook, idempotent stop(),
// temp dir removal). scripts/ensure-system-deps.mjs uses the PATH lookups.
//
// Plain ESM JavaScript and Node built-ins only: it runs before any install
// step. Only the .mjs scripts import it, so it has no .d.mts of its own.

import { spawn, execFile } from 'node:child_process'
import { accessSync, constants, rmSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { createServer, connect } from 'node:net'
import { delimiter, join } from 'node:path'
import process from 'node:process'
import { setTimeout as sleep } from 'node:timers/promises'

export function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The first `dir/cmd` on PATH that passes `usable` (default: executable by us). */
export function which(cmd, usable = isExecutable) {
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    if (d && usable(join(d, cmd))) return join(d, cmd)
  }
  return undefined
}

export function onPath(cmd, usable = isExecutable) {
  return which(cmd, usable) !== undefined
}

/** A free TCP port on 127.0.0.1 (listen on port 0, read it, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0))
    })
  })
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portAcceptsConnections(port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port })
    const done = (ok) => {
      sock.removeAllListeners()
      sock.on('error', () => {})
      sock.destroy()
      resolve(ok)
    }
    sock.setTimeout(timeoutMs, () => done(false))
    sock.once('connect', () => done(true))
    sock.once('error', () => done(false))
  })
}

/** Runs a command to completion; resolves with its stdout, rejects with its output in the message. */
export function run(cmd, args, env, timeout) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout }, (error, stdout, stderr) => {
      if (error) {
        const out = `${stdout}${stderr}`.trim()
        reject(new Error(`${cmd} ${args.join(' ')} failed: ${error.message}${out ? `\n${out}` : ''}`))
      } else resolve(stdout)
    })
  })
}

export async function readTail(file, lines = 40) {
  try {
    const text = await readFile(file, 'utf8')
    return text.trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

/** The server could not bind a port: with auto-picked ports, worth another try. */
export class PortInUseError extends Error {}

/**
 * Calls startOnce() up to `attempts` times while it fails with PortInUseError.
 * Fixed ports get one attempt: another try would hit the same taken port.
 */
export async function retryOnPortInUse(fixedPorts, attempts, startOnce) {
  let lastError
  for (let attempt = 1; attempt <= (fixedPorts ? 1 : attempts); attempt++) {
    try {
      return await startOnce()
    } catch (err) {
      lastError = err
      // Only a lost race for an auto-picked port is worth another try.
      if (!(err instanceof PortInUseError)) throw err
    }
  }
  throw lastError
}

export function tryKill(pid, signal) {
  if (!pid) return false
  try {
    process.kill(pid, signal)
    return true
  } catch {
    return false
  }
}

/** Servers started by this process and not yet stopped: killed on process exit. */
const live = new Set()
let exitHookInstalled = false

function installExitHook() {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // 'exit' handlers must be synchronous: SIGKILL and remove the temp dirs.
  // (A crash by signal skips 'exit'; the watchdog covers that case.)
  process.on('exit', () => {
    for (const s of live) {
      tryKill(s.pid, 'SIGKILL')
      tryKill(s.watchdogPid, 'SIGKILL')
      try {
        rmSync(s.dir, { recursive: true, force: true })
      } catch {
        // best effort
      }
    }
  })
}

/**
 * Spawns a server process that belongs to the temp dir `dir` and returns
 * { child, pid, exited, exitInfo, output, stop }.
 *
 * - `log` gets every output line; `output` keeps the last `outputLimit` chars.
 * - The process does not keep the event loop alive (whoever uses the server
 *   holds sockets, a CLI keeps itself alive), except while stop() waits.
 * - A watchdog and an exit hook kill it and remove `dir` if this process dies.
 * - stop() (idempotent) sends SIGTERM, then `awaitExit(server)` if given
 *   (it must make sure the process exits), else waits `stopGraceMs` and
 *   SIGKILLs; then removes `dir`.
 */
export function spawnServer({ command, args, env, cwd, dir, name, log, outputLimit, stopGraceMs, awaitExit }) {
  const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })

  let output = ''
  const onOutput = (chunk) => {
    const text = chunk.toString()
    output = (output + text).slice(-outputLimit)
    if (log) for (const line of text.split('\n')) if (line) log(line)
  }
  child.stdout.on('data', onOutput)
  child.stderr.on('data', onOutput)

  let exitInfo = null
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal }
      resolve(exitInfo)
    })
    child.once('error', (error) => {
      exitInfo = { code: null, signal: null, error }
      resolve(exitInfo)
    })
  })

  child.unref()
  child.stdout.unref?.()
  child.stderr.unref?.()

  const pid = child.pid
  // Watchdog: a shell holding a pipe from us. When this process dies in any
  // way (even SIGKILL), the pipe closes and it terminates the server (SIGTERM,
  // SIGKILL after the stop grace period) and removes the temp dir. It ignores
  // Ctrl-C/SIGHUP (the server, in our process group, gets those itself).
  // stop() kills it first.
  let watchdog
  if (pid) {
    const ticks = Math.ceil(stopGraceMs / 100)
    watchdog = spawn(
      'sh',
      [
        '-c',
        'trap "" INT HUP; read _ignored; kill -TERM "$1" 2>/dev/null; i=0; ' +
          `while kill -0 "$1" 2>/dev/null && [ $i -lt ${ticks} ]; do sleep 0.1; i=$((i+1)); done; ` +
          'kill -KILL "$1" 2>/dev/null; rm -rf -- "$2"; exit 0',
        `rxd-${name}-watchdog`,
        String(pid),
        dir,
      ],
      { stdio: ['pipe', 'ignore', 'ignore'] },
    )
    watchdog.on('error', () => {})
    watchdog.stdin.on('error', () => {})
    watchdog.unref()
    watchdog.stdin.unref?.()
  }

  const entry = { pid, watchdogPid: watchdog?.pid, dir }
  live.add(entry)
  installExitHook()

  const server = {
    child,
    pid,
    exited,
    get exitInfo() {
      return exitInfo
    },
    get output() {
      return output
    },
    stop,
  }

  let stopping
  function stop() {
    stopping ??= (async () => {
      tryKill(watchdog?.pid, 'SIGKILL')
      watchdog?.stdin.destroy()
      if (!exitInfo) {
        child.ref() // keep the loop alive until the server is really gone
        tryKill(pid, 'SIGTERM')
        if (awaitExit) await awaitExit(server)
        else {
          const grace = new AbortController()
          const timeout = sleep(stopGraceMs, 'timeout', { signal: grace.signal }).catch(() => 'cancelled')
          const first = await Promise.race([exited, timeout])
          grace.abort() // do not hold the event loop for the rest of the grace period
          if (first === 'timeout') {
            tryKill(pid, 'SIGKILL')
            await exited
          }
        }
      }
      live.delete(entry)
      await rm(dir, { recursive: true, force: true })
    })()
    return stopping
  }

  return server
}

/** The error text for a server that exited before it was ready. */
export function exitedDuringStartup(what, exitInfo, tail, output) {
  return (
    `${what} exited during startup (code ${exitInfo.code}, signal ${exitInfo.signal})` +
    `${exitInfo.error ? `: ${exitInfo.error.message}` : ''}\n${tail}\n${output}`
  )
}

/**
 * The fields every throwaway server hands out (ProsodyServer in
 * prosody-lib.d.mts; EjabberdServer extends it), so both libs stay in step.
 */
export function serverFields({ host, c2sPort, httpPort, dir, logFile, users, server, register }) {
  return {
    host,
    c2sPort,
    httpPort,
    tcpUrl: `xmpp://127.0.0.1:${c2sPort}`,
    wsUrl: `ws://127.0.0.1:${httpPort}/xmpp-websocket`,
    dir,
    logFile,
    users,
    pid: server.pid,
    exited: server.exited,
    stop: server.stop,
    register,
    logTail: (lines) => readTail(logFile, lines),
  }
}
