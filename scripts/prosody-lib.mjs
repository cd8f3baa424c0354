// Throwaway Prosody servers for tests, benchmarks and `npm run prosody`.
//
// Each server gets a fresh temp dir (data, pidfile, log, empty certs dir),
// loopback ports, and the project's own config (scripts/prosody.cfg.lua, fed
// through RXD_PROSODY_* environment variables). Nothing is written into the
// repository and the system Prosody service is never used or touched.
//
// Plain ESM JavaScript so both the CLI (scripts/prosody.mjs) and the TS test
// helpers can import it; types live in prosody-lib.d.mts.

import { spawn, execFile } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import process from 'node:process'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

// A string, not new URL(): under jsdom the global URL is not Node's, and fileURLToPath refuses it.
export const CONFIG_PATH = join(dirname(fileURLToPath(import.meta.url)), 'prosody.cfg.lua')

const READY_TIMEOUT_MS = 10_000
const POLL_MS = 20
const STOP_GRACE_MS = 3_000
const START_ATTEMPTS = 3

/** Servers started by this process and not yet stopped: killed on process exit. */
const live = new Set()
let exitHookInstalled = false

function installExitHook() {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // 'exit' handlers must be synchronous: SIGKILL and remove the temp dirs.
  // (A crash by signal skips 'exit'; the watchdog below covers that case.)
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

function tryKill(pid, signal) {
  if (!pid) return false
  try {
    process.kill(pid, signal)
    return true
  } catch {
    return false
  }
}

function onPath(cmd) {
  return (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, cmd)))
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

function run(cmd, args, env) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) {
        const out = `${stdout}${stderr}`.trim()
        reject(new Error(`${cmd} ${args.join(' ')} failed: ${error.message}${out ? `\n${out}` : ''}`))
      } else resolve(stdout)
    })
  })
}

