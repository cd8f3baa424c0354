// Benchmark 8: a roster at scale, through Prosody (run with node --expose-gc).
//
// A XEP-0114 component connected to Prosody (bench/lib/component.mjs, a
// process of its own) is a crowd of PEERS full JIDs of its own domain
// running VERSIONS distinct client versions: it sends one available presence
// with XEP-0115 caps from each, and answers the disco#info queries they draw.
// Our client, in jsdom: a DiscoProvider with entityCaps from
// react-xmpp-disco/caps, then PEERS rows calling useHasFeature(fullJid).
//
//   1. the crowd's PEERS presences arrive (no rows yet: a login);
//   2. PEERS useHasFeature rows mount, one per full JID, until every row
//      knows its answer: caps queries the crowd received, time, heap;
//   3. the crowd sends PEERS presences again (a status change, same caps)
//      with every row mounted;
//   4. (ours) a new session with every row mounted: the client stops and
//      starts again (a logout/login, or a phone away longer than the server
//      keeps its session), sends its presence, the crowd sends its PEERS
//      presences again: disco#info gets until every row is fresh again.
// Baseline, same rounds, interleaved: a bare @xmpp/client with no handlers
// (only the counter both have) receiving the same presences, and PEERS bare
// React rows (an <li> each, no hook). CPU per presence is this process's
// (process.cpuUsage) from the first presence written until the last one
// received, divided by PEERS; "our processing" is ours minus the bare
// client's, i.e. what the library adds to xmpp.js's own parsing.
import process from 'node:process'
import xml from '@xmpp/xml'
import { startProsody } from '../scripts/prosody-lib.mjs'
import { RUNS, Results, connectXmpp, interleaved, now, report, stopXmpp, users } from './lib/common.mjs'
import { ROW_FEATURE, startComponent } from './lib/component.mjs'
import { importDist } from './lib/dist.mjs'
import { installJsdom } from './lib/jsdom.mjs'

if (typeof globalThis.gc !== 'function') {
  console.error('bench/scale.mjs needs node --expose-gc')
  process.exit(2)
}

const document = installJsdom()
const { createElement: h, act, useEffect } = await import('react')
const { createRoot } = await import('react-dom/client')
const { QueryClient, notifyManager } = await import('@tanstack/react-query')
const { DiscoProvider, entityCaps, useHasFeature } = await importDist('index.js')

// TanStack schedules each batch of notifications on a setTimeout of its own,
// and useSyncExternalStore renders each one at once: rows answered one by one
// re-render a flat list of 10,000 once per row (React walks every sibling per
// commit: O(rows^2), minutes at 10,000 in the development build). An app with
// such a list coalesces them (notifyManager.setScheduler, TanStack's own
// hook for this): everything scheduled before the timer fires notifies in one task.
let coalesced = null
notifyManager.setScheduler((callback) => {
  if (!coalesced) {
    coalesced = []
    setTimeout(() => {
      const callbacks = coalesced
      coalesced = null
      for (const cb of callbacks) cb()
    }, 0)
  }
  coalesced.push(callback)
})

const PEERS = Number(process.env.BENCH_SCALE_PEERS ?? 10_000)
const VERSIONS = 30
const SCALE_RUNS = Math.min(RUNS, 3)
const SECTION = `8. ${PEERS.toLocaleString('en-US')} presences with caps (${VERSIONS} vers) through Prosody, ${PEERS.toLocaleString('en-US')} useHasFeature rows`
const results = new Results('scale')
const log = (text) => process.env.BENCH_VERBOSE && console.log(`    ${text}`)

async function heapMB() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return process.memoryUsage().heapUsed / 2 ** 20
}

