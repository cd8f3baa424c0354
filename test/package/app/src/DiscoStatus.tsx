// A React app's view of the library: a provider, a declared feature, hooks.
import { client } from '@xmpp/client'
import { QueryClient } from '@tanstack/react-query'
import { Suspense } from 'react'
import {
  DiscoProvider,
  Feature,
  Identity,
  discoInfoQueryOptions,
  useDiscoInfo,
  useHasFeature,
  useSuspenseDiscoInfo,
} from 'react-xmpp-disco'
import type { DiscoInfo } from 'react-xmpp-disco'
// Entity capabilities are opt-in, from their own entry: only an app that imports them ships them.
import { entityCaps, indexedDBCapsStorage } from 'react-xmpp-disco/caps'
import type { CapsPlugin } from 'react-xmpp-disco/caps'
// The devtools, from their own entry too.
import { DiscoDevtools } from 'react-xmpp-disco/devtools'

const xmpp = client({ service: 'wss://example.org/xmpp-websocket', domain: 'example.org', username: 'romeo', password: 'secret' })

const queryClient = new QueryClient()
const capsStorage = indexedDBCapsStorage()
const caps: CapsPlugin = entityCaps({ node: 'https://app.example', storage: capsStorage })

export function Root() {
  return (
    <DiscoProvider client={xmpp} queryClient={queryClient} caps={caps}>
      <Identity category="client" type="web" name="Chat" />
      <Feature var="urn:xmpp:jingle:1" />
      <DiscoStatus jid="example.org" />
      <Suspense fallback={<p>Asking…</p>}>
        <ServerName />
      </Suspense>
      <DiscoDevtools initialIsOpen={false} position="fixed" initialTab="traffic" />
    </DiscoProvider>
  )
}

/** Prefetching with the hooks' own options: getQueryData is typed by the key. */
export async function prefetchServer(): Promise<DiscoInfo | undefined> {
  const options = discoInfoQueryOptions(xmpp, 'example.org', { queryClient })
  await queryClient.prefetchQuery(options)
  return queryClient.getQueryData(options.queryKey)
}

export function ServerName() {
  const { data } = useSuspenseDiscoInfo('example.org')
  const name: string | undefined = data.identities[0]?.name
  return <p>{name ?? 'unnamed'}</p>
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
