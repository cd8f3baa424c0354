// Benchmark 4: the React layer, in jsdom with react-dom/client (createRoot +
// act), against the simulated in-memory network of the built package
// (dist/testing: entities assembled from @xmpp/middleware and @xmpp/iq).
//
//  a. Mounting 1000 <Feature> in one commit vs 1000 bare components with an
//     empty effect: time of the commit (render + effects), onInfoChanged
//     notifications, presences sent; then unmounting them all.
//  b. 1000 components calling useDiscoInfo on 10 targets vs the same with a
//     bare TanStack useQuery whose queryFn sends a raw iqCaller.request:
//     time until every component has its data, renders, IQs on the wire.
//
// React's development build (act() is not available in production builds);
// no StrictMode, so each component mounts once.
import process from 'node:process'
import { Results, interleaved, now, report } from './lib/common.mjs'
import { importDist } from './lib/dist.mjs'
import { installJsdom } from './lib/jsdom.mjs'

const document = installJsdom()

const { createElement: h, act, useEffect } = await import('react')
const { createRoot } = await import('react-dom/client')
const { QueryClient, useQuery } = await import('@tanstack/react-query')
const xml = (await import('@xmpp/xml')).default
const lib = await importDist('index.js')
const { DiscoProvider, DiscoServer, Feature, NS_DISCO_INFO, useDiscoInfo } = lib
// Entity caps (DiscoProvider's caps prop), when the build has them: the
// entityCaps plugin since the caps entry, an options object before it.
const capsAvailable = typeof lib.EntityCaps === 'function'
const capsProp = (options) => (typeof lib.entityCaps === 'function' ? lib.entityCaps(options) : options)
const { SimulatedNetwork, answerDisco } = await importDist('testing/index.js')

const COUNT = 1000
const TARGETS = 10
const results = new Results('react')

function fresh() {
  const network = new SimulatedNetwork()
  const me = network.entity('me@example.org/app')
  const presences = { count: 0 }
  me.on('send', (stanza) => {
    if (stanza.name === 'presence') presences.count++
  })
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  const container = document.createElement('div')
  document.body.append(container)
  const root = createRoot(container)
  const done = () => {
    act(() => root.unmount())
    container.remove()
    network.close()
  }
  return { network, me, presences, queryClient, root, done }
}

const ticks = async (until, max = 10_000) => {
  for (let i = 0; i < max && !until(); i++) {
    await act(() => new Promise((resolve) => setImmediate(resolve)))
  }
}

// ---- a. 1000 <Feature> in one commit
function Bare() {
  useEffect(() => {}, [])
  return null
}

const sleepAct = (ms) => act(() => new Promise((resolve) => setTimeout(resolve, ms)))

/** kind: 'bare' | 'feature' | 'feature-caps' (DiscoProvider caps on, after a broadcast presence). */
async function mountMany(kind) {
  const { me, presences, queryClient, root, done } = fresh()
  const server = DiscoServer.for(me)
  let changes = 0
  server.onInfoChanged(() => changes++)
  const children = Array.from({ length: COUNT }, (_, i) =>
    kind === 'bare' ? h(Bare, { key: i }) : h(Feature, { key: i, var: `urn:example:feature:${i}` }),
  )
  const caps = kind === 'feature-caps' ? { caps: capsProp({ node: 'https://bench.example' }) } : {}
  const tree = (kids) => h(DiscoProvider, { client: me, queryClient, ...caps }, kids)
  // The provider alone first, so only the 1000 children are in the measured commit.
  act(() => root.render(tree([])))
  if (kind === 'feature-caps') {
    // The app's broadcast presence: what caps re-send when the info changes.
    await act(() => me.send(xml('presence')))
  }
  // Every candidate gets the same quiet time before its measured commit (caps
  // need it to compute their first ver): without it, the plain <Feature> mount
  // took 6 ms or 20 ms by turns, the other two did not.
  await sleepAct(150)
  await ticks(() => true, 1)
  // What the root advertises before the children (disco#info, disco#items, caps' own when on).
  const featuresBefore = server.toInfo().features.length
  const changesBefore = changes
  const presencesBefore = presences.count
  // A collection owed by the previous candidate (the order rotates each round)
  // would land in this commit: 6 ms or 20 ms by turns. Collect first.
  globalThis.gc?.()
  let t0 = now()
  act(() => root.render(tree(children)))
  await act(() => Promise.resolve()) // the microtask that closes coalesce()'s batch
  const mountMs = now() - t0
  const mountChanges = changes - changesBefore
  // Caps coalesce a burst of changes and re-send the presence within 100 ms.
  if (kind === 'feature-caps') await sleepAct(200)
  const mountPresences = presences.count - presencesBefore
  const features = server.toInfo().features.length
  const expected = featuresBefore + COUNT
  if (kind !== 'bare' && features !== expected) throw new Error(`${features} features after mounting ${COUNT}`)
  t0 = now()
  act(() => root.render(tree([])))
  await act(() => Promise.resolve())
  const unmountMs = now() - t0
  const unmountChanges = changes - changesBefore - mountChanges
  if (server.toInfo().features.length !== expected - COUNT) throw new Error('features left after unmounting')
  done()
  return { mountMs, mountChanges, mountPresences, unmountMs, unmountChanges }
}

