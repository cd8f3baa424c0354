// @vitest-environment jsdom
// Two React trees on two real connections through a real server (Prosody, or
// ejabberd with XMPP_TEST_SERVER=ejabberd): tree A declares a
// feature under a toggle; tree B sees it come and go through useHasFeature.
import { QueryClient } from '@tanstack/react-query'
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { StrictMode, useState } from 'react'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { XmppClient } from '../../src/core/index.js'
import { DiscoProvider, Feature, Identity, useHasFeature } from '../../src/react/index.js'
import { serverName, startServer } from '../helpers/server.js'
import type { TestServer } from '../helpers/server.js'
import { connectClient, stopClient } from '../helpers/xmppClient.js'
import type { Client } from '../helpers/xmppClient.js'

const FEATURE = 'urn:example:x'

function TreeA() {
  const [on, setOn] = useState(true)
  return (
    <>
      <Identity category="client" type="web" name="Tree A" />
      {on && <Feature var={FEATURE} />}
      <button onClick={() => setOn((v) => !v)}>toggle A</button>
    </>
  )
}

function TreeB({ peer }: { peer: string }) {
  const { supported, refetch, isFetching } = useHasFeature(peer, FEATURE)
  return (
    <>
      <output aria-label="supported">{isFetching ? 'fetching' : String(supported)}</output>
      <button onClick={() => void refetch()}>refetch B</button>
    </>
  )
}

describe(`two React trees through ${serverName}`, () => {
  let server: TestServer
  let a: Client
  let b: Client

  beforeAll(async () => {
    const users = ['anna', 'bert'].map((username) => ({ username, password: `${username}-pw` }))
    server = await startServer({ users })
    const connect = (username: string) => connectClient(server, { username, password: `${username}-pw`, resource: 'react' })
    ;[a, b] = await Promise.all([connect('anna'), connect('bert')])
  })

  afterAll(async () => {
    cleanup()
    await Promise.all([a, b].map((c) => stopClient(c)))
    await server?.stop()
  })

  it("reads tree A's feature from tree B, and its absence after A unmounts it", async () => {
    render(
      <StrictMode>
        <DiscoProvider client={a as unknown as XmppClient} queryClient={new QueryClient()}>
          <TreeA />
        </DiscoProvider>
        <DiscoProvider
          client={b as unknown as XmppClient}
          queryClient={new QueryClient({ defaultOptions: { queries: { retry: false } } })}
        >
          <TreeB peer={String(a.jid)} />
        </DiscoProvider>
      </StrictMode>,
    )
    const output = () => screen.getByLabelText('supported').textContent
    await waitFor(() => expect(output()).toBe('true'))

    await act(async () => {
      fireEvent.click(screen.getByText('toggle A'))
    })
    fireEvent.click(screen.getByText('refetch B'))
    await waitFor(() => expect(output()).toBe('false'))

    await act(async () => {
      fireEvent.click(screen.getByText('toggle A'))
    })
    fireEvent.click(screen.getByText('refetch B'))
    await waitFor(() => expect(output()).toBe('true'))
  })
})
