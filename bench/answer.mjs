// Benchmark 3: answering throughput through Prosody.
//
// Three answering peers, each in a process of its own and each declaring
// 5 identities, 100 features (+ disco#info) and 50 items:
//   ours      xmpp.js + our DiscoServer (computes the reply per request)
//   prebuilt  xmpp.js + a raw iqCallee handler returning an element built once
//   stanza    StanzaJS answering from client.disco
// One xmpp.js client (TCP, Nagle off) floods each with disco#info and
// disco#items gets (500 in flight). Figures: end-to-end IQ/s, and the CPU
// time the answering process spent per answer (its own process.cpuUsage).
//
// Prosody runs without stream management here (XEP-0198, on elsewhere): it
// keeps a copy of every unacked stanza it sends, and with 500 replies of 5 KB
// in flight that queue made Prosody the bottleneck for every candidate alike
// (4-5 ms of its CPU per IQ against 1-1.5 ms without, ~0.3x the throughput).
import xml from '@xmpp/xml'
import { startProsody } from '../scripts/prosody-lib.mjs'
import { Results, concurrent, connectXmpp, interleaved, report, stopXmpp, users } from './lib/common.mjs'
import { startPeer } from './lib/peer.mjs'
import { importDist } from './lib/dist.mjs'

const { NS_DISCO_INFO, NS_DISCO_ITEMS, parseInfo, parseItems } = await importDist('core/index.js')

const N = Number(process.env.BENCH_ANSWER_N ?? 2000)
const WINDOW = 500
const SHAPE = { identities: 5, features: 100, items: 50 }

const results = new Results('answer')
const server = await startProsody({ users: users('alice', 'bob'), streamManagement: false })
const peers = {}
let alice
try {
  const address = { host: server.host, tcpUrl: server.tcpUrl, wsUrl: server.wsUrl }
  for (const mode of ['prebuilt', 'ours', 'stanza']) {
    peers[mode] = await startPeer({
      mode,
      server: address,
      username: 'bob',
      password: 'secret',
      resource: mode,
      transport: 'ws',
      ...SHAPE,
    })
  }
  alice = await connectXmpp(server, { username: 'alice', password: 'secret', resource: 'flood' })
  const ask = (to, ns) => () => alice.iqCaller.request(xml('iq', { type: 'get', to }, xml('query', { xmlns: ns })))

  // Sanity: all three answer the same thing.
  const sizes = {}
  for (const [mode, peer] of Object.entries(peers)) {
    const info = parseInfo(await ask(peer.jid, NS_DISCO_INFO)())
    const items = parseItems(await ask(peer.jid, NS_DISCO_ITEMS)())
    sizes[mode] = `${info.identities.length} identities, ${info.features.length} features, ${items.items.length} items`
    if (info.identities.length !== 5 || info.features.length < 101 || items.items.length !== 50) {
      throw new Error(`${mode} answers ${sizes[mode]}`)
    }
  }
  // Warm-up.
  for (const peer of Object.values(peers)) {
    for (const ns of [NS_DISCO_INFO, NS_DISCO_ITEMS]) await concurrent(1000, WINDOW, ask(peer.jid, ns))
  }

  const label = {
    prebuilt: 'xmpp.js iqCallee, prebuilt element',
    ours: 'DiscoServer',
    stanza: 'StanzaJS client.disco',
  }
  console.log(`3. answering (${N} gets, ${WINDOW} in flight)`)
  for (const [kind, ns] of [['info', NS_DISCO_INFO], ['items', NS_DISCO_ITEMS]]) {
    const section = `3. answer disco#${kind} (5 identities, 101 features, 50 items), WebSocket`
    const runs = await interleaved(
      Object.entries(peers).map(([mode, peer]) => ({
        name: mode,
        fn: async () => {
          const c0 = await peer.cpu()
          const rate = await concurrent(N, WINDOW, ask(peer.jid, ns))
          const c1 = await peer.cpu()
          return { rate, cpu: (c1.user + c1.system - c0.user - c0.system) / N }
        },
      })),
    )
    console.log(` ${section}`)
    for (const [mode, r] of Object.entries(runs)) {
      report(label[mode], r.rate, 'IQ/s')
      report(`${label[mode]}: answerer CPU per answer`, r.cpu, 'µs')
      const baseline = mode === 'prebuilt' ? undefined : label.prebuilt
      results.add({ section, name: label[mode], metric: 'throughput', unit: 'IQ/s', runs: r.rate, baseline })
      results.add({ section, name: label[mode], metric: 'answerer CPU per answer', unit: 'µs', runs: r.cpu, baseline, better: 'lower' })
    }
  }
  results.note(
    `Benchmark 3: each answerer is a separate process connected over WebSocket (\`ws\`); the flooding client is xmpp.js over TCP (setNoDelay). ` +
      `Answers checked equal before measuring (${Object.entries(sizes).map(([m, s]) => `${m}: ${s}`).join('; ')}). ` +
      `"Prebuilt" serialises the same model once (infoToXml/itemsToXml) and returns that element to every request. ` +
      `Prosody without stream management (XEP-0198): with it, its queue of unacked 5 KB replies, not the answerers, set the pace.`,
  )
} finally {
  await stopXmpp(alice)
  for (const peer of Object.values(peers)) await peer.stop()
  await server.stop()
}
results.save()
