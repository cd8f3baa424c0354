// Benchmark 7: a large directory (run with node --expose-gc), on the
// simulated network of the built package (dist/testing), 10,000 items.
//
//  a. DiscoBrowser's first screen (jsdom, createRoot + act, StrictMode) on a
//     10,000-item service vs the same screen on a 25-item service: IQs
//     (items, info, most info in flight) and time until every rendered row
//     has its info.
//  b. queryItems of all 10,000 items from a responder that pages on its own
//     (100 a page: 100 IQs) vs the same 100 pages asked by hand with raw
//     xmpp.js iqCaller requests (parsed to plain objects), and vs one answer
//     of all 10,000 (a responder without paging): time, IQs, and the heap
//     the result holds (after GC).
import process from 'node:process'
import { Results, interleaved, now, report } from './lib/common.mjs'
import { importDist } from './lib/dist.mjs'
import { installJsdom } from './lib/jsdom.mjs'

if (typeof globalThis.gc !== 'function') {
  console.error('bench/directory.mjs needs node --expose-gc')
  process.exit(2)
}

const document = installJsdom()

const { createElement: h, StrictMode, act } = await import('react')
const { createRoot } = await import('react-dom/client')
const { QueryClient } = await import('@tanstack/react-query')
const xml = (await import('@xmpp/xml')).default
const { DiscoBrowser, DiscoClient, DiscoProvider, NS_DISCO_INFO, NS_DISCO_ITEMS, NS_RSM } = await importDist('index.js')
const { SimulatedNetwork, answerDisco, directorySpec } = await importDist('testing/index.js')

const SIZE = 10_000
const SMALL = 25
const DIRECTORY = 'directory.example.org'
const results = new Results('directory')

async function heapMB() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return process.memoryUsage().heapUsed / 2 ** 20
}

/** A network with me and a directory of `size` nodes answering as `paging` says. */
function world(size, paging) {
  const network = new SimulatedNetwork()
  const me = network.entity('me@example.org/app')
  const service = network.entity(DIRECTORY)
  answerDisco(service, { ...directorySpec(DIRECTORY, size), paging })
  // disco#info gets in flight on the wire, and the most at once.
  const pending = new Set()
  const info = { max: 0 }
  const route = network.route.bind(network)
  network.route = (stanza, from) => {
    if (stanza.name === 'iq' && stanza.attrs.type === 'get' && from === me && stanza.getChild('query', NS_DISCO_INFO)) {
      pending.add(stanza.attrs.id)
      info.max = Math.max(info.max, pending.size)
    } else if (stanza.name === 'iq' && stanza.attrs.to === me.jid.toString()) pending.delete(stanza.attrs.id)
    route(stanza, from)
  }
  return { network, me, service, info }
}

// ---- a. DiscoBrowser's first screen
async function firstScreen(size) {
  const { network, me, service, info } = world(size)
  const container = document.createElement('div')
  document.body.append(container)
  const root = createRoot(container)
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  const rows = () => container.querySelectorAll('[role="treeitem"][aria-level="2"].rxd-browser-row')
  const answered = () => [...rows()].filter((row) => row.getAttribute('data-state') === 'success').length
  const expected = Math.min(size, 25)
  const t0 = now()
  act(() => root.render(h(StrictMode, null, h(DiscoProvider, { client: me, queryClient }, h(DiscoBrowser, { jid: DIRECTORY })))))
  for (let i = 0; i < 10_000 && answered() < expected; i++) await act(() => new Promise((resolve) => setImmediate(resolve)))
  const ms = now() - t0
  if (answered() !== expected) throw new Error(`${answered()}/${expected} rows answered`)
  // Let anything late arrive before counting.
  for (let i = 0; i < 20; i++) await act(() => new Promise((resolve) => setImmediate(resolve)))
  const out = { ms, items: service.countRequests(NS_DISCO_ITEMS), info: service.countRequests(NS_DISCO_INFO), maxInFlight: info.max }
  act(() => root.unmount())
  container.remove()
  network.close()
  return out
}

// ---- b. all 10,000 items
/** The same pages by hand: raw xmpp.js requests with <set/>, items parsed to plain objects. */
async function rawWalk(me) {
  const items = []
  let after
  let iqs = 0
  for (;;) {
    const set = xml('set', { xmlns: NS_RSM }, xml('max', {}, '100'), after === undefined ? undefined : xml('after', {}, after))
    const query = await me.iqCaller.get(xml('query', { xmlns: NS_DISCO_ITEMS }, set), DIRECTORY)
    iqs++
    for (const el of query.getChildren('item')) {
      const item = { jid: el.attrs.jid }
      if (el.attrs.node) item.node = el.attrs.node
      if (el.attrs.name) item.name = el.attrs.name
      items.push(item)
    }
    const last = query.getChild('set', NS_RSM)?.getChildText('last')
    if (!last || items.length >= SIZE) return { items, iqs }
    after = last
  }
}

