// A peer answering disco in a process of its own, so that the process
// measuring the asking side (or flooding) does not pay for the answers, and
// the answering side's CPU time can be read alone (process.cpuUsage).
//
// Started by startPeer() below with fork(); talks over the IPC channel:
//   child -> parent { ready: fullJid }       once online and set up
//   parent -> child { cpu: true }            child -> parent { cpu: {user, system} } (µs)
//   parent -> child { stats: true }          child -> parent { stats: {info, items} } (disco gets received)
//   parent -> child { stop: true }           child disconnects and exits
//
// Modes (argv[2] is a JSON config):
//   ours      xmpp.js + our DiscoServer
//   prebuilt  xmpp.js + a raw iqCallee handler returning an element built once
//   stanza    StanzaJS answering from client.disco (addFeature / addIdentity / addItem)
import { fork } from 'node:child_process'
import process from 'node:process'
import { fileURLToPath } from 'node:url'
import { stopChild } from './child.mjs'

const SELF = fileURLToPath(import.meta.url)

/**
 * Starts a peer process. config = { mode, server: {host, tcpUrl, wsUrl},
 * username, password, resource, transport: 'tcp'|'ws', features, identities, items }.
 * Resolves with { jid, cpu(): Promise<{user, system}>, stop() }.
 */
export function startPeer(config) {
  const child = fork(SELF, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const waiters = []
  const statsWaiters = []
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`peer ${config.mode} exited with ${code}`)))
    child.on('message', (msg) => {
      if (msg.ready) {
        resolve({
          jid: msg.ready,
          pid: child.pid,
          cpu: () =>
            new Promise((res) => {
              waiters.push(res)
              child.send({ cpu: true })
            }),
          /** Disco gets received since the last call: { info, items }. */
          received: () =>
            new Promise((res) => {
              statsWaiters.push(res)
              child.send({ stats: true })
            }),
          stop: () => stopChild(child),
        })
      } else if (msg.cpu) waiters.shift()?.(msg.cpu)
      else if (msg.stats) statsWaiters.shift()?.(msg.stats)
      else if (msg.error) reject(new Error(msg.error))
    })
  })
}

/** What the peer declares: `identities` identities, `features` features (plus the mandatory ones), `items` items. */
export function declaration(host, { identities = 1, features = 10, items = 10 }) {
  return {
    identities: Array.from({ length: identities }, (_, i) => ({
      category: i === 0 ? 'client' : ['automation', 'component', 'gateway', 'store', 'proxy'][i % 5],
      type: i === 0 ? 'pc' : `type${i}`,
      name: `Identity ${i}`,
    })),
    features: Array.from({ length: features }, (_, i) => `urn:example:feature:${i}`),
    items: Array.from({ length: items }, (_, i) => ({ jid: `item${i}@${host}`, node: `node/${i}`, name: `Item ${i}` })),
  }
}

async function main() {
  const config = JSON.parse(process.argv[2])
  const { mode, server } = config
  const decl = declaration(server.host, config)
  const common = await import('./common.mjs')
  let stop
  let jid
  const received = { info: 0, items: 0 }
  const count = (ns) => {
    if (ns === 'http://jabber.org/protocol/disco#info') received.info++
    else if (ns === 'http://jabber.org/protocol/disco#items') received.items++
  }
  if (mode === 'stanza') {
    const stanza = await common.connectStanza(server, config)
    const { NS_DISCO_INFO, NS_DISCO_ITEMS } = await (await import('./dist.mjs')).importDist('core/index.js')
    // Exactly our identities, features and items (StanzaJS starts with client/web).
    stanza.disco.identities.set('', [])
    for (const identity of decl.identities) stanza.disco.addIdentity(identity)
    stanza.disco.features.set('', new Set([NS_DISCO_INFO]))
    for (const feature of decl.features) stanza.disco.addFeature(feature)
    void NS_DISCO_ITEMS
    for (const item of decl.items) stanza.disco.addItem(item)
    stanza.on('iq:get:disco', (iq) => count(`http://jabber.org/protocol/disco#${iq.disco.type}`))
    jid = stanza.jid
    stop = () => common.stopStanza(stanza)
  } else {
    const xmpp = await common.connectXmpp(server, config)
    xmpp.on('element', (el) => {
      if (el.name === 'iq' && el.attrs.type === 'get') count(el.getChildElements()[0]?.attrs.xmlns)
    })
    const core = await (await import('./dist.mjs')).importDist('core/index.js')
    const { NS_DISCO_INFO, NS_DISCO_ITEMS } = core
    // "prebuilt" declares the same on a detached StaticNode and answers with
    // its serialised model, built once: both modes send the very same payload.
    // (A DiscoServer on this client would take the route: @xmpp/iq runs the
    // first handler registered for a namespace.)
    const node = mode === 'prebuilt' ? new core.StaticNode() : core.DiscoServer.for(xmpp)
    node.batch(() => {
      for (const { category, type, name } of decl.identities) node.registerIdentity(category, type, { names: { '': name } })
      if (mode === 'ours') node.unregisterIdentity('client', 'bot')
      for (const feature of decl.features) node.registerFeature(feature)
    })
    node.items.push(...decl.items)
    if (mode === 'prebuilt') {
      const info = core.infoToXml(node.toInfo())
      const items = core.itemsToXml({ items: [...node.iterItems()] })
      xmpp.iqCallee.get(NS_DISCO_INFO, 'query', () => info)
      xmpp.iqCallee.get(NS_DISCO_ITEMS, 'query', () => items)
    } else if (mode !== 'ours') throw new Error(`unknown mode ${mode}`)
    jid = xmpp.jid.toString()
    stop = () => common.stopXmpp(xmpp)
  }
  process.on('message', async (msg) => {
    if (msg.cpu) process.send({ cpu: process.cpuUsage() })
    if (msg.stats) {
      process.send({ stats: { ...received } })
      received.info = 0
      received.items = 0
    }
    if (msg.stop) {
      await stop()
      process.exit(0)
    }
  })
  // The parent going away (a crash) takes the peer with it.
  process.on('disconnect', () => process.exit(0))
  process.send({ ready: jid })
}

if (process.argv[1] === SELF) {
  main().catch((err) => {
    process.send?.({ error: String(err?.stack ?? err) })
    process.exit(1)
  })
}
