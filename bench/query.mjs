// Benchmarks 1 and 2: asking a peer through Prosody.
//
// 1. Query throughput, one client querying a peer's disco#info / disco#items:
//    DiscoClient.queryInfo/queryItems with requireFresh (every call on the
//    wire) vs plain xmpp.iqCaller.request vs StanzaJS getDiscoInfo/Items,
//    sequential and with 500 in flight, over WebSocket (and TCP for xmpp.js).
// 2. Aliasing and cache: 1000 concurrent callers for one target, then 1000
//    repeated calls: IQs on the wire and total time.
//
// The peer answering is the same for every asker: a plain xmpp.js client
// (TCP) with our DiscoServer (1 identity, 10 features, 10 items).
import xml from '@xmpp/xml'
import { startProsody } from '../scripts/prosody-lib.mjs'
import { startPeer } from './lib/peer.mjs'
import { importDist } from './lib/dist.mjs'
import {
  RUNS,
  Results,
  concurrent,
  concurrentCpu,
  connectStanza,
  connectXmpp,
  interleaved,
  now,
  report,
  sequential,
  sequentialCpu,
  stopStanza,
  stopXmpp,
  users,
} from './lib/common.mjs'

const { DiscoClient, NS_DISCO_INFO, NS_DISCO_ITEMS } = await importDist('core/index.js')

const SEQ_N = Number(process.env.BENCH_SEQ_N ?? 400)
const CONC_N = Number(process.env.BENCH_CONC_N ?? 2000)
const WINDOW = 500
const ALIAS_N = 1000

