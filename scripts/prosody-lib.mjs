// Throwaway Prosody servers for tests, benchmarks and `npm run prosody`.
//
// Each server gets a fresh temp dir (data, pidfile, log, empty certs dir),
// loopback ports, and the project's own config (scripts/prosody.cfg.lua, fed
// through RXD_PROSODY_* environment variables). Nothing is written into the
// repository and the system Prosody service is never used or touched.
//
// Plain ESM JavaScript so both the CLI (scripts/prosody.mjs) and the TS test
// helpers can import it; types live in prosody-lib.d.mts.

import { existsSync } from 'node:fs'
import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import process from 'node:process'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import {
  PortInUseError,
  exitedDuringStartup,
  freePort,
  onPath,
  portAcceptsConnections,
  readTail,
  retryOnPortInUse,
  run,
  serverFields,
  spawnServer,
} from './server-process.mjs'

export { freePort, portAcceptsConnections }

// A string, not new URL(): under jsdom the global URL is not Node's, and fileURLToPath refuses it.
export const CONFIG_PATH = join(dirname(fileURLToPath(import.meta.url)), 'prosody.cfg.lua')

const READY_TIMEOUT_MS = 10_000
const POLL_MS = 20
const STOP_GRACE_MS = 3_000
const START_ATTEMPTS = 3

/**
 * Starts a Prosody of its own on loopback. See prosody-lib.d.mts for the API.
 */
export async function startProsody(options = {}) {
  const { host = 'localhost', users = [], log, logLevel = 'info', muc = false, componentSecret, streamManagement = true, resumeTimeout } = options
  // A plain existence check (not X_OK), as this always was.
  if (!onPath('prosody', existsSync) || !onPath('prosodyctl', existsSync)) {
    throw new Error(
      'prosody/prosodyctl not found on PATH. Run `node scripts/ensure-system-deps.mjs prosody` ' +
        '(or `sudo apt-get install -y prosody`).',
    )
  }
  const fixedPorts = options.c2sPort !== undefined || options.httpPort !== undefined
  return retryOnPortInUse(fixedPorts, START_ATTEMPTS, () =>
    startOnce({ host, users, log, logLevel, muc, componentSecret, streamManagement, resumeTimeout, c2sPort: options.c2sPort, httpPort: options.httpPort }),
  )
}

async function startOnce({ host, users, log, logLevel, muc, componentSecret, streamManagement, resumeTimeout, c2sPort: c2sWanted, httpPort: httpWanted }) {
  const c2sPort = c2sWanted ?? (await freePort())
  let httpPort = httpWanted ?? (await freePort())
  while (httpPort === c2sPort) httpPort = await freePort()
  let componentPort
  if (componentSecret) {
    componentPort = await freePort()
    while (componentPort === c2sPort || componentPort === httpPort) componentPort = await freePort()
  }

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
    RXD_PROSODY_MUC: muc ? '1' : '',
    RXD_PROSODY_COMPONENT_PORT: componentPort ? String(componentPort) : '',
    RXD_PROSODY_COMPONENT_SECRET: componentSecret ?? '',
    RXD_PROSODY_SMACKS: streamManagement ? '1' : '0',
    RXD_PROSODY_RESUME_TIMEOUT: resumeTimeout === undefined ? '' : String(resumeTimeout),
  }

  // Works offline (writes into data_path directly) and while the server
  // runs: internal storage reads the account file on every login.
  const prosodyctlRegister = (username, password) =>
    run('prosodyctl', ['--config', CONFIG_PATH, 'register', username, host, password], env, 10_000)
  const accounts = users.map(({ username, password }) => ({ username, password }))
  const register = async (username, password) => {
    await prosodyctlRegister(username, password)
    accounts.push({ username, password })
  }

  let server
  try {
    await Promise.all(users.map((u) => prosodyctlRegister(u.username, u.password)))

    server = spawnServer({
      command: 'prosody',
      args: ['--config', CONFIG_PATH, '-F'],
      env,
      cwd: dir,
      dir,
      name: 'prosody',
      log,
      outputLimit: 8192,
      stopGraceMs: STOP_GRACE_MS,
    })
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
  const { stop } = server

  // Ready = the log says both ports are ours, and c2s accepts connections.
  const started = Date.now()
  const c2sLine = `Activated service 'c2s' on [127.0.0.1]:${c2sPort}`
  const httpLine = `Activated service 'http' on [127.0.0.1]:${httpPort}`
  const componentLine = componentPort ? `Activated service 'component' on [127.0.0.1]:${componentPort}` : ''
  for (;;) {
    const exitInfo = server.exitInfo
    if (exitInfo) {
      const tail = await readTail(logFile)
      await stop()
      throw new Error(exitedDuringStartup('Prosody', exitInfo, tail, server.output))
    }
    const text = await readFile(logFile, 'utf8').catch(() => '')
    if (text.includes('Failed to open server port')) {
      const tail = await readTail(logFile)
      await stop()
      throw new PortInUseError(`Prosody could not bind its ports (${c2sPort}, ${httpPort}):\n${tail}`)
    }
    if (text.includes(c2sLine) && text.includes(httpLine) && text.includes(componentLine) && (await portAcceptsConnections(c2sPort))) break
    if (Date.now() - started > READY_TIMEOUT_MS) {
      const tail = await readTail(logFile)
      await stop()
      throw new Error(`Prosody did not accept connections on ${c2sPort} within ${READY_TIMEOUT_MS} ms:\n${tail}\n${server.output}`)
    }
    await sleep(POLL_MS)
  }

  return {
    ...serverFields({ host, c2sPort, httpPort, dir, logFile, users: accounts, server, register }),
    ...(muc && { mucService: `conference.${host}` }),
    ...(componentPort && { component: { host: `comp.${host}`, port: componentPort, secret: componentSecret } }),
  }
}
