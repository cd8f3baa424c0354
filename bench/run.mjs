// `npm run bench`: builds the package, runs every benchmark against the
// build (each suite in a process of its own), prints the figures and writes
// them into BENCHMARKS.md between the "bench:begin" and "bench:end" markers
// (the text around them is kept). Each suite has a block of its own there,
// labelled with its own date, commit, machine and load: running some suites
// replaces their blocks only and keeps the others from their last run.
//
//   node bench/run.mjs [suite ...]   suites: query answer react memory size directory scale (default: all)
//   BENCH_RUNS=1 node bench/run.mjs  a quick smoke run (figures from 1 run)
//   --no-write                       print only, leave BENCHMARKS.md alone
//
// Suites 1-3 and 8 start their own throwaway Prosody on loopback ports
// (scripts/prosody-lib.mjs); nothing leaves the machine.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { fileURLToPath } from 'node:url'
import { RUNS, fmt, median } from './lib/common.mjs'
import { snapshotDist } from './lib/dist.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const FILE = join(ROOT, 'BENCHMARKS.md')
const BEGIN = '<!-- bench:begin (written by `npm run bench`; edit outside these markers) -->'
const END = '<!-- bench:end -->'
const BLOCK = /^<!-- bench:suite (\w+) -->$/m

const SUITES = {
  // Generous: under load (another test run on the 2 cores) the query suite has taken more than 180 s.
  query: { file: 'query.mjs', title: '1-2. Querying through Prosody', timeout: 420_000, prosody: true },
  answer: { file: 'answer.mjs', title: '3. Answering through Prosody', timeout: 300_000, prosody: true },
  react: { file: 'react.mjs', title: '4. React', timeout: 90_000, args: ['--expose-gc'] },
  memory: { file: 'memory.mjs', title: '5. Memory', timeout: 150_000, args: ['--expose-gc'], env: { BENCH_RUNS: String(Math.min(RUNS, 3)) } },
  size: { file: 'size.mjs', title: '6. Size', timeout: 60_000 },
  directory: { file: 'directory.mjs', title: '7. Large directory', timeout: 180_000, args: ['--expose-gc'] },
  scale: { file: 'scale.mjs', title: '8. A roster at scale through Prosody', timeout: 600_000, prosody: true, args: ['--expose-gc'] },
}

const args = process.argv.slice(2)
const write = !args.includes('--no-write')
const chosen = args.filter((a) => !a.startsWith('--'))
for (const name of chosen) if (!SUITES[name]) throw new Error(`unknown suite ${name} (${Object.keys(SUITES).join(', ')})`)
const suites = chosen.length ? chosen : Object.keys(SUITES)

const t0 = Date.now()

// ---- build, then a private snapshot of dist/
console.log('npm run build')
const buildResult = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', shell: process.platform === 'win32' })
const buildNotes = []
if (buildResult.status !== 0) {
  const output = `${buildResult.stdout}${buildResult.stderr}`.trim().split('\n').slice(-15).join('\n')
  if (!existsSync(join(ROOT, 'dist/index.js'))) {
    console.error(output)
    throw new Error('npm run build failed and emitted nothing')
  }
  // tsc emits despite type errors: benchmark what it emitted, and say so.
  console.warn(`npm run build exited with ${buildResult.status}; benchmarking the JavaScript it emitted:\n${output}`)
  const errors = output.split('\n').filter((l) => /error TS\d+/.test(l))
  buildNotes.push(`\`npm run build\` reported type errors (${errors.length}: ${errors.map((e) => e.split(':')[0]).join(', ')}); the figures are of the JavaScript it emitted.`)
}
let snapshot
for (let attempt = 1; ; attempt++) {
  try {
    snapshot = await snapshotDist(ROOT)
    break
  } catch (err) {
    // Someone else's `npm run build` (rm -rf dist) at that very moment: build again.
    if (attempt === 3) throw err
    spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' })
  }
}