async function allItems(kind) {
  const { network, me, service } = world(SIZE, kind === 'single' ? { ignoreRsm: true } : { proactive: 100 })
  const client = DiscoClient.for(me)
  const before = await heapMB()
  const t0 = now()
  const held = kind === 'raw' ? (await rawWalk(me)).items : (await client.queryItems(DIRECTORY, { maxItems: Infinity })).items
  const ms = now() - t0
  const heap = (await heapMB()) - before
  // Read after the measurement, so the result is alive through it.
  if (held.length !== SIZE) throw new Error(`${held.length} items`)
  const out = { ms, iqs: service.countRequests(NS_DISCO_ITEMS), heap }
  client.dispose()
  network.close()
  return out
}

// Warm-up (JIT), then measure interleaved.
for (let i = 0; i < 2; i++) {
  await firstScreen(SIZE)
  await firstScreen(SMALL)
  for (const kind of ['raw', 'ours', 'single']) await allItems(kind)
}

console.log(`7. Large directory (${SIZE.toLocaleString('en-US')} items, simulated network, jsdom)`)
{
  const runs = await interleaved([
    { name: 'small', fn: () => firstScreen(SMALL) },
    { name: 'large', fn: () => firstScreen(SIZE) },
  ])
  const section = '7a. DiscoBrowser: the first screen (root expanded, 25 rows shown)'
  const label = { small: `DiscoBrowser, ${SMALL}-item service`, large: `DiscoBrowser, ${SIZE.toLocaleString('en-US')}-item service` }
  console.log(` ${section}`)
  for (const [name, r] of Object.entries(runs)) {
    const baseline = name === 'small' ? undefined : label.small
    report(`${label[name]}: until every row has its info`, r.ms, 'ms', 1)
    report(`${label[name]}: disco#items IQs`, r.items, '')
    report(`${label[name]}: disco#info IQs`, r.info, '')
    report(`${label[name]}: most disco#info in flight`, r.maxInFlight, '')
    results.add({ section, name: label[name], metric: 'until every rendered row has its info', unit: 'ms', runs: r.ms, baseline, better: 'lower' })
    results.add({ section, name: label[name], metric: 'disco#items IQs', unit: '', runs: r.items, baseline, better: 'lower' })
    results.add({ section, name: label[name], metric: 'disco#info IQs', unit: '', runs: r.info, baseline, better: 'lower' })
    results.add({ section, name: label[name], metric: 'most disco#info IQs in flight', unit: '', runs: r.maxInFlight, better: 'lower' })
  }
}
{
  const runs = await interleaved([
    { name: 'raw', fn: () => allItems('raw') },
    { name: 'ours', fn: () => allItems('ours') },
    { name: 'single', fn: () => allItems('single') },
  ])
  const section = `7b. all ${SIZE.toLocaleString('en-US')} items`
  const label = {
    raw: 'raw iqCaller, 100 pages of 100 by hand',
    ours: 'DiscoClient.queryItems following 100 proactive pages',
    single: 'DiscoClient.queryItems, one answer of 10,000 (no paging)',
  }
  console.log(` ${section}`)
  for (const [name, r] of Object.entries(runs)) {
    const baseline = name === 'raw' ? undefined : label.raw
    report(`${label[name]}: time`, r.ms, 'ms', 1)
    report(`${label[name]}: IQs`, r.iqs, '')
    report(`${label[name]}: heap held after GC`, r.heap, 'MB', 1)
    results.add({ section, name: label[name], metric: 'time', unit: 'ms', runs: r.ms, baseline, better: 'lower' })
    results.add({ section, name: label[name], metric: 'disco#items IQs', unit: '', runs: r.iqs, better: 'lower' })
    results.add({ section, name: label[name], metric: 'heap held by the result (after GC)', unit: 'MB', runs: r.heap, baseline, better: 'lower' })
  }
}
results.note(
  `Benchmark 7: simulated network of dist/testing (delivery on the next macrotask); the directory is directorySpec (pubsub leaf nodes, ` +
    `answerDisco capping pages at 100). 7a: React development build in StrictMode, jsdom; "until every rendered row has its info" runs ` +
    `from the render to the last of the 25 rows' disco#info. 7b: heap = process.memoryUsage().heapUsed after 3x gc() with the result ` +
    `held, minus before (ours includes the TanStack cache entry that holds it).`,
)
results.save()
process.exit(0)