// ---- b. 1000 useDiscoInfo on 10 targets
async function queryMany(kind) {
  const { network, me, queryClient, root, done } = fresh()
  const targets = Array.from({ length: TARGETS }, (_, i) => {
    const entity = network.entity(`peer${i}@example.org/res`)
    answerDisco(entity, {
      info: {
        identities: [{ category: 'client', type: 'pc', name: `Peer ${i}` }],
        features: Array.from({ length: 10 }, (_, f) => `urn:example:feature:${f}`),
        forms: [],
      },
    })
    return entity
  })
  const jids = targets.map((t) => t.jid.toString())
  let renders = 0
  let ready = 0
  const seen = new Set()
  const onData = (i, data) => {
    if (data && !seen.has(i)) {
      seen.add(i)
      ready++
    }
  }
  function Ours({ i }) {
    renders++
    const { data } = useDiscoInfo(jids[i % TARGETS])
    onData(i, data)
    return null
  }
  function Raw({ i }) {
    renders++
    const jid = jids[i % TARGETS]
    const { data } = useQuery(
      {
        queryKey: ['raw-disco', jid],
        queryFn: () => me.iqCaller.request(xml('iq', { type: 'get', to: jid }, xml('query', { xmlns: NS_DISCO_INFO }))),
        staleTime: Infinity,
      },
      queryClient,
    )
    onData(i, data)
    return null
  }
  const Component = kind === 'ours' ? Ours : Raw
  const children = Array.from({ length: COUNT }, (_, i) => h(Component, { key: i, i }))
  const t0 = now()
  act(() => root.render(h(DiscoProvider, { client: me, queryClient }, children)))
  await ticks(() => ready === COUNT)
  const ms = now() - t0
  if (ready !== COUNT) throw new Error(`${ready}/${COUNT} components got data`)
  const iqs = targets.reduce((n, t) => n + t.requestCount, 0)
  done()
  return { ms, renders, iqs }
}

// Warm-up (JIT), then measure interleaved.
for (let i = 0; i < 2; i++) {
  await mountMany('feature')
  await mountMany('bare')
  if (capsAvailable) await mountMany('feature-caps')
  await queryMany('ours')
  await queryMany('raw')
}

console.log(`4. React (${COUNT} components, jsdom, React development build)`)
{
  const runs = await interleaved([
    { name: 'bare', fn: () => mountMany('bare') },
    { name: 'feature', fn: () => mountMany('feature') },
    ...(capsAvailable ? [{ name: 'feature-caps', fn: () => mountMany('feature-caps') }] : []),
  ])
  const section = `4a. mount ${COUNT} components in one commit`
  const label = {
    bare: `${COUNT} bare components, empty useEffect`,
    feature: `${COUNT} <Feature>`,
    'feature-caps': `${COUNT} <Feature>, DiscoProvider caps on`,
  }
  console.log(` ${section}`)
  for (const [name, r] of Object.entries(runs)) {
    const baseline = name === 'bare' ? undefined : label.bare
    report(`${label[name]}: mount`, r.mountMs, 'ms', 1)
    report(`${label[name]}: onInfoChanged on mount`, r.mountChanges, '')
    report(`${label[name]}: presences sent`, r.mountPresences, '')
    report(`${label[name]}: unmount all`, r.unmountMs, 'ms', 1)
    report(`${label[name]}: onInfoChanged on unmount`, r.unmountChanges, '')
    results.add({ section, name: label[name], metric: 'mount (render + commit + effects)', unit: 'ms', runs: r.mountMs, baseline, better: 'lower' })
    results.add({ section, name: label[name], metric: 'onInfoChanged on mount', unit: '', runs: r.mountChanges, better: 'lower' })
    results.add({ section, name: label[name], metric: 'presences sent', unit: '', runs: r.mountPresences, better: 'lower' })
    results.add({ section, name: label[name], metric: 'unmount all', unit: 'ms', runs: r.unmountMs, baseline, better: 'lower' })
    results.add({ section, name: label[name], metric: 'onInfoChanged on unmount', unit: '', runs: r.unmountChanges, better: 'lower' })
  }
}
{
  const runs = await interleaved([
    { name: 'raw', fn: () => queryMany('raw') },
    { name: 'ours', fn: () => queryMany('ours') },
  ])
  const section = `4b. ${COUNT} components querying ${TARGETS} targets`
  const label = { raw: `TanStack useQuery + raw iqCaller.request`, ours: `useDiscoInfo` }
  console.log(` ${section}`)
  for (const [name, r] of Object.entries(runs)) {
    const baseline = name === 'raw' ? undefined : label.raw
    report(`${label[name]}: until all have data`, r.ms, 'ms', 1)
    report(`${label[name]}: renders`, r.renders, '')
    report(`${label[name]}: IQs`, r.iqs, '')
    results.add({ section, name: label[name], metric: 'until every component has data', unit: 'ms', runs: r.ms, baseline, better: 'lower' })
    results.add({ section, name: label[name], metric: 'renders', unit: '', runs: r.renders, baseline, better: 'lower' })
    results.add({ section, name: label[name], metric: 'IQs on the wire', unit: '', runs: r.iqs, baseline, better: 'lower' })
  }
}
results.note(
  `Benchmark 4: jsdom ${(await import('jsdom/package.json', { with: { type: 'json' } })).default.version}, react-dom/client createRoot + act, ` +
    `React ${(await import('react/package.json', { with: { type: 'json' } })).default.version} development build, no StrictMode; ` +
    `simulated network of dist/testing (delivery on the next macrotask). ` +
    (capsAvailable
      ? 'With caps on, the app has sent one broadcast presence before the mount; presences are counted for 200 ms after the commit (caps coalesce a burst and re-send within 100 ms).'
      : 'No entity caps in the build, so no presence is expected.'),
)
results.save()
process.exit(0)