// ---- the suites
const outDir = await mkdtemp(join(os.tmpdir(), 'rxd-bench-out-'))
const collected = []
let failed = false
try {
  for (const name of suites) {
    const suite = SUITES[name]
    const out = join(outDir, `${name}.json`)
    console.log(`\n== ${suite.title}`)
    // What labels this suite's block: a partial run leaves the others' labels as they were.
    const run = { name, title: suite.title, started: new Date(), load: [os.loadavg()] }
    const code = await runSuite(suite, out)
    run.seconds = (Date.now() - run.started.getTime()) / 1000
    run.load.push(os.loadavg())
    if (code !== 0 || !existsSync(out)) {
      failed = true
      collected.push({ ...run, failed: code, rows: [], notes: [`the suite failed (exit ${code})`] })
      continue
    }
    collected.push({ ...JSON.parse(await readFile(out, 'utf8')), ...run })
  }
} finally {
  await rm(outDir, { recursive: true, force: true })
  await snapshot.remove()
}

const seconds = (Date.now() - t0) / 1000
const fresh = new Map(collected.map((suite) => [suite.name, render(suite)]))
console.log(`\n${[...fresh.values()].join('\n\n')}`)
if (write) {
  const current = existsSync(FILE) ? readFileSync(FILE, 'utf8') : `# Benchmarks\n\n${BEGIN}\n${END}\n`
  const i = current.indexOf(BEGIN)
  const j = current.indexOf(END)
  const kept = i !== -1 && j > i ? blocksOf(current.slice(i + BEGIN.length, j)) : new Map()
  const section = sectionOf(merge(kept, fresh))
  const next =
    i !== -1 && j > i
      ? `${current.slice(0, i)}${BEGIN}\n${section}\n${current.slice(j)}`
      : `${current.trimEnd()}\n\n${BEGIN}\n${section}\n${END}\n`
  writeFileSync(FILE, next)
  const replaced = collected.filter((s) => s.failed === undefined || !kept.has(s.name)).map((s) => s.name)
  const others = [...kept.keys()].filter((n) => !replaced.includes(n))
  console.log(`written to ${FILE}: ${replaced.join(', ') || 'nothing'} replaced, ${others.join(', ') || 'nothing'} kept (${seconds.toFixed(0)} s)`)
}
process.exit(failed ? 1 : 0)

function runSuite(suite, out) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(suite.args ?? []), join(ROOT, 'bench', suite.file), '--out', out], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, RXD_BENCH_DIST: snapshot.dist, ...(suite.env ?? {}) },
    })
    const timer = setTimeout(() => {
      console.error(`  ${suite.file} took longer than ${suite.timeout / 1000} s: stopped`)
      child.kill('SIGTERM')
      setTimeout(() => child.kill('SIGKILL'), 5000).unref()
    }, suite.timeout)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve(code ?? (signal ? 128 : 1))
    })
  })
}

// ---- BENCHMARKS.md

function digitsFor(unit, value) {
  if (unit === 'ms') return value < 100 ? 1 : 0
  if (unit === 'MB') return 1
  if (unit === 'µs') return value < 100 ? 1 : 0
  return 0
}

function cell(runs, unit) {
  const m = median(runs)
  const d = digitsFor(unit, m)
  const u = unit ? ` ${unit}` : ''
  if (runs.length === 1) return [`${fmt(m, d)}${u}`, '(1 run)']
  const lo = Math.min(...runs)
  const hi = Math.max(...runs)
  return [`${fmt(m, d)}${u}`, lo === hi ? `${fmt(lo, d)}` : `${fmt(lo, d)}-${fmt(hi, d)}`]
}

function ratio(row, rows) {
  if (row.budget !== undefined) return `${(median(row.runs) / row.budget).toFixed(2)}x budget`
  if (!row.baseline) return row.hasDependants ? 'baseline' : ''
  const base = rows.find((r) => r.section === row.section && r.metric === row.metric && r.name === row.baseline)
  if (!base) return ''
  const b = median(base.runs)
  const m = median(row.runs)
  if (b === 0) return m === 0 ? '=' : ''
  return `${(m / b).toFixed(2)}x`
}

