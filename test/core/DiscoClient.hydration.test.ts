// Results that reach the cache by TanStack's hydrate() (a server render's
// dehydrated state, a restored cache) are the DiscoClient's own when they
// carry its account: served without an IQ, bounded, flushed and forgotten
// like the ones it fetched. DESIGN.md "Persistence, Suspense, SSR, types".
import { QueryClient, dehydrate, hydrate } from '@tanstack/query-core'
import type { DehydratedState } from '@tanstack/query-core'
import xml from '@xmpp/xml'
import { afterEach, describe, expect, it } from 'vitest'
import { DiscoClient, NS_DISCO_INFO, NS_DISCO_ITEMS } from '../../src/core/index.js'
import type { XmppClient } from '../../src/core/index.js'
import { answerDisco } from '../../src/testing/index.js'
import { FakeNetwork } from '../helpers/fakeNetwork.js'
import type { FakeEntity } from '../helpers/fakeNetwork.js'

const ALICE = 'alice@example.org/a'
const asXmpp = (entity: FakeEntity): XmppClient => entity as unknown as XmppClient
const newQueryClient = (): QueryClient => new QueryClient({ defaultOptions: { queries: { retry: false } } })
const targets = ['s0.example.org', 's1.example.org', 's2.example.org', 'bob@example.org/b']

let networks: FakeNetwork[] = []
afterEach(() => {
  for (const net of networks) {
    expect(net.errors).toEqual([])
    net.close()
  }
  networks = []
})

function network(): { net: FakeNetwork; alice: FakeEntity } {
  const net = new FakeNetwork()
  networks.push(net)
  for (const jid of targets) {
    answerDisco(net.entity(jid), {
      info: { identities: [{ category: 'component', type: 'generic' }], features: [NS_DISCO_INFO, `urn:example:${jid}`], forms: [] },
      items: [{ jid: `item.${jid.split('/')[0] ?? ''}` }],
    })
  }
  return { net, alice: net.entity(ALICE) }
}

/** What a server render sends along: the results alice's account got, dehydrated and through JSON. */
async function serverState(account = ALICE): Promise<DehydratedState> {
  const { net, alice } = network()
  const asker = account === ALICE ? alice : net.entity(account)
  const queryClient = newQueryClient()
  const dc = DiscoClient.for(asXmpp(asker), { queryClient })
  for (const jid of targets) await dc.queryInfo(jid)
  await dc.queryItems(targets[0] as string)
  const state = JSON.parse(JSON.stringify(dehydrate(queryClient))) as DehydratedState
  dc.dispose()
  return state
}

describe('hydrated results', () => {
  it('are served without an IQ, hydrated before or after the DiscoClient attached, or before the client had a JID', async () => {
    const state = await serverState()
    for (const order of ['hydrate first', 'attach first', 'before binding'] as const) {
      const { alice } = network()
      const jid = alice.jid
      const queryClient = newQueryClient()
      if (order === 'hydrate first') hydrate(queryClient, state)
      // A client given no username has no JID until it is bound.
      if (order === 'before binding') (alice as { jid: unknown }).jid = null
      const dc = DiscoClient.for(asXmpp(alice), { queryClient })
      if (order !== 'hydrate first') hydrate(queryClient, state)
      alice.jid = jid
      await dc.queryInfo(targets[0] as string)
      expect(dc.cacheSize).toEqual({ info: 4, items: 1 })
      for (const jid of targets) expect((await dc.queryInfo(jid)).features).toContain(`urn:example:${jid}`)
      expect((await dc.queryItems(targets[0] as string)).items).toHaveLength(1)
      expect(alice.sentQueries()).toHaveLength(0)
      dc.dispose()
    }
  })

  it('are flushed, bounded and forgotten on an unavailable presence like fetched ones', async () => {
    const state = await serverState()
    const { alice } = network()
    const queryClient = newQueryClient()
    const dc = DiscoClient.for(asXmpp(alice), { queryClient })
    hydrate(queryClient, state)

    // An unavailable full JID no longer answers for itself.
    alice.receive(xml('presence', { from: 'bob@example.org/b', to: ALICE, type: 'unavailable' }))
    // The network delivers on a later macrotask (setImmediate): let it, and what the presence sets off.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
    await dc.queryInfo('bob@example.org/b')
    expect(alice.sentQueries(NS_DISCO_INFO).map((q) => q.attrs.to)).toEqual(['bob@example.org/b'])

    dc.infoCacheSize = 2
    expect(dc.cacheSize.info).toBe(2)
    dc.flushCache()
    expect(dc.cacheSize).toEqual({ info: 0, items: 0 })
    await dc.queryItems(targets[0] as string)
    expect(alice.sentQueries(NS_DISCO_ITEMS)).toHaveLength(1)
  })

  it("are not served to another account: another account's state is not ours", async () => {
    const state = await serverState('carol@example.org/c')
    const { alice } = network()
    const queryClient = newQueryClient()
    const dc = DiscoClient.for(asXmpp(alice), { queryClient })
    hydrate(queryClient, state)
    expect(dc.cacheSize).toEqual({ info: 0, items: 0 })
    await dc.queryInfo(targets[0] as string)
    expect(alice.sentQueries(NS_DISCO_INFO)).toHaveLength(1)
  })
})
