// Throwaway ejabberd servers for integration tests (XMPP_TEST_SERVER=ejabberd).
//
// The same shape as scripts/prosody-lib.mjs: each server gets a fresh temp dir
// (its own ejabberd.yml, Mnesia spool, logs, HOME), loopback ports, its own
// Erlang node name and cookie, and no epmd (the node listens for Erlang
// distribution on a loopback port of its own, ERL_DIST_PORT style). The
// Debian ejabberd system service, its config (/etc/ejabberd), its spool
// (/var/lib/ejabberd) and its node (ejabberd@localhost) are never used.
//
// The Erlang VM is started directly (`erl ... -s ejabberd`, what
// `ejabberdctl foreground` runs), as the current user: ejabberdctl would
// `su` to the ejabberd system user when run as root, leaving us with a pid
// that is not the server's. Accounts are registered through mod_http_api on
// the server's own loopback HTTP port (~10 ms each; `ejabberdctl register`
// starts an Erlang VM per call, ~0.4 s each). ctl() runs the real
// ejabberdctl against this node (same config, node, cookie, spool, logs).
//
// Types live in ejabberd-lib.d.mts.

import { Buffer } from 'node:buffer'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  PortInUseError,
  exitedDuringStartup,
  freePort,
  isExecutable,
  portAcceptsConnections,
  readTail,
  retryOnPortInUse,
  run,
  serverFields,
  spawnServer,
  tryKill,
  which,
} from './server-process.mjs'

export { freePort, portAcceptsConnections }

// The Erlang VM needs ~1-1.5 s to start ejabberd here; leave room for a loaded machine.
const READY_TIMEOUT_MS = 30_000
const POLL_MS = 25
const STOP_GRACE_MS = 5_000
const START_ATTEMPTS = 3
const CTL_TIMEOUT_MS = 30_000

/**
 * Where Debian's ejabberd lives: ejabberdctl, the `erl` it uses and the
 * ERL_LIBS that holds ejabberd and its Erlang deps (multiarch dir).
 */
export function findEjabberd() {
  const ejabberdctl = which('ejabberdctl') ?? (isExecutable('/usr/sbin/ejabberdctl') ? '/usr/sbin/ejabberdctl' : undefined)
  if (!ejabberdctl) {
    throw new Error(
      'ejabberdctl not found (PATH, /usr/sbin). Run `node scripts/ensure-system-deps.mjs ejabberd` ' +
        '(or `sudo apt-get install -y ejabberd`).',
    )
  }
  const script = readFileSync(ejabberdctl, 'utf8')
  const assigned = (name) => script.match(new RegExp(`^\\s*${name}=["']?([^"'\\s]+)["']?\\s*$`, 'm'))?.[1]
  const erl = assigned('ERL') ?? which('erl')
  let erlLibs = assigned('ERL_LIBS')
  if (!erlLibs || !hasEjabberdApp(erlLibs)) {
    erlLibs = ['/usr/lib', ...safeReaddir('/usr/lib').map((d) => join('/usr/lib', d))].find(hasEjabberdApp)
  }
  if (!erl || !isExecutable(erl) || !erlLibs) {
    throw new Error(`ejabberd found at ${ejabberdctl}, but not its Erlang runtime (erl ${erl}, ERL_LIBS ${erlLibs})`)
  }
  return { ejabberdctl, erl, erlLibs }
}

