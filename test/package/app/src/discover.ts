// A core-only app (Node, no React): logs in, declares a feature, turns entity
// capabilities on, and asks the server and itself (through the server) what
// they support. Prints JSON.
import { client } from '@xmpp/client'
import { EntityCaps } from 'react-xmpp-disco/caps'
import { DiscoClient, DiscoServer } from 'react-xmpp-disco/core'
import type { DiscoInfo } from 'react-xmpp-disco/core'

function env(name: string): string {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is not set`)
  return value
}

const domain = env('XMPP_DOMAIN')
const xmpp = client({ service: env('XMPP_SERVICE'), domain, username: env('XMPP_USERNAME'), password: env('XMPP_PASSWORD') })
xmpp.reconnect.stop()
xmpp.on('error', (error: Error) => console.error(error.message))

await xmpp.start()
try {
  DiscoServer.for(xmpp).registerFeature('urn:example:package-test')
  const disco = DiscoClient.for(xmpp)
  EntityCaps.for(xmpp, { node: 'https://package-test.example', discoClient: disco })
  const summary = (info: DiscoInfo) => ({ identities: info.identities.map((i) => `${i.category}/${i.type}`), features: info.features })
  const server = await disco.queryInfo(domain)
  const self = await disco.queryInfo(String(xmpp.jid))
  console.log(JSON.stringify({ server: summary(server), self: summary(self) }))
} finally {
  await xmpp.stop()
}