/** A suite's block: its own run's label (date, commit, machine, load), its goals, its tables. */
function render(suite) {
  const cpus = os.cpus()
  const loads = suite.load.map((l) => l.map((x) => x.toFixed(1)).join(' / '))
  const lines = [`### ${suite.title}`, '', '| | |', '| --- | --- |']
  lines.push(`| date | ${suite.started.toISOString()} (${suite.seconds.toFixed(0)} s) |`)
  lines.push(`| commit | ${gitDescribe()} |`)
  lines.push(`| machine | ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, ${os.type()} ${os.release()}, Node ${process.version} |`)
  lines.push(`| load average | ${loads[0]} at the start, ${loads[1]} at the end (1 / 5 / 15 min) |`)
  const runs = SUITES[suite.name].env?.BENCH_RUNS ?? RUNS
  lines.push(`| runs | median and min-max of ${runs} runs per figure, candidates interleaved round by round, the order rotating; ratios are median / median of the baseline measured in the same run |`)
  for (const n of buildNotes) lines.push(`| build | ${n} |`)
  const checked = goals(suite.rows)
  if (checked.length) lines.push('', '**Goals**', '', ...checked.map((g) => `- ${g}`))
  const sections = [...new Set(suite.rows.map((r) => r.section))]
  for (const section of sections) {
    const rows = suite.rows.filter((r) => r.section === section)
    for (const r of rows) r.hasDependants = rows.some((o) => o.baseline === r.name && o.metric === r.metric)
    lines.push('')
    lines.push(`**${section}**`)
    lines.push('')
    lines.push('| candidate | figure | median | min-max | vs baseline |')
    lines.push('| --- | --- | ---: | ---: | ---: |')
    for (const r of rows) {
      const [m, range] = cell(r.runs, r.unit)
      lines.push(`| ${r.name} | ${r.metric} | ${m} | ${range} | ${ratio(r, rows)} |`)
    }
  }
  if (suite.breakdowns) {
    for (const b of suite.breakdowns) {
      lines.push('')
      lines.push(`What dominates ${b.name} (esbuild metafile, ${fmt(b.minified)} B minified):`)
      lines.push('')
      lines.push('| source file | minified bytes | share |')
      lines.push('| --- | ---: | ---: |')
      for (const [file, bytes] of b.rows.slice(0, 12)) lines.push(`| ${file} | ${fmt(bytes)} | ${((100 * bytes) / b.minified).toFixed(0)}% |`)
    }
  }
  if (suite.notes.length) {
    lines.push('')
    for (const n of suite.notes) lines.push(`- ${n}`)
  }
  return lines.join('\n')
}

/** The blocks already in BENCHMARKS.md, by suite name, each as written (its marker left out). */
function blocksOf(text) {
  if (BLOCK.test(text)) {
    const parts = text.split(BLOCK).slice(1) // [name, block, name, block, ...]
    return new Map(parts.flatMap((part, k) => (k % 2 ? [] : [[part, parts[k + 1].trim()]])))
  }
  return legacyBlocks(text)
}

/**
 * A section written before the blocks (one label and one goals list for a run of all suites):
 * cut at the suites' titles, each part given that run's label and the goals of its own number.
 */
