#!/usr/bin/env node
// `npm run prosody`: a throwaway Prosody for development and live stories.
// Accounts alice, bob and carol; ports 5222/5280 when free (else free ones;
// PROSODY_C2S_PORT / PROSODY_HTTP_PORT override). Runs until Ctrl-C/SIGTERM.

import { createServer } from 'node:net'
import process from 'node:process'
import { setInterval, clearInterval } from 'node:timers'
import { freePort, startProsody } from './prosody-lib.mjs'

const PASSWORD = 'secret'
const USERS = ['alice', 'bob', 'carol'].map((username) => ({ username, password: PASSWORD }))
const HOST = process.env.PROSODY_HOST || 'localhost'

/** Whether we can listen on 127.0.0.1:port (a system Prosody may hold 5222/5280). */
function canListen(port) {
  return new Promise((resolve) => {
    const srv = createServer()
    srv.unref()
    srv.once('error', () => resolve(false))
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)))
  })
}

async function pickPort(envName, preferred) {
  const fromEnv = process.env[envName]
  if (fromEnv) {
    const port = Number(fromEnv)
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`${envName}=${fromEnv} is not a port`)
    return port
  }
  return (await canListen(preferred)) ? preferred : freePort()
}

async function main() {
  // Signals are handled from the start: one arriving while Prosody is still
  // starting stops it as soon as it is up (no half-made temp dir left behind).
  // Nothing else keeps the event loop alive while we wait.
  const keepAlive = setInterval(() => {}, 1 << 30)
  let server
  let stopReason
  let stopping
  const shutdown = (reason) => {
    stopReason ??= reason
    if (!server) return undefined // main() stops it once started
    stopping ??= (async () => {
      console.log(`\n${stopReason}: stopping Prosody...`)
      try {
        await server.stop()
        console.log('Prosody stopped.')
      } finally {
        clearInterval(keepAlive)
      }
    })()
    return stopping
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      shutdown(signal)?.catch((err) => {
        console.error(err)
        process.exitCode = 1
      })
    })
  }

  try {
    const c2sPort = await pickPort('PROSODY_C2S_PORT', 5222)
    let httpPort = await pickPort('PROSODY_HTTP_PORT', 5280)
    while (httpPort === c2sPort) httpPort = await freePort()

    server = await startProsody({
      host: HOST,
      users: USERS,
      c2sPort,
      httpPort,
      ...(process.env.PROSODY_LOG === 'debug' && { logLevel: 'debug' }),
    })
  } catch (err) {
    clearInterval(keepAlive)
    // Ctrl-C also reaches prosodyctl/prosody while starting: not an error.
    if (stopReason) {
      console.log(`\n${stopReason} while starting: stopped.`)
      return undefined
    }
    throw err
  }
  if (stopReason) return shutdown(stopReason)

  console.log(
    [
      `Prosody is running (pid ${server.pid}, data in ${server.dir})`,
      `  domain:    ${server.host}`,
      `  TCP:       ${server.tcpUrl}`,
      `  WebSocket: ${server.wsUrl}`,
      `  accounts:  ${server.users.map((u) => `${u.username}@${server.host}`).join(', ')} (password "${PASSWORD}")`,
      `  log:       ${server.logFile}`,
      'Press Ctrl-C to stop.',
    ].join('\n'),
  )

  const exit = await server.exited
  if (!stopping) {
    // Ctrl-C reaches Prosody too (same process group): a clean exit is fine.
    if (exit.code !== 0) {
      console.error(`Prosody exited unexpectedly (code ${exit.code}, signal ${exit.signal}):`)
      console.error(await server.logTail(20))
      process.exitCode = 1
    }
  }
  return shutdown('Prosody exited')
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
})