const server = await startProsody({ users: users('me'), componentSecret: 'bench-component-secret' })
let crowd
try {
  crowd = await startComponent({ ...server.component, versions: VERSIONS })
  const domain = `@${server.component.host}/`
  const jids = Array.from({ length: PEERS }, (_, i) => `user${i}${domain}res`)
  const expected = jids.filter((_, i) => crowd.versions[i % VERSIONS].features.includes(ROW_FEATURE)).length
  let round = 0

  /** Counts the crowd's presences (the one handler the bare client has too); resolves waitFor(n) once n arrived. */
  function presenceCounter(xmppClient) {
    const state = { count: 0, target: Infinity, done: undefined }
    xmppClient.on('element', (el) => {
      if (el.name === 'presence' && el.attrs.from?.includes(domain) && ++state.count === state.target) state.done()
    })
    return {
      /** Sends `n` presences from the crowd; resolves with this process's CPU µs per presence until the last arrived. */
      async flood(to, status) {
        state.count = 0
        const arrived = new Promise((resolve) => {
          state.target = PEERS
          state.done = resolve
        })
        const c0 = process.cpuUsage()
        const t0 = now()
        await crowd.flood(to, PEERS, status)
        await Promise.race([arrived, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${state.count} of ${PEERS} presences arrived in 120 s`)), 120_000))])
        const cpu = process.cpuUsage(c0)
        return { cpuPerPresence: (cpu.user + cpu.system) / PEERS, ms: now() - t0 }
      },
    }
  }

  const ticks = async (until, limitMs = 120_000) => {
    const t0 = now()
    while (!until()) {
      if (now() - t0 > limitMs) throw new Error('rows not resolved in time')
      await act(() => new Promise((resolve) => setTimeout(resolve, 5)))
    }
  }

  async function runOnce(kind) {
    round++
    const heap0 = await heapMB()
    const xmpp = await connectXmpp(server, { username: 'me', password: 'secret', resource: `${kind}-${round}` })
    const counter = presenceCounter(xmpp)
    const container = document.createElement('div')
    document.body.append(container)
    const root = createRoot(container)
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    const caps = entityCaps({ node: 'https://bench.example/me' })
    const resolved = new Set()
    let supported = 0
    const renders = { count: 0 }
    function Row({ jid }) {
      renders.count++
      const { supported: has } = useHasFeature(jid, ROW_FEATURE)
      useEffect(() => {
        if (has === undefined || resolved.has(jid)) return
        resolved.add(jid)
        if (has) supported++
      }, [jid, has])
      return h('li', null, has === undefined ? '…' : has ? 'yes' : 'no')
    }
    function BareRow({ jid }) {
      return h('li', { title: jid }, '…')
    }
    const tree = (rows) =>
      kind === 'ours'
        ? h(DiscoProvider, { client: xmpp, queryClient, caps }, h('ul', null, rows))
        : h('ul', null, rows)
    try {
      await act(async () => root.render(tree(null)))
      await xmpp.send(xml('presence'))
      await crowd.stats()

      // 1. the login flood
      const first = await counter.flood(xmpp.jid.toString())
      log(`${kind}: login flood ${first.ms.toFixed(0)} ms, ${first.cpuPerPresence.toFixed(1)} µs CPU per presence`)

      // 2. the rows
      const t0 = now()
      await act(async () => root.render(tree(jids.map((jid) => h(kind === 'ours' ? Row : BareRow, { key: jid, jid })))))
      log(`${kind}: mounted in ${(now() - t0).toFixed(0)} ms, ${renders.count} renders`)
      if (kind === 'ours') {
        // Wait for the answers inside one act scope: React then renders them
        // in one commit, as a browser batches what arrives in one task. Polling
        // with an act per tick re-rendered the whole list (O(rows) per commit in
        // React's development build and jsdom) once per tick: that measured React.
        const cache = queryClient.getQueryCache()
        const answered = () => cache.getAll().filter((q) => q.state.status === 'success' && q.getObserversCount() > 0).length
        await act(async () => {
          const t1 = now()
          while (answered() < PEERS) {
            if (now() - t1 > 120_000) throw new Error(`${answered()} of ${PEERS} rows answered in 120 s`)
            await new Promise((resolve) => setTimeout(resolve, 5))
          }
        })
        await ticks(() => resolved.size === PEERS)
      }
      const rowsMs = now() - t0
      log(`${kind}: rows answered in ${rowsMs.toFixed(0)} ms, ${renders.count} renders`)
      if (kind === 'ours' && supported !== expected) throw new Error(`${supported} rows say supported, ${expected} should`)
      const heap = (await heapMB()) - heap0
      const queries = await crowd.stats()

      // 3. the same presences again (a status change), every row mounted
      const second = await counter.flood(xmpp.jid.toString(), `round ${round}`)
      const queriesAfter = await crowd.stats()

      // 4. a new session, every row mounted: the rows wait for the presences, whose caps are verified already
      let newSession = { queries: 0, ms: 0 }
      if (kind === 'ours') {
        await xmpp.stop()
        await xmpp.start()
        await xmpp.send(xml('presence'))
        const t1 = now()
        await counter.flood(xmpp.jid.toString(), `new session ${round}`)
        const cache = queryClient.getQueryCache()
        const fresh = () =>
          cache.getAll().filter((q) => q.getObserversCount() > 0 && q.state.status === 'success' && !q.state.isInvalidated && q.state.fetchStatus === 'idle').length
        await act(async () => {
          while (fresh() < PEERS) {
            if (now() - t1 > 120_000) throw new Error(`${fresh()} of ${PEERS} rows fresh in 120 s after a new session`)
            await new Promise((resolve) => setTimeout(resolve, 5))
          }
        })
        newSession = { queries: (await crowd.stats()).info, ms: now() - t1 }
        log(`${kind}: new session: ${newSession.queries} disco#info gets, every row fresh in ${newSession.ms.toFixed(0)} ms`)
      }
      return {
        newSessionQueries: newSession.queries,
        newSessionMs: newSession.ms,
        cpuFirst: first.cpuPerPresence,
        cpuSecond: second.cpuPerPresence,
        wallFirst: first.ms,
        rowsMs,
        heap,
        queries: queries.info,
        queriesWithNode: queries.infoWithNode,
        queriesAfter: queriesAfter.info,
      }
    } finally {
      await act(async () => root.unmount())
      container.remove()
      await stopXmpp(xmpp)
      queryClient.clear()
    }
  }

  // BENCH_SCALE_ONLY=ours|bare: one candidate alone, for a profile (node --cpu-prof) of it; nothing recorded.
  const only = process.env.BENCH_SCALE_ONLY
  if (only) {
    for (let i = 0; i < SCALE_RUNS; i++) await runOnce(only)
    throw Object.assign(new Error(`BENCH_SCALE_ONLY=${only}: done, nothing recorded`), { only: true })
  }
  // A warm-up round of each (JIT, Prosody's first sessions), not recorded.
  await runOnce('bare')
  await runOnce('ours')
  const runs = await interleaved(
    [
      { name: 'bare @xmpp/client, bare React rows', fn: () => runOnce('bare') },
      { name: 'DiscoProvider + entityCaps, useHasFeature rows', fn: () => runOnce('ours') },
    ],
    SCALE_RUNS,
  )
  const bare = runs['bare @xmpp/client, bare React rows']
  const ours = runs['DiscoProvider + entityCaps, useHasFeature rows']
  const BARE = 'bare @xmpp/client, bare React rows'
  const OURS = 'DiscoProvider + entityCaps, useHasFeature rows'
  const add = (name, metric, unit, values, better, baseline) => {
    results.add({ section: SECTION, name, metric, unit, runs: values, better, ...(baseline && { baseline }) })
    report(`${name.slice(0, 30)}: ${metric}`, values, unit, unit === 'µs' || unit === 'MB' ? 1 : 0)
  }
  add(BARE, 'CPU per presence, login flood', 'µs', bare.cpuFirst, 'lower')
  add(OURS, 'CPU per presence, login flood', 'µs', ours.cpuFirst, 'lower', BARE)
  add(BARE, 'CPU per presence, rows mounted', 'µs', bare.cpuSecond, 'lower')
  add(OURS, 'CPU per presence, rows mounted', 'µs', ours.cpuSecond, 'lower', BARE)
  // What the library adds per presence, round by round (each ours against the bare run just before it).
  const added = (key) => ours[key].map((v, i) => v - bare[key][i])
  const rate = (key) => added(key).map((us) => (us > 0 ? 1e6 / us : Infinity))
  add(OURS, 'presences per CPU second of our processing (ours - bare), login flood', '/s', rate('cpuFirst'), 'higher')
  add(OURS, 'presences per CPU second of our processing (ours - bare), rows mounted', '/s', rate('cpuSecond'), 'higher')
  add(BARE, 'presences per CPU second, whole process, login flood', '/s', bare.cpuFirst.map((us) => 1e6 / us), 'higher')
  add(OURS, 'presences per CPU second, whole process, login flood', '/s', ours.cpuFirst.map((us) => 1e6 / us), 'higher', BARE)
  add(BARE, 'login flood, first presence sent to last received', 'ms', bare.wallFirst, 'lower')
  add(OURS, 'login flood, first presence sent to last received', 'ms', ours.wallFirst, 'lower', BARE)
  add(OURS, 'caps queries sent (disco#info gets the crowd received)', '', ours.queries, 'lower')
  add(OURS, 'of which at node#ver', '', ours.queriesWithNode, 'lower')
  add(OURS, 'disco#info gets during the second flood', '', ours.queriesAfter, 'lower')
  add(OURS, 'disco#info gets after a new session, until every row is fresh', '', ours.newSessionQueries, 'lower')
  add(OURS, 'new session: from the first presence of the flood until every row is fresh', 'ms', ours.newSessionMs, 'lower')
  add(BARE, 'rows mounted until every row has its answer', 'ms', bare.rowsMs, 'lower')
  add(OURS, 'rows mounted until every row has its answer', 'ms', ours.rowsMs, 'lower', BARE)
  add(BARE, 'heap held with the rows (after GC, over the heap before connecting)', 'MB', bare.heap, 'lower')
  add(OURS, 'heap held with the rows (after GC, over the heap before connecting)', 'MB', ours.heap, 'lower', BARE)
  results.note(
    `${PEERS.toLocaleString('en-US')} full JIDs user<i>@${server.component.host}/res of a XEP-0114 component (raw handshake, bench/lib/component.mjs, a process of its own), ${VERSIONS} XEP-0115 vers (sha-1), ${ROW_FEATURE} in every other one; ${SCALE_RUNS} rounds after one warm-up round of each, interleaved; React development build in jsdom; Prosody on loopback TCP, stream management on.`,
  )
  results.note(
    'CPU per presence includes xmpp.js parsing (ltx), stream-management acks and the one counting listener both candidates have; "our processing" subtracts the bare client of the same round. The rows row of the baseline is a plain <li> per JID with no hook.',
  )
} catch (err) {
  if (!err.only) throw err
  console.log(`  ${err.message}`)
} finally {
  await crowd?.stop()
  await server.stop()
}
results.save()
process.exit(0)
