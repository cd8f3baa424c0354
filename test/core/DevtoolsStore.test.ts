// The devtools' store (src/devtools/DevtoolsStore.ts): what it attaches and
// leaves behind, without React.
import { QueryClient } from '@tanstack/query-core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DiscoClient, DiscoServer } from '../../src/core/index.js'
import { DevtoolsStore } from '../../src/devtools/DevtoolsStore.js'
import { FakeNetwork } from '../helpers/fakeNetwork.js'
import { asXmpp } from '../helpers/capsWorld.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('DevtoolsStore', () => {
  it('leaves no timer behind when its last subscriber goes right after our info changed', () => {
    vi.useFakeTimers()
    const net = new FakeNetwork()
    const alice = asXmpp(net.entity('alice@example.org/a'))
    const server = DiscoServer.for(alice)
    const store = new DevtoolsStore(alice, server, DiscoClient.for(alice, { queryClient: new QueryClient() }))
    const unsubscribe = store.subscribe(() => {})
    server.registerFeature('urn:example:x')
    unsubscribe()
    expect(store.attached).toBe(false)
    expect(vi.getTimerCount()).toBe(0)
    net.close()
  })
})
