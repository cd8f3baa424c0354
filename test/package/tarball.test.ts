// The package as a new user gets it: `npm pack` (prepack builds), the tarball
// installed into a fresh app in a temp dir, that app type-checked without and
// then with @types/xmpp__client, and its Node script run against a throwaway
// Prosody. The app's sources are test/package/app; its dependencies are pinned
// to the versions this repository has installed, so npm finds them in its
// cache. Nothing is written into the repository but dist/ (the build).
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startProsody } from '../helpers/prosody.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const appSources = fileURLToPath(new URL('app', import.meta.url))
const require = createRequire(import.meta.url)
const tsc = require.resolve('typescript/bin/tsc')
const bin = (name: string) => join(root, 'node_modules', '.bin', name)

// The environment of a fresh shell: `npm test` exports npm_config_local_prefix
// (this repository), which would make npm install the app's packages here.
// Only the settings that say where the registry and cache are survive.
const KEEP = /^npm_config_(cache|registry|userconfig|cafile|proxy|https_proxy|noproxy|strict_ssl)$/i
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) || KEEP.test(name)))

async function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(cmd, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 })
    return stdout
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string }
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${stdout}${stderr}`, { cause: error })
  }
}

function installedVersion(name: string): string {
  return (require(`${name}/package.json`) as { version: string }).version
}

const npmInstall = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts']

async function lockfileHash(): Promise<string> {
  return createHash('sha256')
    .update(await readFile(join(root, 'package-lock.json')))
    .digest('hex')
}

describe('the packed package in a fresh app', () => {
  let work: string
  let app: string
  let tarball: string
  let shipped: string[]
  let lockfileBefore: string

  beforeAll(async () => {
    lockfileBefore = await lockfileHash()
    work = await mkdtemp(join(tmpdir(), 'rxd-package-'))
    const [packed] = JSON.parse(await sh('npm', ['pack', '--json', '--pack-destination', work], root)) as {
      filename: string
      files: { path: string }[]
    }[]
    if (!packed) throw new Error('npm pack reported no package')
    tarball = join(work, packed.filename)
    shipped = packed.files.map((f) => f.path)

    app = join(work, 'app')
    await cp(appSources, app, { recursive: true })
    const dependencies = Object.fromEntries(
      ['@xmpp/client', '@tanstack/react-query', 'react', '@types/react', '@types/node'].map((name) => [name, installedVersion(name)]),
    )
    const manifest = { name: 'disco-app', private: true, type: 'module', dependencies: { 'react-xmpp-disco': `file:${tarball}`, ...dependencies } }
    await writeFile(join(app, 'package.json'), JSON.stringify(manifest, null, 2))
    await sh('npm', npmInstall, app)
  })

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true })
  })

  it('ships dist/ (built by prepack), README.md and LICENSE', () => {
    for (const file of ['README.md', 'LICENSE', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/core/index.js', 'dist/core/caps/index.js', 'dist/devtools/index.js', 'dist/testing/index.js', 'dist/testing/react/index.js']) {
      expect(shipped).toContain(file)
    }
  })

  it('passes publint --strict and arethetypeswrong (esm-only) as packed', async () => {
    await sh(bin('publint'), ['--strict', tarball], root)
    await sh(bin('attw'), [tarball, '--profile', 'esm-only'], root)
  })

  it('type-checks a React app and a Node script that type @xmpp/client themselves (no @types/xmpp__client)', async () => {
    await sh('node', [tsc, '-p', 'tsconfig.json'], app)
    await sh('node', [tsc, '-p', 'tsconfig.node.json'], app)
  })

  it('loads every framework-free and React entry from the installed tarball in Node', async () => {
    const entries = ['react-xmpp-disco', 'react-xmpp-disco/core', 'react-xmpp-disco/caps', 'react-xmpp-disco/devtools', 'react-xmpp-disco/testing']
    const script = `for (const entry of ${JSON.stringify(entries)}) await import(entry)`
    await sh('node', ['--input-type=module', '-e', script], app)
  })

  it('runs the Node script against a throwaway Prosody: it asks the server and itself', async () => {
    const server = await startProsody({ users: [{ username: 'romeo', password: 'secret' }] })
    try {
      const env = { ...cleanEnv, XMPP_SERVICE: server.tcpUrl, XMPP_DOMAIN: server.host, XMPP_USERNAME: 'romeo', XMPP_PASSWORD: 'secret' }
      const result = JSON.parse(await sh('node', ['build/discover.js'], app, env)) as Record<'server' | 'self', { identities: string[]; features: string[] }>
      expect(result.server.identities).toContain('server/im')
      expect(result.server.features).toContain('http://jabber.org/protocol/disco#info')
      expect(result.self.features).toContain('urn:example:package-test')
      // Entity capabilities from their own entry, on in Node.
      expect(result.self.features).toContain('http://jabber.org/protocol/caps')
    } finally {
      await server.stop()
    }
  })

  it('type-checks the same app once @types/xmpp__client replaces its own declaration', async () => {
    await rm(join(app, 'types'), { recursive: true })
    await rm(join(app, 'build'), { recursive: true })
    await sh('npm', [...npmInstall, '@types/xmpp__client@0.14.1'], app)
    await sh('node', [tsc, '-p', 'tsconfig.json'], app)
    await sh('node', [tsc, '-p', 'tsconfig.node.json', '--noEmit'], app)
  })

  it("leaves the repository's package-lock.json as it was", async () => {
    expect(await lockfileHash()).toBe(lockfileBefore)
  })
})
