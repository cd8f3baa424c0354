#!/usr/bin/env node
// Usage: node scripts/ensure-system-deps.mjs prosody [chromium] [ejabberd] [slixmpp] [aioxmpp]
//
// Checks the named system dependencies and, when some are missing and we run
// as root with apt-get (CI, containers), installs the Debian packages.
// Otherwise exits 1 saying exactly what to install.
//
// Installing the Debian prosody/ejabberd packages may start their system
// services; nothing here relies on them (tests start their own servers on
// free loopback ports, see scripts/prosody-lib.mjs and scripts/ejabberd-lib.mjs).

import { spawnSync } from 'node:child_process'
import process from 'node:process'
import { isExecutable, onPath } from './server-process.mjs'

/** name -> { pkg: Debian package, present(): boolean, what: description } */
const DEPS = {
  prosody: {
    pkg: 'prosody',
    what: '`prosody` and `prosodyctl` on PATH',
    present: () => onPath('prosody') && onPath('prosodyctl'),
  },
  chromium: {
    pkg: 'chromium',
    what: '/usr/bin/chromium',
    present: () => isExecutable('/usr/bin/chromium'),
  },
  ejabberd: {
    pkg: 'ejabberd',
    what: '`ejabberdctl` on PATH or /usr/sbin/ejabberdctl',
    // /usr/sbin is not on every user's PATH.
    present: () => onPath('ejabberdctl') || isExecutable('/usr/sbin/ejabberdctl'),
  },
  slixmpp: {
    pkg: 'python3-slixmpp',
    what: 'slixmpp for /usr/bin/python3 (an independent peer in the integration tests)',
    // Debian's python, not the python3 on PATH: a pyenv or venv one does not see Debian's modules.
    present: () => spawnSync('/usr/bin/python3', ['-c', 'import slixmpp'], { stdio: 'ignore' }).status === 0,
  },
  aioxmpp: {
    pkg: 'python3-aioxmpp',
    what: 'aioxmpp for /usr/bin/python3 (the library our disco follows, a peer in the integration tests)',
    present: () => spawnSync('/usr/bin/python3', ['-c', 'import aioxmpp'], { stdio: 'ignore' }).status === 0,
  },
}

function run(cmd, args) {
  console.error(`ensure-system-deps: ${cmd} ${args.join(' ')}`)
  const r = spawnSync(cmd, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  })
  if (r.error) throw r.error
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`)
  }
}

function main(names) {
  if (names.length === 0) {
    console.error(`usage: node scripts/ensure-system-deps.mjs <${Object.keys(DEPS).join('|')}>...`)
    return 2
  }
  const unknown = names.filter((n) => !Object.hasOwn(DEPS, n))
  if (unknown.length > 0) {
    console.error(`ensure-system-deps: unknown dependency ${unknown.join(', ')} (known: ${Object.keys(DEPS).join(', ')})`)
    return 2
  }

  const missing = [...new Set(names)].filter((n) => !DEPS[n].present())
  if (missing.length === 0) return 0

  const pkgs = missing.map((n) => DEPS[n].pkg)
  const isRoot = process.getuid?.() === 0
  if (!isRoot || !onPath('apt-get')) {
    console.error(
      `ensure-system-deps: missing ${missing.map((n) => `${n} (${DEPS[n].what})`).join(', ')}.\n` +
        (onPath('apt-get')
          ? `Install with:\n  sudo apt-get install -y ${pkgs.join(' ')}`
          : `Install the ${pkgs.join(' ')} package(s) with your system's package manager ` +
            `(Debian/Ubuntu: sudo apt-get install -y ${pkgs.join(' ')}).`),
    )
    return 1
  }

  try {
    run('apt-get', ['update'])
    run('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs])
  } catch (err) {
    console.error(`ensure-system-deps: install failed: ${err instanceof Error ? err.message : String(err)}`)
    return 1
  }

  const stillMissing = missing.filter((n) => !DEPS[n].present())
  if (stillMissing.length > 0) {
    console.error(`ensure-system-deps: still missing after install: ${stillMissing.map((n) => DEPS[n].what).join(', ')}`)
    return 1
  }
  console.error(`ensure-system-deps: installed ${pkgs.join(' ')}`)
  return 0
}

process.exitCode = main(process.argv.slice(2))
