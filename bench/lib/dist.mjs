// Where the benchmarks load the built package from. bench/run.mjs builds it
// (npm run build) and copies dist/ to a private snapshot (RXD_BENCH_DIST), so
// that another `npm run build` (rm -rf dist) running meanwhile cannot pull
// the modules out from under a benchmark. Run alone, a suite uses ./dist.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import process from 'node:process'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const DIST = process.env.RXD_BENCH_DIST ?? fileURLToPath(new URL('../../dist', import.meta.url))

/** Imports `rel` (e.g. "core/index.js") from the built package. */
export function importDist(rel) {
  return import(pathToFileURL(join(DIST, rel)).href)
}

export function distHas(rel) {
  return existsSync(join(DIST, rel))
}

/**
 * Copies dist/ and package.json into a fresh temp dir beside a node_modules
 * symlink (so bare imports resolve to the project's packages, the very same
 * module instances).
 * Returns { dir, dist, remove() }. Throws if dist/ is incomplete.
 */
export async function snapshotDist(root = fileURLToPath(new URL('../..', import.meta.url))) {
  const { cp, mkdtemp, rm, symlink } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const dir = await mkdtemp(join(tmpdir(), 'rxd-bench-'))
  const dist = join(dir, 'dist')
  try {
    await cp(join(root, 'dist'), dist, { recursive: true })
    // The package's own package.json beside it: its "sideEffects": false is what
    // lets a bundler drop unused modules, so sizes measured here are an app's.
    await cp(join(root, 'package.json'), join(dir, 'package.json'))
    await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir')
    for (const rel of ['index.js', 'core/index.js', 'react/index.js', 'testing/index.js']) {
      if (!existsSync(join(dist, rel))) throw new Error(`dist/${rel} is missing`)
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
  return { dir, dist, remove: () => rm(dir, { recursive: true, force: true }) }
}
