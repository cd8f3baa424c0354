// `npm run example`: the library on a real server, no browser needed.
// Starts a throwaway Prosody, connects bob (who answers disco with a
// DiscoServer) and alice (who asks with a DiscoClient), and prints what
// alice learns. Imports the package by its name, as an app would (Node
// resolves a package's own name through its exports): build it first (npm run build).
import { client } from '@xmpp/client'
import { DiscoClient, DiscoServer, RegisteredFeature, StaticNode } from 'react-xmpp-disco/core'
import { startProsody } from '../scripts/prosody-lib.mjs'

const users = [
  { username: 'alice', password: 'secret' },
  { username: 'bob', password: 'secret' },
]

async function connect(server, { username, password }, resource) {
  const xmpp = client({
    service: server.tcpUrl,
    domain: server.host,
    resource,
    // Loopback only: plain SASL saves xmpp.js's slow SCRAM in a demo.
    credentials: (authenticate, mechanisms) =>
      authenticate({ username, password }, mechanisms.includes('PLAIN') ? 'PLAIN' : mechanisms[0]),
  })
  xmpp.reconnect.stop()
  xmpp.on('error', (err) => console.error(`${username}: ${err.message}`))
  await xmpp.start()
  return xmpp
}

const server = await startProsody({ users })
let alice
let bob
try {
  bob = await connect(server, users[1], 'desk')
  alice = await connect(server, users[0], 'phone')

  // bob declares who he is and what he supports.
  const disco = DiscoServer.for(bob)
  disco.registerIdentity('client', 'pc', { names: { '': 'Bob at his desk', fr: 'Bob à son bureau' } })
  disco.unregisterIdentity('client', 'bot')
  disco.registerFeature('urn:xmpp:jingle:1')
  const calls = new RegisteredFeature(disco, 'urn:xmpp:jingle:apps:rtp:audio')
  const albums = new StaticNode()
  albums.registerIdentity('hierarchy', 'branch', { names: { '': 'Photo albums' } })
  albums.items.push({ jid: bob.jid.toString(), node: 'albums/2026', name: '2026' })
  disco.mountNode('albums', albums, { listed: true, name: 'Photo albums' })

  // alice asks, through the server.
  const ask = DiscoClient.for(alice)
  const serverInfo = await ask.queryInfo(server.host)
  console.log(`${server.host} is`, serverInfo.identities.map((i) => `${i.category}/${i.type}`).join(', '))
  console.log(`  with ${serverInfo.features.length} features, e.g.`, serverInfo.features.slice(0, 4).join(', '))

  const bobJid = bob.jid.toString()
  const [info, again] = await Promise.all([ask.queryInfo(bobJid), ask.queryInfo(bobJid)])
  console.log(`${bobJid} is`, info.identities.map((i) => `${i.name} (${i.lang ?? 'no lang'})`).join(', '))
  console.log('  supports', info.features.join(', '))
  console.log('  two concurrent calls shared one request:', info === again)

  const items = await ask.queryItems(bobJid)
  console.log('  lists', items.items.map((i) => `${i.name} [node ${i.node}]`).join(', '))
  const albumInfo = await ask.queryInfo(bobJid, { node: 'albums' })
  console.log('  node "albums" is', albumInfo.identities[0]?.name, '-> node echoed:', albumInfo.node)

  calls.enabled = false
  const fresh = await ask.queryInfo(bobJid, { requireFresh: true })
  console.log('  after bob turns audio calls off:', fresh.features.includes('urn:xmpp:jingle:apps:rtp:audio') ? 'still on' : 'gone')

  await ask.queryInfo(bobJid, { node: 'nope' }).catch((err) => console.log('  node "nope":', err.name, err.condition))
} finally {
  await alice?.stop().catch(() => {})
  await bob?.stop().catch(() => {})
  await server.stop()
}
