// Benchmark 5: memory (run with node --expose-gc).
//
// 100,000 distinct JIDs queried with DiscoClient.queryInfo (1000 in flight)
// against a fast fake peer on the simulated network: cache entries (counted
// from TanStack's QueryCache events, not from our own bookkeeping) and the
// heap after GC at 10k, 50k and 100k, with the default bounds (info cache
// 10000). Then, if the build has entity capabilities, 100,000 caps presences.
//
// Heap growth per JID is the slope of the heap sampled every 10k from 20k on
// (least squares, median of the runs), not 10k -> 100k: the first evictions
// after the bound make V8 grow the hash tables of the Maps that hold the
// 10,000 entries (TanStack's QueryCache, DiscoClient's, CacheBound's, and this
// file's own `cached` Set) from 16,384 to 32,768 slots, room for the deleted
// entries: +1.7 MB once (heap snapshots at 10k and 20k), flat from 20k to
// 200k; 10k -> 100k spread that step as ~20 bytes per JID.
import { createHash } from 'node:crypto'
import process from 'node:process'
import { Results, median, now, report, RUNS } from './lib/common.mjs'
import { distHas, importDist } from './lib/dist.mjs'

if (typeof globalThis.gc !== 'function') {
  console.error('bench/memory.mjs needs node --expose-gc')
  process.exit(2)
}

const xml = (await import('@xmpp/xml')).default
const { DiscoClient, NS_DISCO_INFO, infoToXml } = await importDist('core/index.js')
const { SimulatedNetwork } = await importDist('testing/index.js')

const TOTAL = Number(process.env.BENCH_MEMORY_N ?? 100_000)
const CHECKPOINTS = [10_000, 50_000, 100_000].filter((n) => n <= TOTAL)
const BOUND = 10_000
const SAMPLES = Array.from({ length: Math.floor(TOTAL / 10_000) }, (_, i) => (i + 1) * 10_000).filter((n) => n >= 2 * BOUND)
const WINDOW = 1000
const PEER_DOMAIN = 'peers.example'
const results = new Results('memory')

/** Answers every disco#info get sent to any JID at PEER_DOMAIN, from that JID, with one payload. */
class FastPeerNetwork extends SimulatedNetwork {
  payload = infoToXml({
    identities: [{ category: 'client', type: 'pc', name: 'Peer' }],
    features: Array.from({ length: 10 }, (_, i) => `urn:example:feature:${i}`),
    forms: [],
  })

  route(stanza, from) {
    const to = stanza.attrs.to
    if (stanza.name === 'iq' && stanza.attrs.type === 'get' && to?.includes(`@${PEER_DOMAIN}`)) {
      from.receive(xml('iq', { type: 'result', id: stanza.attrs.id, from: to, to: from.jid.toString() }, this.payload))
      return
    }
    super.route(stanza, from)
  }
}

async function heapMB() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return process.memoryUsage().heapUsed / 2 ** 20
}

async function distinctJids(run) {
  const network = new FastPeerNetwork()
  const me = network.entity(`me${run}@example.org/app`)
  const client = DiscoClient.for(me)
  const cache = client.queryClient.getQueryCache()
  // Cached results (entries holding an answer): the requests still on the
  // wire (up to WINDOW) are entries too, but hold nothing yet.
  const cached = new Set()
  let entries = 0
  let maxEntries = 0
  const unsubscribe = cache.subscribe((event) => {
    if (event.query.queryKey[2] !== 'info') return
    if (event.type === 'added') entries++
    else if (event.type === 'removed') {
      entries--
      cached.delete(event.query)
    } else if (event.type === 'updated' && event.action.type === 'success') {
      cached.add(event.query)
      maxEntries = Math.max(maxEntries, cached.size)
    }
  })
  const out = { heap: {}, entries: {}, maxEntries: 0, qps: 0 }
  out.heap[0] = await heapMB()
  const t0 = now()
  let done = 0
  let busy = 0
  out.samples = []
  for (const stop of [...new Set([...CHECKPOINTS, ...SAMPLES])].sort((a, b) => a - b)) {
    while (done < stop) {
      const batch = Math.min(WINDOW, stop - done)
      await Promise.all(
        Array.from({ length: batch }, (_, i) => client.queryInfo(`peer${done + i}@${PEER_DOMAIN}/r`)),
      )
      done += batch
    }
    const t = now()
    out.heap[stop] = await heapMB()
    out.entries[stop] = entries
    if (SAMPLES.includes(stop)) out.samples.push([stop, out.heap[stop]])
    busy += now() - t
  }
  out.qps = (TOTAL * 1000) / (now() - t0 - busy)
  out.maxEntries = maxEntries
  out.cacheSize = client.cacheSize.info
  unsubscribe()
  client.flushCache()
  network.close()
  return out
}

