// A React app's view of the library: a provider, a declared feature, hooks.
import { client } from '@xmpp/client'
import { DiscoProvider, Feature, Identity, useDiscoInfo, useHasFeature } from 'react-xmpp-disco'
import type { DiscoInfo } from 'react-xmpp-disco'

const xmpp = client({ service: 'wss://example.org/xmpp-websocket', domain: 'example.org', username: 'romeo', password: 'secret' })

export function Root() {
  return (
    <DiscoProvider client={xmpp} caps={{ node: 'https://app.example' }}>
      <Identity category="client" type="web" name="Chat" />
      <Feature var="urn:xmpp:jingle:1" />
      <DiscoStatus jid="example.org" />
    </DiscoProvider>
  )
}

export function DiscoStatus({ jid }: { jid: string }) {
  const { data, isPending, error } = useDiscoInfo(jid)
  const { supported } = useHasFeature('juliet@example.org/balcony', 'urn:xmpp:jingle:1')
  const info: DiscoInfo | undefined = data
  if (isPending) return <p>Asking {jid}…</p>
  if (error) return <p>{error.message}</p>
  return (
    <ul>
      {info?.features.map((feature) => <li key={feature}>{feature}</li>)}
      <li>Juliet can call: {supported === undefined ? 'unknown' : String(supported)}</li>
    </ul>
  )
}
