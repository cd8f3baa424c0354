import { it } from 'vitest'
// The XMPP server the integration tests run against: a throwaway Prosody by
// default, a throwaway ejabberd with XMPP_TEST_SERVER=ejabberd
// (`npm run test:ejabberd`). Both have the same shape (ProsodyServer).
import { appendFileSync } from 'node:fs'
import { startEjabberd } from '../../scripts/ejabberd-lib.mjs'
import type { EjabberdServer } from '../../scripts/ejabberd-lib.mjs'
import { startProsody } from './prosody.js'
import type { ProsodyServer, StartProsodyOptions } from './prosody.js'

export type ServerKind = 'prosody' | 'ejabberd'

function kindFromEnv(value: string | undefined): ServerKind {
  const v = (value ?? '').trim().toLowerCase()
  if (v === '' || v === 'prosody') return 'prosody'
  if (v === 'ejabberd') return 'ejabberd'
  throw new Error(`XMPP_TEST_SERVER=${value}: expected "prosody" (default) or "ejabberd"`)
}

/** Which server startServer() starts (XMPP_TEST_SERVER). */
export const serverKind: ServerKind = kindFromEnv(process.env.XMPP_TEST_SERVER)
/** For test titles: "Prosody" or "ejabberd". */
export const serverName = serverKind === 'ejabberd' ? 'ejabberd' : 'Prosody'

export type TestServer = ProsodyServer & { kind: ServerKind } & Partial<Pick<EjabberdServer, 'ctl' | 'nodeName' | 'api'>>
export type StartServerOptions = StartProsodyOptions

/**
 * Debugging aids (both servers): XMPP_TEST_SERVER_LOG_LEVEL=debug logs every
 * stanza; XMPP_TEST_SERVER_LOG_FILE=/abs/path appends the server's log lines
 * there (the server's own log file goes away with its temp dir).
 */
function debugOptions(): StartServerOptions {
  const level = process.env.XMPP_TEST_SERVER_LOG_LEVEL
  const file = process.env.XMPP_TEST_SERVER_LOG_FILE
  return {
    ...(level === 'debug' || level === 'info' ? { logLevel: level } : {}),
    ...(file ? { log: (line: string) => appendFileSync(file, `${line}\n`) } : {}),
  }
}

/**
 * Starts the selected server (see serverKind) with these accounts. For
 * ejabberd, XMPP_TEST_EJABBERD_MODULES=debian loads the modules of Debian's
 * default config too (stream management, carbons, ...).
 */
export async function startServer(options: StartServerOptions = {}): Promise<TestServer> {
  options = { ...debugOptions(), ...options }
  if (serverKind === 'ejabberd') {
    const moduleSet = process.env.XMPP_TEST_EJABBERD_MODULES === 'debian' ? 'debian' : 'minimal'
    return startEjabberd({ ...options, moduleSet })
  }
  const server = await startProsody(options)
  return Object.assign(server, { kind: 'prosody' as const })
}

/**
 * `it` on the named server, nothing on the other: a server-specific test is
 * defined only where it applies (no skipped test in either run).
 */
export function onlyOn(kind: typeof serverKind): (name: string, fn: () => Promise<void>, timeout?: number) => void {
  return kind === serverKind ? (name, fn, timeout) => it(name, fn, timeout) : () => {}
}