console.log(`5. memory: ${TOTAL.toLocaleString('en-US')} distinct JIDs (info cache bound ${10_000}), ${RUNS} runs`)
const runs = []
for (let r = 0; r < RUNS; r++) runs.push(await distinctJids(r))
const section = `5. ${TOTAL.toLocaleString('en-US')} distinct JIDs queried (default bound: info cache 10000)`
const col = (f) => runs.map(f)
report('queries per second (in-memory peer)', col((r) => r.qps), 'q/s')
results.add({ section, name: 'DiscoClient.queryInfo', metric: 'queries per second (in-memory peer)', unit: 'q/s', runs: col((r) => r.qps) })
report('max cached results ever (QueryCache events)', col((r) => r.maxEntries), '')
results.add({ section, name: 'DiscoClient.queryInfo', metric: 'max cached info results at any time', unit: '', runs: col((r) => r.maxEntries), better: 'lower' })
report('heap before (MB)', col((r) => r.heap[0]), 'MB', 1)
results.add({ section, name: 'DiscoClient.queryInfo', metric: 'heap after GC, before', unit: 'MB', runs: col((r) => r.heap[0]), better: 'lower' })
for (const c of CHECKPOINTS) {
  const k = `${c / 1000}k`
  report(`cache entries at ${k}`, col((r) => r.entries[c]), '')
  report(`heap after GC at ${k} (MB)`, col((r) => r.heap[c]), 'MB', 1)
  results.add({ section, name: 'DiscoClient.queryInfo', metric: `cache entries at ${k}`, unit: '', runs: col((r) => r.entries[c]), better: 'lower' })
  results.add({ section, name: 'DiscoClient.queryInfo', metric: `heap after GC at ${k}`, unit: 'MB', runs: col((r) => r.heap[c]), better: 'lower' })
}
if (SAMPLES.length >= 2) {
  const [first, last] = [SAMPLES[0], SAMPLES.at(-1)]
  const growth = col((r) => slope(r.samples) * 2 ** 20)
  report(`heap growth per JID from ${first / 1000}k to ${last / 1000}k (slope)`, growth, 'bytes')
  results.add({ section, name: 'DiscoClient.queryInfo', metric: `heap growth per JID, ${first / 1000}k to ${last / 1000}k (slope of ${SAMPLES.length} samples)`, unit: 'bytes', runs: growth, better: 'lower' })
}
results.note(
  `Benchmark 5: one DiscoClient per run (private QueryClient), queries 1000 at a time; the fake peer answers any JID @${PEER_DOMAIN} ` +
    `on the next macrotask with 1 identity and 10 features; heap = process.memoryUsage().heapUsed after 3x gc(). Median heap growth ${median(
      col((r) => r.heap[CHECKPOINTS.at(-1)] - r.heap[CHECKPOINTS[0]]),
    ).toFixed(1)} MB between ${CHECKPOINTS[0] / 1000}k and ${CHECKPOINTS.at(-1) / 1000}k, a step once the first evictions ` +
    `grow the hash tables holding the ${BOUND.toLocaleString('en-US')} entries; growth per JID is the least-squares slope of the heap sampled every 10k from ${(2 * BOUND) / 1000}k.`,
)

/** Least-squares slope of [x, y] points. */
function slope(points) {
  const mx = points.reduce((a, [x]) => a + x, 0) / points.length
  const my = points.reduce((a, [, y]) => a + y, 0) / points.length
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0)
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0)
  return sxy / sxx
}

// ---- caps presences
const capsPath = ['core/caps/EntityCaps.js', 'core/caps/index.js'].find((p) => distHas(p))
if (!capsPath) {
  results.note('Benchmark 5, caps presences: skipped, the build has no src/core/caps/EntityCaps yet.')
} else {
  try {
    const caps = await importDist(capsPath)
    const EntityCaps = caps.EntityCaps ?? (await importDist('core/index.js')).EntityCaps
    if (!EntityCaps?.for) throw new Error(`${capsPath} exports no EntityCaps.for`)
    const network = new FastPeerNetwork()
    const me = network.entity('capsme@example.org/app')
    const ec = EntityCaps.for(me, { node: 'https://bench.example' })
    const heap = { 0: await heapMB() }
    const jids = {}
    const vers = Array.from({ length: 5000 }, (_, i) => createHash('sha1').update(`ver ${i}`).digest('base64'))
    const t0 = now()
    for (let i = 0; i < TOTAL; i++) {
      const from = `peer${i}@${PEER_DOMAIN}/r`
      me.emit(
        'element',
        xml(
          'presence',
          { from, to: me.jid.toString() },
          xml('c', { xmlns: 'http://jabber.org/protocol/caps', hash: 'sha-1', node: 'https://peer.example', ver: vers[i % vers.length] }),
        ),
      )
      if (CHECKPOINTS.includes(i + 1)) {
        await new Promise((resolve) => setImmediate(resolve))
        heap[i + 1] = await heapMB()
        jids[i + 1] = ec.stats.jids
      }
    }
    const ms = now() - t0
    const section = `5. ${TOTAL.toLocaleString('en-US')} caps presences (distinct full JIDs, 5000 sha-1 vers; maxJids default 10000)`
    results.add({ section, name: 'EntityCaps', metric: 'presences per second (incl. GC pauses)', unit: '/s', runs: [(TOTAL * 1000) / ms] })
    results.add({ section, name: 'EntityCaps', metric: 'heap after GC, before', unit: 'MB', runs: [heap[0]], better: 'lower' })
    for (const c of CHECKPOINTS) {
      results.add({ section, name: 'EntityCaps', metric: `JIDs remembered at ${c / 1000}k`, unit: '', runs: [jids[c]], better: 'lower' })
      results.add({ section, name: 'EntityCaps', metric: `heap after GC at ${c / 1000}k`, unit: 'MB', runs: [heap[c]], better: 'lower' })
      report(`caps: JIDs remembered / heap after GC at ${c / 1000}k`, [jids[c]], '')
      report(`caps: heap after GC at ${c / 1000}k`, [heap[c]], 'MB', 1)
    }
    results.note('Benchmark 5, caps presences: one run; EntityCaps.for(entity, { node }) on a simulated entity, each presence fed as an incoming element (through its middleware); heap includes the DiscoClient EntityCaps attaches to.')
    network.close()
  } catch (err) {
    results.note(`Benchmark 5, caps presences: could not run against the build's EntityCaps (${err.message}).`)
  }
}
void DiscoClient
void NS_DISCO_INFO
results.save()
process.exit(0)