async function readTail(file, lines = 40) {
  try {
    const text = await readFile(file, 'utf8')
    return text.trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

/**
 * Starts a Prosody of its own on loopback. See prosody-lib.d.mts for the API.
 */
export async function startProsody(options = {}) {
  const { host = 'localhost', users = [], log, logLevel = 'info' } = options
  if (!onPath('prosody') || !onPath('prosodyctl')) {
    throw new Error(
      'prosody/prosodyctl not found on PATH. Run `node scripts/ensure-system-deps.mjs prosody` ' +
        '(or `sudo apt-get install -y prosody`).',
    )
  }
  const fixedPorts = options.c2sPort !== undefined || options.httpPort !== undefined
  let lastError
  for (let attempt = 1; attempt <= (fixedPorts ? 1 : START_ATTEMPTS); attempt++) {
    try {
      return await startOnce({ host, users, log, logLevel, c2sPort: options.c2sPort, httpPort: options.httpPort })
    } catch (err) {
      lastError = err
      // Only a lost race for an auto-picked port is worth another try.
      if (!(err instanceof PortInUseError)) throw err
    }
  }
  throw lastError
}

class PortInUseError extends Error {}

async function startOnce({ host, users, log, logLevel, c2sPort: c2sWanted, httpPort: httpWanted }) {
  const c2sPort = c2sWanted ?? (await freePort())
  let httpPort = httpWanted ?? (await freePort())
  while (httpPort === c2sPort) httpPort = await freePort()

  const dir = await mkdtemp(join(tmpdir(), 'rxd-prosody-'))
  await mkdir(join(dir, 'certs'))
  const logFile = join(dir, 'prosody.log')
  const env = {
    ...process.env,
    RXD_PROSODY_DIR: dir,
    RXD_PROSODY_HOST: host,
    RXD_PROSODY_C2S_PORT: String(c2sPort),
    RXD_PROSODY_HTTP_PORT: String(httpPort),
    RXD_PROSODY_LOG_LEVEL: logLevel,
    RXD_PROSODY_LOG_CONSOLE: log ? '1' : '',
  }

  // Works offline (writes into data_path directly) and while the server
  // runs: internal storage reads the account file on every login.
  const prosodyctlRegister = (username, password) =>
    run('prosodyctl', ['--config', CONFIG_PATH, 'register', username, host, password], env)
  const accounts = users.map(({ username, password }) => ({ username, password }))
  const register = async (username, password) => {
    await prosodyctlRegister(username, password)
    accounts.push({ username, password })
  }

  let child
  let watchdog
  try {
    await Promise.all(users.map((u) => prosodyctlRegister(u.username, u.password)))

    child = spawn('prosody', ['--config', CONFIG_PATH, '-F'], {
      env,
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }

  let output = ''
  const onOutput = (chunk) => {
    const text = chunk.toString()
    output = (output + text).slice(-8192)
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

  // Do not keep the event loop alive for the server's sake: whoever uses it
  // holds sockets, and the CLI keeps itself alive.
  child.unref()
  child.stdout.unref?.()
  child.stderr.unref?.()

  const pid = child.pid
  // Watchdog: a shell holding a pipe from us. When this process dies in any
  // way (even SIGKILL), the pipe closes and it terminates Prosody and removes
  // the temp dir. It ignores Ctrl-C/SIGHUP (Prosody, in our process group,
  // gets those itself). stop() kills it first.
  if (pid) {
    watchdog = spawn(
      'sh',
      [
        '-c',
        'trap "" INT HUP; read _ignored; kill -TERM "$1" 2>/dev/null; i=0; ' +
          'while kill -0 "$1" 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i+1)); done; ' +
          'kill -KILL "$1" 2>/dev/null; rm -rf -- "$2"; exit 0',
        'rxd-prosody-watchdog',
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

  let stopping
  const stop = () => {
    stopping ??= (async () => {
      tryKill(watchdog?.pid, 'SIGKILL')
      watchdog?.stdin.destroy()
      if (!exitInfo) {
        child.ref() // keep the loop alive until Prosody is really gone
        tryKill(pid, 'SIGTERM')
        const grace = new AbortController()
        const timeout = sleep(STOP_GRACE_MS, 'timeout', { signal: grace.signal }).catch(() => 'cancelled')
        const first = await Promise.race([exited, timeout])
        grace.abort() // do not hold the event loop for the rest of the grace period
        if (first === 'timeout') {
          tryKill(pid, 'SIGKILL')
          await exited
        }
      }
      live.delete(entry)
      await rm(dir, { recursive: true, force: true })
    })()
    return stopping
  }

  // Ready = the log says both ports are ours, and c2s accepts connections.
  const started = Date.now()
  const c2sLine = `Activated service 'c2s' on [127.0.0.1]:${c2sPort}`
  const httpLine = `Activated service 'http' on [127.0.0.1]:${httpPort}`
  for (;;) {
    if (exitInfo) {
      const tail = await readTail(logFile)
      await stop()
      throw new Error(
        `Prosody exited during startup (code ${exitInfo.code}, signal ${exitInfo.signal})` +
          `${exitInfo.error ? `: ${exitInfo.error.message}` : ''}\n${tail}\n${output}`,
      )
    }
    const text = await readFile(logFile, 'utf8').catch(() => '')
    if (text.includes('Failed to open server port')) {
      const tail = await readTail(logFile)
      await stop()
      throw new PortInUseError(`Prosody could not bind its ports (${c2sPort}, ${httpPort}):\n${tail}`)
    }
    if (text.includes(c2sLine) && text.includes(httpLine) && (await portAcceptsConnections(c2sPort))) break
    if (Date.now() - started > READY_TIMEOUT_MS) {
      const tail = await readTail(logFile)
      await stop()
      throw new Error(`Prosody did not accept connections on ${c2sPort} within ${READY_TIMEOUT_MS} ms:\n${tail}\n${output}`)
    }
    await sleep(POLL_MS)
  }

  return {
    host,
    c2sPort,
    httpPort,
    tcpUrl: `xmpp://127.0.0.1:${c2sPort}`,
    wsUrl: `ws://127.0.0.1:${httpPort}/xmpp-websocket`,
    dir,
    logFile,
    users: accounts,
    pid,
    exited,
    stop,
    register,
    logTail: (lines) => readTail(logFile, lines),
  }
}
