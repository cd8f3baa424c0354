// Benchmark 6: bundle size of the built package.
//
// The budget (.size-limit.json, checked by `npm run size` at the end of
// `npm test`) is for OUR code: every export of an entry (import "*"), or what
// an app importing some names ships (tree-shaken), bundled, minified and
// gzipped by size-limit's esbuild plugin, with react,
// react-dom, @tanstack/react-query, @tanstack/query-core and @xmpp/* external.
// query-core and @xmpp/* are dependencies, not peers, but an app using the
// React layer has query-core already (through @tanstack/react-query) and every
// app has @xmpp/xml, @xmpp/jid, @xmpp/iq... through @xmpp/client.
//
// This suite runs size-limit on the benchmarks' dist snapshot with that very
// configuration, then breaks the bundles down by source file (esbuild
// metafile) and shows, for information, what a core-only app pays with
// query-core bundled.
import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import process from 'node:process'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { Results } from './lib/common.mjs'
import { DIST } from './lib/dist.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const results = new Results('size')
const config = JSON.parse(readFileSync(join(ROOT, '.size-limit.json'), 'utf8'))
const peers = Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).peerDependencies ?? {})

// size-limit resolves `path` against its config file's directory: put a copy beside the snapshot.
const base = dirname(DIST)
const configPath = join(base, '.size-limit.json')
writeFileSync(
  configPath,
  JSON.stringify(config.map((c) => ({ ...c, path: join(relative(base, DIST), relative('dist', c.path)) }))),
)
const sizeLimitBin = join(ROOT, 'node_modules/size-limit/bin.js')
const { stdout } = await new Promise((resolve, reject) =>
  execFile(process.execPath, [sizeLimitBin, '--json', '--config', configPath], { cwd: ROOT }, (error, out, err) => {
    // Exit code 1 = over budget: still JSON on stdout.
    if (error && !out) reject(new Error(`size-limit failed: ${err || error.message}`))
    else resolve({ stdout: out })
  }),
)
const measured = JSON.parse(stdout.slice(stdout.indexOf('[')))

console.log('6. size (minified + gzipped, size-limit with @size-limit/esbuild)')
const section = '6. bundle size, minified + gzip (react, react-dom, @tanstack/*, @xmpp/* external)'
const breakdowns = []
for (const [i, check] of config.entries()) {
  const m = measured[i]
  const limit = m.sizeLimit
  const over = m.size - limit
  console.log(
    `  ${check.name.padEnd(45)} ${(m.size / 1000).toFixed(2)} kB  budget ${(limit / 1000).toFixed(2)} kB  ${over > 0 ? `OVER by ${(over / 1000).toFixed(2)} kB (${((100 * over) / limit).toFixed(0)}%)` : 'ok'}`,
  )
  results.add({
    section,
    name: check.name,
    metric: `gzip size (budget ${(limit / 1000).toFixed(1)} kB)`,
    unit: 'B',
    runs: [m.size],
    budget: limit,
    better: 'lower',
  })

  // What dominates: esbuild's per-input bytes in the minified output, of what the check imports.
  const entry = join(DIST, relative('dist', check.path))
  const external = [...new Set([...peers, ...check.ignore])]
  const out = await bundle(entry, external, check.import === '*' ? undefined : check.import)
  const rows = Object.entries(out.inputs)
    .map(([file, { bytesInOutput }]) => [file.replace(/^.*?dist\//, 'dist/').replace(/^.*node_modules\//, ''), bytesInOutput])
    .sort((a, b) => b[1] - a[1])
  const minified = out.bytes
  breakdowns.push({ name: check.name, minified, gzip: out.gzip, rows, externals: out.externals })
  console.log(`    minified ${minified} B; by source file:`)
  for (const [file, bytes] of rows.slice(0, 12)) console.log(`      ${String(bytes).padStart(6)} B  ${((100 * bytes) / minified).toFixed(0).padStart(3)}%  ${file}`)
}

// For information: a core-only app (no React) also pays for @tanstack/query-core.
const withQueryCore = await bundle(join(DIST, 'core/index.js'), [...peers, 'react', 'react-dom', '@xmpp/*'])
const qcBytes = Object.entries(withQueryCore.inputs)
  .filter(([f]) => f.includes('@tanstack/query-core'))
  .reduce((n, [, v]) => n + v.bytesInOutput, 0)
console.log(`  core with @tanstack/query-core bundled (information): ${(withQueryCore.gzip / 1000).toFixed(2)} kB gzip (query-core ${qcBytes} B minified)`)
results.add({
  section: '6. bundle size, for information (not budgeted)',
  name: 'core entry with @tanstack/query-core bundled',
  metric: 'gzip size',
  unit: 'B',
  runs: [withQueryCore.gzip],
  better: 'lower',
})
results.note(
  'Benchmark 6: the budget covers our code only; react, react-dom, @tanstack/react-query, @tanstack/query-core and @xmpp/* are external ' +
    '(query-core is shared with @tanstack/react-query, and @xmpp/* with @xmpp/client, in any app that uses them). ' +
    'Sizes from size-limit (import "*": every export kept; named imports: what an app importing them ships, tree-shaken); ' +
    'the per-file breakdown from an esbuild metafile with the same externals and imports.',
)
results.save()
// Save the breakdown beside the rows.
const outIndex = process.argv.indexOf('--out')
if (outIndex !== -1) {
  const file = process.argv[outIndex + 1]
  const json = JSON.parse(readFileSync(file, 'utf8'))
  json.breakdowns = breakdowns
  writeFileSync(file, JSON.stringify(json, null, 1))
}

async function bundle(entry, external, names) {
  const contents = names
    ? `import ${names} from ${JSON.stringify(entry)}\nconsole.log(${names})\n`
    : `import * as all from ${JSON.stringify(entry)}\nconsole.log(all)\n`
  const result = await build({
    stdin: { contents, resolveDir: ROOT, loader: 'js' },
    bundle: true,
    write: false,
    metafile: true,
    minify: true,
    treeShaking: true,
    format: 'esm',
    external,
    logLevel: 'silent',
  })
  const [file] = result.outputFiles
  const [output] = Object.values(result.metafile.outputs)
  return {
    bytes: file.contents.length,
    gzip: gzipSync(file.contents).length,
    inputs: output.inputs,
    externals: output.imports.filter((i) => i.external).map((i) => i.path),
  }
}
