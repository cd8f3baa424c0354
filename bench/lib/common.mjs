// Shared pieces of the benchmarks: statistics, result records, timing loops
// and connections (xmpp.js and StanzaJS) to a throwaway Prosody.
//
// Plain Node ESM against the BUILT package (dist/): bench/run.mjs builds it
// first. Every connection is on loopback.
import { writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import process from 'node:process'
import { client } from '@xmpp/client'
import { WebSocket as WsWebSocket } from 'ws'

// @xmpp/websocket needs a global WebSocket; Node 20 has none without
// --experimental-websocket. Use the `ws` package, the one StanzaJS uses in
// Node, so both libraries get the same WebSocket implementation.
if (typeof globalThis.WebSocket !== 'function') globalThis.WebSocket = WsWebSocket

export const now = () => performance.now()

// ---------------------------------------------------------------- statistics

export function median(values) {
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

// ---------------------------------------------------------------- results

/**
 * A suite's results: rows of figures measured over several runs.
 * row = { section, name, metric, unit, runs: number[], baseline?: name of the
 *         row (same section and metric) to compare with, better: 'higher'|'lower' }
 */
export class Results {
  constructor(suite) {
    this.suite = suite
    this.rows = []
    this.notes = []
  }

  add(row) {
    this.rows.push({ better: 'higher', ...row })
    return row
  }

  note(text) {
    this.notes.push(text)
    console.log(`  note: ${text}`)
  }

  /** Writes the JSON for bench/run.mjs (path from --out), or prints it. */
  save() {
    const i = process.argv.indexOf('--out')
    const json = JSON.stringify({ suite: this.suite, rows: this.rows, notes: this.notes }, null, 1)
    if (i !== -1 && process.argv[i + 1]) writeFileSync(process.argv[i + 1], json)
  }
}

/** How many runs of each figure (BENCH_RUNS overrides, e.g. 1 for a smoke run). */
export const RUNS = Number(process.env.BENCH_RUNS ?? 5)

export function fmt(n, digits = 0) {
  if (n === undefined || Number.isNaN(n)) return '-'
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}

/** Prints one figure as it is measured. */
export function report(label, runs, unit, digits = 0) {
  console.log(
    `  ${label.padEnd(58)} ${fmt(median(runs), digits).padStart(9)} ${unit}  (${fmt(Math.min(...runs), digits)}-${fmt(Math.max(...runs), digits)})`,
  )
}

// ---------------------------------------------------------------- loops

/** Calls `call` `n` times one after another; resolves with calls per second. */
export async function sequential(n, call) {
  return (await sequentialCpu(n, call)).rate
}

/** Calls `call` `n` times keeping `window` calls in flight; resolves with calls per second. */
export async function concurrent(n, window, call) {
  return (await concurrentCpu(n, window, call)).rate
}

/** As sequential(), also giving this process's CPU time per call (µs, user + system). */
export async function sequentialCpu(n, call) {
  const c0 = process.cpuUsage()
  const t0 = now()
  for (let i = 0; i < n; i++) await call(i)
  return rateAndCpu(n, t0, c0)
}

/** As concurrent(), also giving this process's CPU time per call (µs, user + system). */
export async function concurrentCpu(n, window, call) {
  let started = 0
  const c0 = process.cpuUsage()
  const t0 = now()
  const worker = async () => {
    while (started < n) {
      const i = started++
      await call(i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(window, n) }, worker))
  return rateAndCpu(n, t0, c0)
}

function rateAndCpu(n, t0, c0) {
  const ms = now() - t0
  const cpu = process.cpuUsage(c0)
  return { rate: (n * 1000) / ms, cpuPerCall: (cpu.user + cpu.system) / n }
}

/**
 * Measures every candidate `runs` times, interleaved (round 1: a, b, c;
 * round 2: b, c, a; ...) so that drift of the machine hits all of them alike,
 * and no candidate always runs first or right after the same one (through
 * Prosody, a flood can leave the server work that the next flood pays for).
 * `candidates` = [{ name, fn: async () => number | Record<metric, number> }].
 * Resolves name -> runs (number[]), or name -> metric -> runs.
 */
export async function interleaved(candidates, runs = RUNS) {
  const out = {}
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < candidates.length; k++) {
      const c = candidates[(k + r) % candidates.length]
      const value = await c.fn()
      if (typeof value === 'number') (out[c.name] ??= []).push(value)
      else for (const [metric, v] of Object.entries(value)) ((out[c.name] ??= {})[metric] ??= []).push(v)
    }
  }
  return out
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// ---------------------------------------------------------------- connections

/**
 * An @xmpp/client connection, online. PLAIN auth (loopback only: xmpp.js's
 * SCRAM costs 1-2 s per login), Nagle off on TCP, no reconnection.
 */
export async function connectXmpp(server, { username, password, resource, transport = 'tcp' }) {
  const xmpp = client({
    service: transport === 'ws' ? server.wsUrl : server.tcpUrl,
    domain: server.host,
    resource,
    credentials: (authenticate, mechanisms) =>
      authenticate({ username, password }, mechanisms.includes('PLAIN') ? 'PLAIN' : mechanisms[0]),
  })
  xmpp.reconnect.stop()
  xmpp.on('error', (err) => console.error(`  ${username}/${resource}: ${err.message}`))
  if (transport === 'tcp') {
    xmpp.on('connect', () => xmpp.socket?.setNoDelay?.(true))
  }
  await xmpp.start()
  return xmpp
}

export async function stopXmpp(xmpp) {
  if (!xmpp) return
  try {
    await Promise.race([xmpp.stop(), sleep(2000)])
  } catch {
    // already gone
  }
}

/**
 * A StanzaJS client over WebSocket (its only transport besides BOSH; in Node
 * it uses `ws`), online. PLAIN auth like the xmpp.js clients.
 */
export async function connectStanza(server, { username, password, resource }) {
  const { createClient } = (await import('stanza')).default ?? (await import('stanza'))
  const stanza = createClient({
    jid: `${username}@${server.host}`,
    password,
    resource,
    server: server.host,
    transports: { websocket: server.wsUrl, bosh: false },
    timeout: 60,
  })
  for (const mech of ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256', 'SCRAM-SHA-1-PLUS', 'SCRAM-SHA-1', 'DIGEST-MD5']) {
    stanza.sasl.disable(mech)
  }
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('StanzaJS: not online after 10 s')), 10_000)
    stanza.once('session:started', () => {
      clearTimeout(timer)
      resolve()
    })
    stanza.once('auth:failed', () => reject(new Error('StanzaJS: auth failed')))
    stanza.connect()
  })
  return stanza
}

export async function stopStanza(stanza) {
  if (!stanza) return
  await Promise.race([
    new Promise((resolve) => {
      stanza.once('disconnected', resolve)
      stanza.disconnect()
    }),
    sleep(2000),
  ])
}

/** Counts the IQ gets an xmpp.js client receives with a payload of `ns` (before anything handles them). */
export function countIncomingGets(xmpp) {
  const counts = new Map()
  xmpp.on('element', (el) => {
    if (el.name !== 'iq' || el.attrs.type !== 'get') return
    const ns = el.children.find((c) => typeof c === 'object')?.attrs.xmlns
    counts.set(ns, (counts.get(ns) ?? 0) + 1)
  })
  return {
    get: (ns) => counts.get(ns) ?? 0,
    reset: () => counts.clear(),
  }
}

export const users = (...names) => names.map((username) => ({ username, password: 'secret' }))
