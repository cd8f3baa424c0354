// A XEP-0114 external component connected to Prosody, in a process of its
// own (so that the process under test pays nothing for it): the scale
// benchmark's crowd. It sends available presences with caps from JIDs of its
// own domain (user<i>@<component host>/res), running VERSIONS distinct client
// versions, and answers the disco#info queries they draw (node#ver or plain).
//
// A raw handshake over node:net (SHA-1 of stream id + secret, XEP-0114 section
// 3) and @xmpp/xml's parser: no @xmpp/component dependency for one benchmark.
//
// IPC, parent -> child / child -> parent:
//   (start)                 { ready: { versions: [{ ver, features }] } } once the handshake is done
//   { flood: { to, count, status } }   { flooded: true } once all are written to the socket
//   { stats: true }         { stats: { info, infoWithNode } } disco#info gets since the last call
//   { stop: true }          closes the stream and exits
import { fork } from 'node:child_process'
import { createHash } from 'node:crypto'
import { connect } from 'node:net'
import process from 'node:process'
import { fileURLToPath } from 'node:url'
import { stopChild } from './child.mjs'

const SELF = fileURLToPath(import.meta.url)
const NS_CAPS = 'http://jabber.org/protocol/caps'
export const CAPS_NODE = 'https://bench.example/client'
/** A feature half of the versions have: what the benchmark's rows ask about. */
export const ROW_FEATURE = 'urn:xmpp:jingle:1'

/**
 * Starts the component process. config = { port, host (the component's
 * domain), secret, versions }. Resolves with { versions, flood(to, count,
 * status?), stats(), stop() }.
 */
export function startComponent(config) {
  const child = fork(SELF, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const waiting = { flooded: [], stats: [] }
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`component exited with ${code}`)))
    child.on('message', (msg) => {
      if (msg.ready) {
        resolve({
          versions: msg.ready.versions,
          flood: (to, count, status) =>
            new Promise((res) => {
              waiting.flooded.push(res)
              child.send({ flood: { to, count, status } })
            }),
          stats: () =>
            new Promise((res) => {
              waiting.stats.push(res)
              child.send({ stats: true })
            }),
          stop: () => stopChild(child),
        })
      } else if (msg.flooded) waiting.flooded.shift()?.()
      else if (msg.stats) waiting.stats.shift()?.(msg.stats)
      else if (msg.error) reject(new Error(msg.error))
    })
  })
}

async function main() {
  const { port, host, secret, versions: count } = JSON.parse(process.argv[2])
  const xml = (await import('@xmpp/xml')).default
  const { importDist } = await import('./dist.mjs')
  const { capsVer, infoToXml, NS_DISCO_INFO } = await importDist('index.js')

  // VERSIONS distinct infos: one identity, a common set of features, one of
  // their own, and ROW_FEATURE in every other one.
  const versions = []
  for (let k = 0; k < count; k++) {
    const features = [NS_DISCO_INFO, 'http://jabber.org/protocol/caps', 'urn:xmpp:ping', `urn:example:bench:version:${k}`]
    if (k % 2 === 0) features.push(ROW_FEATURE)
    const info = { identities: [{ category: 'client', type: 'pc', name: `Bench client ${k}` }], features, forms: [] }
    const ver = await capsVer(info)
    versions.push({ ver, info, features })
  }
  const byNode = new Map(versions.map((v) => [`${CAPS_NODE}#${v.ver}`, v]))
  const versionOf = (jid) => versions[Number(/^user(\d+)@/.exec(jid)?.[1] ?? 0) % count]

  const socket = connect({ port, host: '127.0.0.1' })
  socket.setNoDelay(true)
  const parser = new xml.Parser()
  const stats = { info: 0, infoWithNode: 0 }
  let onReady
  const ready = new Promise((resolve, reject) => {
    onReady = resolve
    socket.once('error', reject)
  })
  parser.on('start', (el) => {
    // XEP-0114 section 3: handshake = hex SHA-1 of the stream id followed by the secret.
    const digest = createHash('sha1').update(`${el.attrs.id}${secret}`).digest('hex')
    socket.write(`<handshake>${digest}</handshake>`)
  })
  parser.on('element', (el) => {
    if (el.name === 'handshake') return onReady()
    if (el.name === 'stream:error') throw new Error(`component stream error: ${el.toString()}`)
    if (el.name !== 'iq' || el.attrs.type !== 'get') return
    const query = el.getChild('query', NS_DISCO_INFO)
    if (!query) {
      socket.write(xml('iq', { type: 'error', id: el.attrs.id, from: el.attrs.to, to: el.attrs.from }, xml('error', { type: 'cancel' }, xml('service-unavailable', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }))).toString())
      return
    }
    stats.info++
    const node = query.attrs.node
    if (node) stats.infoWithNode++
    const version = node ? byNode.get(node) : versionOf(el.attrs.to)
    const reply = version
      ? xml('iq', { type: 'result', id: el.attrs.id, from: el.attrs.to, to: el.attrs.from }, infoToXml({ ...version.info, node }))
      : xml('iq', { type: 'error', id: el.attrs.id, from: el.attrs.to, to: el.attrs.from }, xml('error', { type: 'cancel' }, xml('item-not-found', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' })))
    socket.write(reply.toString())
  })
  socket.on('data', (data) => parser.write(data.toString('utf8')))
  socket.write(`<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='${host}'>`)
  await ready

  // Strings, not elements: the crowd's own cost stays out of the picture anyway (another process), and this is fast.
  const presence = (i, to, status) => {
    const { ver } = versions[i % count]
    const statusXml = status ? `<status>${status}</status>` : ''
    return `<presence from='user${i}@${host}/res' to='${to}'>${statusXml}<c xmlns='${NS_CAPS}' hash='sha-1' node='${CAPS_NODE}' ver='${ver}'/></presence>`
  }
  process.on('message', async (msg) => {
    if (msg.flood) {
      const { to, count: n, status } = msg.flood
      // Batches of 500 in one write each; wait for the socket to drain between them.
      for (let i = 0; i < n; i += 500) {
        let chunk = ''
        for (let j = i; j < Math.min(n, i + 500); j++) chunk += presence(j, to, status)
        if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve))
      }
      process.send({ flooded: true })
    }
    if (msg.stats) {
      process.send({ stats: { ...stats } })
      stats.info = 0
      stats.infoWithNode = 0
    }
    if (msg.stop) {
      socket.end('</stream:stream>')
      setTimeout(() => process.exit(0), 200)
    }
  })
  process.on('disconnect', () => process.exit(0))
  process.send({ ready: { versions: versions.map(({ ver, features }) => ({ ver, features })) } })
}

if (process.argv[1] === SELF) {
  main().catch((err) => {
    process.send?.({ error: String(err?.stack ?? err) })
    process.exit(1)
  })
}