function safeReaddir(dir) {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

function hasEjabberdApp(libDir) {
  return safeReaddir(libDir).some((d) => /^ejabberd-\d/.test(d) && existsSync(join(libDir, d, 'ebin', 'ejabberd.app')))
}

/** POSTs JSON to mod_http_api; resolves with the parsed answer, rejects on a non-2xx status. */
function httpApi(port, command, body) {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body)
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/api/${command}`,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        timeout: 10_000,
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => (text += chunk))
        res.on('end', () => {
          if (res.statusCode && res.statusCode >= 200 && res.statusCode < 300) {
            try {
              resolve(JSON.parse(text))
            } catch {
              resolve(text)
            }
          } else reject(new Error(`ejabberd API ${command} answered ${res.statusCode}: ${text}`))
        })
      },
    )
    req.on('timeout', () => req.destroy(new Error(`ejabberd API ${command}: timeout`)))
    req.on('error', reject)
    req.end(payload)
  })
}

const q = (s) => JSON.stringify(String(s)) // a YAML (flow) scalar

// MUC (option `muc`, and in the 'debian' set): rooms that the admin API
// creates persistent; mod_muc_admin is that API.
const MUC_MODULES = `  mod_muc:
    access:
      - allow
    access_create: muc_create
    access_persistent: muc_create
  mod_muc_admin: {}
`

// Modules beyond our minimal set, as Debian's /etc/ejabberd/ejabberd.yml loads
// them (moduleSet 'debian'): stream management, carbons, vCard presence
// updates, offline storage, MUC... (stream management is in both sets). A closer look at what a stock ejabberd
// does to our stanzas. (Not mod_mqtt/mod_stun_disco/mod_s2s_dialback: no
// listeners for them here.)
const DEBIAN_EXTRA_MODULES = `  mod_adhoc: {}
  mod_admin_extra: {}
  mod_avatar: {}
  mod_blocking: {}
  mod_carboncopy: {}
  mod_client_state: {}
  mod_configure: {}
  mod_last: {}
${MUC_MODULES}  mod_offline: {}
  mod_pres_counter:
    count: 5
    interval: 60
  mod_privacy: {}
  mod_private: {}
  mod_push: {}
  mod_push_keepalive: {}
  mod_shared_roster: {}
  mod_sic: {}
  mod_vcard:
    search: false
  mod_vcard_xupdate: {}
  mod_version: {}
`

/** The whole ejabberd.yml of a throwaway server. */
export function ejabberdConfig({ host, c2sPort, httpPort, logLevel, moduleSet = 'minimal', muc = false, resumeTimeout }) {
  if (moduleSet !== 'minimal' && moduleSet !== 'debian') throw new Error(`ejabberd moduleSet ${moduleSet}: expected minimal or debian`)
  return `# Throwaway ejabberd of react-xmpp-disco's tests (scripts/ejabberd-lib.mjs).
hosts:
  - ${q(host)}
loglevel: ${logLevel}
log_rotate_count: 0
hide_sensitive_log_data: false

# Loopback only: c2s without TLS (no certificates at all) and HTTP with the
# WebSocket endpoint and the admin API (account registration). No s2s.
listen:
  -
    port: ${c2sPort}
    ip: "127.0.0.1"
    module: ejabberd_c2s
    access: c2s
    starttls: false
    starttls_required: false
    # Big disco results must fit (as c2s_stanza_size_limit in prosody.cfg.lua).
    max_stanza_size: 10485760
  -
    port: ${httpPort}
    ip: "127.0.0.1"
    module: ejabberd_http
    request_handlers:
      /xmpp-websocket: ejabberd_http_ws
      /api: mod_http_api

# SASL PLAIN is offered on the unencrypted loopback streams (TCP and WebSocket).
auth_method: internal
auth_password_format: plain
registration_timeout: infinity

acl:
  local:
    user_regexp: ""
  loopback:
    ip:
      - 127.0.0.0/8
access_rules:
  local:
    allow: local
  c2s:
    allow: all
  register:
    allow: all
  pubsub_createnode:
    allow: local
  muc_create:
    allow: local
api_permissions:
  "loopback admin":
    who:
      ip: 127.0.0.0/8
    what:
      - register
      - unregister
      - registered_users
      - connected_users
      - status
      - create_room
      - create_room_with_opts
      - muc_online_rooms
      - destroy_room
  "console commands":
    from:
      - ejabberd_ctl
    who: all
    what: "*"
# No shapers at all (Debian's default throttles clients to 3 kB/s).
shaper_rules:
  max_user_sessions: 10000

modules:
  mod_disco: {}
  mod_caps: {}
  # PEP (XEP-0163): the pep plugin of mod_pubsub; it uses mod_caps to learn
  # the clients' +notify interests.
  mod_pubsub:
    access_createnode: pubsub_createnode
    plugins:
      - flat
      - pep
  mod_roster: {}
  mod_ping: {}
  mod_register:
    access: register
    ip_access: all
  mod_http_api: {}
  # XEP-0198, as on production servers (and in Debian's default config):
  # clients resume after a dropped connection.
  mod_stream_mgmt:
    resend_on_timeout: if_offline
${resumeTimeout === undefined ? '' : `    resume_timeout: ${resumeTimeout}\n`}${moduleSet === 'debian' ? DEBIAN_EXTRA_MODULES : muc ? MUC_MODULES : ''}`
}

/**
 * Starts an ejabberd of its own on loopback. See ejabberd-lib.d.mts for the API.
 */
export async function startEjabberd(options = {}) {
  const { host = 'localhost', users = [], log, logLevel = 'info', moduleSet = 'minimal', muc = false, resumeTimeout } = options
  const install = findEjabberd()
  const fixedPorts = options.c2sPort !== undefined || options.httpPort !== undefined
  return retryOnPortInUse(fixedPorts, START_ATTEMPTS, () =>
    startOnce({ install, host, users, log, logLevel, moduleSet, muc, resumeTimeout, c2sPort: options.c2sPort, httpPort: options.httpPort }),
  )
}

async function startOnce({ install, host, users, log, logLevel, moduleSet, muc, resumeTimeout, c2sPort: c2sWanted, httpPort: httpWanted }) {
  const startedAt = Date.now()
  const taken = new Set()
  const pick = async (wanted) => {
    let port = wanted ?? (await freePort())
    while (taken.has(port)) port = await freePort()
    taken.add(port)
    return port
  }
  const c2sPort = await pick(c2sWanted)
  const httpPort = await pick(httpWanted)
  const distPort = await pick(undefined)

  const dir = await mkdtemp(join(tmpdir(), 'rxd-ejabberd-'))
  const spoolDir = join(dir, 'spool')
  const logsDir = join(dir, 'logs')
  const configFile = join(dir, 'ejabberd.yml')
  const ctlConfigFile = join(dir, 'ejabberdctl.cfg')
  const logFile = join(logsDir, 'ejabberd.log')
  const suffix = randomBytes(4).toString('hex')
  const nodeName = `rxd-${suffix}@localhost`
  const cookie = `rxd${randomBytes(16).toString('hex')}`
  const distOptions = ['-setcookie', cookie, '-kernel', 'inet_dist_use_interface', '{127,0,0,1}']

  try {
    await Promise.all([mkdir(spoolDir), mkdir(logsDir)])
    await writeFile(configFile, ejabberdConfig({ host, c2sPort, httpPort, logLevel, moduleSet, muc, resumeTimeout }))
    // For ctl(): Debian's ejabberdctl sources this (--ctl-config) after its defaults.
    await writeFile(
      ctlConfigFile,
      `# ejabberdctl settings of this throwaway node (scripts/ejabberd-lib.mjs)\n` +
        `ERL_DIST_PORT=${distPort}\n` +
        `ERL_OPTIONS="${distOptions.join(' ')}"\n` +
        `EJABBERD_BYPASS_WARNINGS=true\n`,
    )
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }

  const env = {
    ...process.env,
    HOME: dir, // nothing of ours lands in the real HOME (no .erlang.cookie either)
    EJABBERD_CONFIG_PATH: configFile,
    EJABBERD_LOG_PATH: logFile,
    ERL_LIBS: install.erlLibs,
    ERL_CRASH_DUMP: join(logsDir, 'erl_crash.dump'),
    ERL_CRASH_DUMP_BYTES: '0',
    ERL_DIST_PORT: String(distPort),
  }
  // What `ejabberdctl foreground` runs, with our node, cookie, spool and no epmd.
  const args = [
    '-sname',
    nodeName,
    ...distOptions,
    '-start_epmd',
    'false',
    '-erl_epmd_port',
    String(distPort),
    '-noinput',
    '-mnesia',
    'dir',
    JSON.stringify(spoolDir),
    '-s',
    'ejabberd',
  ]
  // `erl` is a shell script that execs erlexec, which execs beam.smp: the pid
  // we get is the VM's. Its only children (erl_child_setup, inet_gethost)
  // exit with it.
  let server
  try {
    server = spawnServer({
      command: install.erl,
      args,
      env,
      cwd: dir,
      dir,
      name: 'ejabberd',
      log,
      outputLimit: 16384,
      stopGraceMs: STOP_GRACE_MS,
      // SIGTERM = init:stop(): ejabberd closes its streams and listeners in
      // ~20 ms, then the VM takes ~2 s more to halt. Once ejabberd says it
      // is stopped there is nothing left worth waiting for.
      awaitExit: async (s) => {
        const deadline = Date.now() + STOP_GRACE_MS
        for (;;) {
          if (s.exitInfo) break
          const text = await readFile(logFile, 'utf8').catch(() => '')
          if (/ is stopped in the node /.test(text) || Date.now() > deadline) {
            tryKill(s.pid, 'SIGKILL')
            await s.exited
            break
          }
          await Promise.race([s.exited, sleep(POLL_MS)])
        }
      },
    })
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
  const { stop } = server

  const ctlArgs = [
    '--node',
    nodeName,
    '--config',
    configFile,
    '--ctl-config',
    ctlConfigFile,
    '--spool',
    spoolDir,
    '--logs',
    logsDir,
  ]
  const ctl = (...commandArgs) =>
    run(install.ejabberdctl, [...ctlArgs, ...commandArgs], { ...process.env, HOME: dir }, CTL_TIMEOUT_MS)

  // Ready = ejabberd says it started, both listeners accept, c2s takes a connection.
  const ready = [
    ' is started in the node ',
    `Start accepting TCP connections at 127.0.0.1:${c2sPort} for ejabberd_c2s`,
    `Start accepting TCP connections at 127.0.0.1:${httpPort} for ejabberd_http`,
  ]
  const portError = /eaddrinuse|address already in use/i
  for (;;) {
    const text = await readFile(logFile, 'utf8').catch(() => '')
    const exitInfo = server.exitInfo
    if (exitInfo) {
      const tail = await readTail(logFile)
      await stop()
      const message = exitedDuringStartup('ejabberd', exitInfo, tail, server.output)
      throw portError.test(text + server.output) ? new PortInUseError(message) : new Error(message)
    }
    if (ready.every((line) => text.includes(line)) && (await portAcceptsConnections(c2sPort))) break
    if (Date.now() - startedAt > READY_TIMEOUT_MS) {
      const tail = await readTail(logFile)
      await stop()
      throw new Error(`ejabberd did not accept connections on ${c2sPort} within ${READY_TIMEOUT_MS} ms:\n${tail}\n${server.output}`)
    }
    await sleep(POLL_MS)
  }

  const accounts = []
  const register = async (username, password) => {
    await httpApi(httpPort, 'register', { user: username, host, password })
    accounts.push({ username, password })
  }
  try {
    // In order, so `users` lists them as given.
    for (const { username, password } of users) await register(username, password)
  } catch (err) {
    const tail = await readTail(logFile)
    await stop()
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${tail}`, { cause: err })
  }

  return {
    kind: 'ejabberd',
    ...serverFields({ host, c2sPort, httpPort, dir, logFile, users: accounts, server, register }),
    nodeName,
    configFile,
    startupMs: Date.now() - startedAt,
    ctl,
    api: (command, body) => httpApi(httpPort, command, body),
    ...((muc || moduleSet === 'debian') && { mucService: `conference.${host}` }),
  }
}
