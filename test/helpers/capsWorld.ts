// What the entity capabilities unit tests share: alice on an in-memory
// network with her DiscoServer and DiscoClient, clean-up checks after each
// test, and waiting helpers.
import { QueryClient } from '@tanstack/query-core'
import { afterEach, expect, vi } from 'vitest'
import { DiscoClient, DiscoServer, NS_DISCO_INFO, ReplyMatcher } from '../../src/core/index.js'
import type { XmlElement, XmppClient } from '../../src/core/index.js'
import { FakeNetwork } from './fakeNetwork.js'
import type { FakeEntity } from './fakeNetwork.js'

export const ALICE = 'alice@example.org/a'
export const NODE = 'https://app.example'

export const asXmpp = (entity: FakeEntity): XmppClient => entity as unknown as XmppClient
export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await tick()
}
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export function must<T>(value: T | undefined | null): T {
  if (value === undefined || value === null) throw new Error('expected a value')
  return value
}

/** The presences an entity sent. */
export const presences = (entity: FakeEntity): XmlElement[] => entity.sent.filter((s) => s.is('presence'))

let current: { net: FakeNetwork; alice: FakeEntity; dispose: () => void } | undefined

afterEach(() => {
  // A test that failed on the fake clock must not leave it to the next ones.
  vi.useRealTimers()
  const ctx = current
  current = undefined
  if (!ctx) return
  // Nothing may be left waiting in the matcher, and nothing may crash a client.
  expect(ReplyMatcher.for(asXmpp(ctx.alice)).pendingCount).toBe(0)
  expect(ctx.net.errors).toEqual([])
  ctx.dispose()
  ctx.net.close()
})

/** Alice, her DiscoServer and DiscoClient; `dispose` runs after the test, before the network closes. */
export function aliceWorld() {
  const net = new FakeNetwork()
  const alice = net.entity(ALICE)
  const server = DiscoServer.for(asXmpp(alice))
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  const dc = DiscoClient.for(asXmpp(alice), { queryClient })
  const infoQueries = (): XmlElement[] => alice.sentQueries(NS_DISCO_INFO)
  const world = { net, alice, server, queryClient, dc, infoQueries }
  current = { net, alice, dispose: () => {} }
  return {
    ...world,
    /** What the test turned on, disposed after it. */
    disposeAfter(dispose: () => void): void {
      if (current) current.dispose = dispose
    },
  }
}