const results = new Results('query')
const server = await startProsody({ users: users('alice', 'bob', 'carol') })
const clients = []
const stanzas = []
const peers = []
try {
  // ---- the peer: xmpp.js + our DiscoServer, over TCP, in a process of its own
  const bob = await startPeer({
    mode: 'ours',
    server: { host: server.host, tcpUrl: server.tcpUrl, wsUrl: server.wsUrl },
    username: 'bob',
    password: 'secret',
    resource: 'peer',
    transport: 'tcp',
    identities: 1,
    features: 10,
    items: 10,
  })
  peers.push(bob)
  const peer = bob.jid

  // ---- the askers
  const aliceWs = await connectXmpp(server, { username: 'alice', password: 'secret', resource: 'ws', transport: 'ws' })
  const aliceTcp = await connectXmpp(server, { username: 'alice', password: 'secret', resource: 'tcp' })
  clients.push(aliceWs, aliceTcp)
  const carol = await connectStanza(server, { username: 'carol', password: 'secret', resource: 'stanza' })
  stanzas.push(carol)

  const oursWs = DiscoClient.for(aliceWs)
  const oursTcp = DiscoClient.for(aliceTcp)
  const rawQuery = (xmpp, ns) => () =>
    xmpp.iqCaller.request(xml('iq', { type: 'get', to: peer }, xml('query', { xmlns: ns })))

  const askers = {
    info: {
      ws: {
        ours: () => oursWs.queryInfo(peer, { requireFresh: true }),
        raw: rawQuery(aliceWs, NS_DISCO_INFO),
        stanza: () => carol.getDiscoInfo(peer),
      },
      tcp: {
        ours: () => oursTcp.queryInfo(peer, { requireFresh: true }),
        raw: rawQuery(aliceTcp, NS_DISCO_INFO),
      },
    },
    items: {
      ws: {
        ours: () => oursWs.queryItems(peer, { requireFresh: true }),
        raw: rawQuery(aliceWs, NS_DISCO_ITEMS),
        stanza: () => carol.getDiscoItems(peer),
      },
    },
  }

  // Sanity: every asker gets the answer it should.
  const info = await oursWs.queryInfo(peer, { requireFresh: true })
  const sInfo = await carol.getDiscoInfo(peer)
  const sItems = await carol.getDiscoItems(peer)
  // 10 features + disco#info and disco#items (the root answers items since issue 12).
  if (info.features.length !== 12 || sInfo.features.length !== 12 || sItems.items.length !== 10) {
    throw new Error(`unexpected answers: ${info.features.length} / ${sInfo.features.length} / ${sItems.items.length}`)
  }

  // Warm-up (JIT, buffers) for every asker.
  for (const kind of Object.values(askers)) {
    for (const transport of Object.values(kind)) {
      for (const call of Object.values(transport)) {
        await sequential(200, call)
        await concurrent(1000, WINDOW, call)
      }
    }
  }

  console.log(`1. query throughput (IQ/s; sequential ${SEQ_N} calls, concurrent ${CONC_N} calls with ${WINDOW} in flight; ${RUNS} runs)`)
  const label = { ours: 'DiscoClient (requireFresh)', raw: 'xmpp.js iqCaller.request', stanza: 'StanzaJS' }
  for (const [kind, transports] of Object.entries(askers)) {
    for (const [transport, candidates] of Object.entries(transports)) {
      for (const mode of ['sequential', 'concurrent']) {
        const section = `1. query disco#${kind}, ${transport === 'ws' ? 'WebSocket' : 'TCP'}, ${mode === 'sequential' ? 'sequential' : `${WINDOW} concurrent`}`
        const runs = await interleaved(
          Object.entries(candidates).map(([name, call]) => ({
            name,
            fn: () => (mode === 'sequential' ? sequentialCpu(SEQ_N, call) : concurrentCpu(CONC_N, WINDOW, call)),
          })),
        )
        console.log(` ${section}`)
        for (const [name, r] of Object.entries(runs)) {
          report(`${label[name]}`, r.rate, 'IQ/s')
          report(`${label[name]}: asker CPU per IQ`, r.cpuPerCall, 'µs')
          const baseline = name === 'raw' ? undefined : label.raw
          results.add({ section, name: label[name], metric: 'throughput', unit: 'IQ/s', runs: r.rate, baseline })
          results.add({ section, name: label[name], metric: 'asker CPU per IQ', unit: 'µs', runs: r.cpuPerCall, baseline, better: 'lower' })
        }
      }
    }
  }

  // ---- 2. aliasing and cache
  console.log(`2. aliasing and cache (${ALIAS_N} callers, ${RUNS} runs)`)
  const aliasCandidates = {
    ours: {
      label: 'DiscoClient.queryInfo',
      reset: () => oursWs.flushCache(),
      call: () => oursWs.queryInfo(peer),
    },
    raw: { label: 'xmpp.js iqCaller.request', reset: () => {}, call: rawQuery(aliceWs, NS_DISCO_INFO) },
    stanza: { label: 'StanzaJS getDiscoInfo', reset: () => {}, call: () => carol.getDiscoInfo(peer) },
  }
  for (const pattern of ['concurrent', 'repeated']) {
    const section = pattern === 'concurrent'
      ? `2. ${ALIAS_N} concurrent callers, one target (WebSocket)`
      : `2. ${ALIAS_N} repeated calls, one target (WebSocket)`
    const iqs = {}
    const runs = await interleaved(
      Object.entries(aliasCandidates).map(([name, c]) => ({
        name,
        fn: async () => {
          c.reset()
          await bob.received()
          const t0 = now()
          if (pattern === 'concurrent') await Promise.all(Array.from({ length: ALIAS_N }, () => c.call()))
          else for (let i = 0; i < ALIAS_N; i++) await c.call()
          const ms = now() - t0
          ;(iqs[name] ??= []).push((await bob.received()).info)
          return ms
        },
      })),
    )
    console.log(` ${section}`)
    for (const [name, r] of Object.entries(runs)) {
      const label = aliasCandidates[name].label
      report(`${label}: total time`, r, 'ms', 1)
      report(`${label}: IQs on the wire`, iqs[name], 'IQs')
      results.add({ section, name: label, metric: 'total time', unit: 'ms', runs: r, baseline: name === 'raw' ? undefined : aliasCandidates.raw.label, better: 'lower' })
      results.add({ section, name: label, metric: 'IQs on the wire', unit: 'IQs', runs: iqs[name], baseline: name === 'raw' ? undefined : aliasCandidates.raw.label, better: 'lower' })
    }
  }
  const stanzaVersion = (await import('stanza/package.json', { with: { type: 'json' } })).default.version
  results.note(
    `Benchmarks 1-2: the peer (bob) is xmpp.js over TCP with our DiscoServer (1 identity, 11 features, 10 items) in a process of its own; ` +
      `askers alice (xmpp.js over WebSocket via \`ws\`, and over TCP with setNoDelay) and carol (StanzaJS ${stanzaVersion}, WebSocket via \`ws\`), in one process; PLAIN auth; ` +
      `every asker warmed up (200 sequential + 1000 concurrent calls) before measuring; IQs on the wire counted by the peer.`,
  )
} finally {
  for (const s of stanzas) await stopStanza(s)
  for (const c of clients) await stopXmpp(c)
  for (const p of peers) await p.stop()
  await server.stop()
}
results.save()