function legacyBlocks(text) {
  const blocks = new Map()
  const label = text.match(/^\| machine \|[^]*?\n\n/m)?.[0].trim() ?? ''
  const goalLines = text.match(/^### Goals\n\n([^]*?)\n\n/m)?.[1].split('\n') ?? []
  const names = Object.keys(SUITES)
  const starts = names.map((n) => text.indexOf(`\n### ${SUITES[n].title}\n`))
  names.forEach((name, k) => {
    if (starts[k] === -1) return
    const end = Math.min(...starts.filter((s) => s > starts[k]), text.length)
    const body = text.slice(starts[k], end).trim().split('\n').slice(1).join('\n').trim()
    const digit = SUITES[name].title[0]
    const own = goalLines.filter((g) => g.startsWith(`- ${digit}`))
    const goalsText = own.length ? `\n\n**Goals**\n\n${own.join('\n')}` : ''
    blocks.set(name, `### ${SUITES[name].title}\n\n| | |\n| --- | --- |\n${label}${goalsText}\n\n${body}`)
  })
  return blocks
}

/**
 * This run's blocks over the kept ones, in the suites' order. A suite that failed keeps its last
 * figures, under a line saying so (an earlier such line replaced).
 */
function merge(kept, fresh) {
  const out = new Map()
  for (const name of Object.keys(SUITES)) {
    const now = collected.find((s) => s.name === name)
    const old = kept.get(name)
    if (now?.failed !== undefined && old) {
      const body = old.replace(/^> The run of .* failed .*\n\n/m, '').split('\n')
      const line = `> The run of ${now.started.toISOString()} (commit ${gitDescribe()}) failed (exit ${now.failed}); the figures below are of the run before it.`
      out.set(name, [body[0], '', line, '', ...body.slice(2)].join('\n'))
    } else if (fresh.has(name)) out.set(name, fresh.get(name))
    else if (old) out.set(name, old)
  }
  return out
}

function sectionOf(blocks) {
  const lines = [
    '## Figures of the last run of each suite',
    '',
    'Each block below is the last run of its suite (`node bench/run.mjs <suite>` replaces that block only), labelled with',
    "its own date, commit, machine and load: compare candidates within a block, where they ran in the same rounds.",
  ]
  for (const [name, block] of blocks) lines.push('', `<!-- bench:suite ${name} -->`, block)
  return lines.join('\n')
}

function gitDescribe() {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim()
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim()
  return head ? `${head}${dirty ? ' + uncommitted changes in src/' : ''}` : 'unknown'
}

/** The goals (issue 15), checked on a suite's figures (each goal needs one suite's rows only). */
function goals(rows) {
  const out = []
  const med = (section, name, metric) => {
    const r = rows.find((x) => x.section === section && x.name === name && x.metric === metric)
    return r ? median(r.runs) : undefined
  }
  const mark = (ok) => (ok ? 'met' : '**missed**')
  const x = (a, b) => `${(a / b).toFixed(2)}x`
  // 1. throughput >= 0.95x raw in every row, CPU per IQ <= 1.15x raw, >= 1.5x StanzaJS in the sequential rows
  for (const section of [...new Set(rows.filter((r) => r.section.startsWith('1. query')).map((r) => r.section))]) {
    const ours = med(section, 'DiscoClient (requireFresh)', 'throughput')
    const raw = med(section, 'xmpp.js iqCaller.request', 'throughput')
    const stanza = med(section, 'StanzaJS', 'throughput')
    const cpuOurs = med(section, 'DiscoClient (requireFresh)', 'asker CPU per IQ')
    const cpuRaw = med(section, 'xmpp.js iqCaller.request', 'asker CPU per IQ')
    if (ours === undefined || raw === undefined) continue
    let text = `${section}: throughput ${x(ours, raw)} raw (goal >= 0.95x): ${mark(ours >= 0.95 * raw)}`
    if (cpuOurs !== undefined && cpuRaw !== undefined) text += `; asker CPU per IQ ${x(cpuOurs, cpuRaw)} raw's (goal <= 1.15x): ${mark(cpuOurs <= 1.15 * cpuRaw)}`
    if (stanza !== undefined) {
      const sequential = section.endsWith('sequential')
      text += `; ${x(ours, stanza)} StanzaJS${sequential ? ` (goal >= 1.5x): ${mark(ours >= 1.5 * stanza)}` : ''}`
    }
    out.push(text)
  }
  // 3. answering: CPU per answer <= 1.1x the prebuilt element's
  for (const section of [...new Set(rows.filter((r) => r.section.startsWith('3.')).map((r) => r.section))]) {
    const cpuOurs = med(section, 'DiscoServer', 'answerer CPU per answer')
    const cpuPre = med(section, 'xmpp.js iqCallee, prebuilt element', 'answerer CPU per answer')
    const ours = med(section, 'DiscoServer', 'throughput')
    const pre = med(section, 'xmpp.js iqCallee, prebuilt element', 'throughput')
    if (cpuOurs === undefined || cpuPre === undefined) continue
    out.push(`${section}: CPU per answer ${x(cpuOurs, cpuPre)} the prebuilt element's (goal <= 1.1x): ${mark(cpuOurs <= 1.1 * cpuPre)}; throughput ${x(ours, pre)}`)
  }
  // 4. React: 1000 <Feature> <= 1.2x bare components, 1000 useDiscoInfo <= 1.1x plain TanStack
  const mount = rows.find((r) => r.section.startsWith('4a.') && r.name.endsWith('<Feature>') && r.metric.startsWith('mount'))
  const bareMount = mount && med(mount.section, mount.baseline, mount.metric)
  if (mount && bareMount) out.push(`4a. ${mount.name} mount ${x(median(mount.runs), bareMount)} ${mount.baseline} (goal <= 1.2x): ${mark(median(mount.runs) <= 1.2 * bareMount)}`)
  const query = rows.find((r) => r.section.startsWith('4b.') && r.name === 'useDiscoInfo' && r.metric.startsWith('until'))
  const plain = query && med(query.section, query.baseline, query.metric)
  if (query && plain) out.push(`${query.section}: useDiscoInfo ${x(median(query.runs), plain)} plain TanStack + raw IQs (goal <= 1.1x): ${mark(median(query.runs) <= 1.1 * plain)}`)
  // 5. bound and flat heap
  const mem = rows.filter((r) => r.section.startsWith('5.') && r.name === 'DiscoClient.queryInfo')
  const maxEntries = mem.find((r) => r.metric.startsWith('max cached info results'))
  if (maxEntries) out.push(`5. cached results never above the bound (10000): max ${fmt(Math.max(...maxEntries.runs))}: ${mark(Math.max(...maxEntries.runs) <= 10_000)}`)
  const growth = mem.find((r) => r.metric.startsWith('heap growth per JID'))
  if (growth) {
    const g = median(growth.runs)
    out.push(`5. heap flat once the bound is reached (${growth.metric}: ${fmt(g)} bytes; flat = under 16 bytes per JID): ${mark(g < 16)}`)
  }
  // 6. the issue's size goals (typical app and core <= 6 kB, everything with caps <= 10 kB; none for the
  // devtools, which only apps that render them load) and the budgets of .size-limit.json
  const sizeGoal = (name) => {
    if (name.includes('devtools')) return undefined
    if (name.includes('capabilities included') || name.includes('with entity capabilities')) return 10_000
    return 6_000
  }
  for (const r of rows.filter((x) => x.budget !== undefined)) {
    const size = median(r.runs)
    const goal = sizeGoal(r.name)
    const goalText = goal === undefined ? 'no goal' : `(goal <= ${goal / 1000} kB): ${size <= goal ? 'met' : `**missed** (${(size / goal).toFixed(2)}x)`}`
    out.push(
      `6. ${r.name}: ${(size / 1000).toFixed(2)} kB ${goalText}; ` +
        `budget ${(r.budget / 1000).toFixed(2)} kB: ${size <= r.budget ? 'within' : `**over** by ${((size - r.budget) / 1000).toFixed(2)} kB`}`,
    )
  }
  // 8. scale: <= 30 caps queries, >= 50,000 presences per second
  const scale = rows.filter((r) => r.section.startsWith('8.'))
  const caps = scale.find((r) => r.metric.startsWith('caps queries sent'))
  if (caps) out.push(`8. caps queries sent for 10,000 JIDs on 30 vers: ${fmt(Math.max(...caps.runs))} at most (goal <= 30): ${mark(Math.max(...caps.runs) <= 30)}`)
  for (const r of scale.filter((x) => x.metric.startsWith('presences per CPU second of our processing'))) {
    const rate = median(r.runs)
    const flood = r.metric.split(', ').at(-1)
    const cpu = (metric) => [med(r.section, 'DiscoProvider + entityCaps, useHasFeature rows', metric), med(r.section, 'bare @xmpp/client, bare React rows', metric)]
    const [o, b] = cpu(flood === 'login flood' ? 'CPU per presence, login flood' : 'CPU per presence, rows mounted')
    out.push(
      `8. presences processed per second, ${flood}: ${fmt(rate)}/s by the library's own CPU (goal >= 50,000/s): ${mark(rate >= 50_000)}; ` +
        `whole process ${o === undefined ? '-' : fmt(o, 1)} µs per presence vs the bare client's ${b === undefined ? '-' : fmt(b, 1)} µs (${o && b ? x(o, b) : '-'})`,
    )
  }
  return out
}
