// OwnEntries: which entries of a shared QueryCache are one DiscoClient's
// (DESIGN.md: "Another account never sees this account's entries"), indexed
// by target JID for presences, and bounded per kind.
import { describe, expect, it } from 'vitest'
import { QueryClient } from '@tanstack/query-core'
import jid from '@xmpp/jid'
import { OwnEntries } from '../../src/core/OwnEntries.js'
import type { XmppClient } from '../../src/core/XmppClient.js'

function setup(account: string | undefined) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  // The transport's only part OwnEntries reads: the JID we are bound to.
  const xmpp = { jid: account === undefined ? undefined : jid(account) } as unknown as XmppClient
  const entries = new OwnEntries(xmpp, queryClient.getQueryCache())
  const put = (owner: string, kind: string, target: string, node: string | null = null): void => {
    queryClient.setQueryData(['xmpp-disco', owner, kind, target, node], { identities: [], features: [], forms: [] })
  }
  const targets = (): string[] => entries.all().map((query) => `${query.queryKey[2] as string} ${query.queryKey[3] as string}`).sort()
  return { xmpp, entries, put, targets, queryClient }
}

describe('OwnEntries', () => {
  it("counts only the entries made for the account we are bound to, not another account's in the same cache", () => {
    const { entries, put, targets } = setup('alice@example.org/phone')
    const release = entries.attach()
    put('alice@example.org', 'info', 'example.org')
    put('bob@example.org', 'info', 'example.org')
    put('alice@example.org', 'items', 'conference.example.org')
    expect(targets()).toEqual(['info example.org', 'items conference.example.org'])
    expect(entries.size).toEqual({ info: 1, items: 1 })
    release()
  })

  it('makes entries of our account hydrated before it was known ours once the client has a JID: bounded and indexed', () => {
    const { xmpp, entries, put, targets } = setup(undefined)
    const release = entries.attach()
    put('alice@example.org', 'info', 'carol@example.org/desk')
    expect(targets()).toEqual([])
    expect(entries.of('carol@example.org/desk')).toBeUndefined()
    ;(xmpp as { jid: unknown }).jid = jid('alice@example.org/phone')
    expect(entries.account()).toBe('alice@example.org')
    expect(targets()).toEqual(['info carol@example.org/desk'])
    expect(entries.of('carol@example.org/desk')?.size).toBe(1)
    expect(entries.size.info).toBe(1)
    release()
  })

  it('indexes our entries by target JID, and forgets a JID once its last entry is removed', () => {
    const { entries, put, queryClient } = setup('alice@example.org/phone')
    const release = entries.attach()
    put('alice@example.org', 'info', 'carol@example.org/desk')
    put('alice@example.org', 'info', 'carol@example.org/desk', 'urn:x')
    put('bob@example.org', 'info', 'dave@example.org/desk')
    expect(entries.of('carol@example.org/desk')?.size).toBe(2)
    expect(entries.of('dave@example.org/desk')).toBeUndefined()
    queryClient.removeQueries({ queryKey: ['xmpp-disco', 'alice@example.org', 'info', 'carol@example.org/desk', null], exact: true })
    expect(entries.of('carol@example.org/desk')?.size).toBe(1)
    queryClient.removeQueries({ queryKey: ['xmpp-disco', 'alice@example.org', 'info', 'carol@example.org/desk'] })
    expect(entries.of('carol@example.org/desk')).toBeUndefined()
    expect(entries.any).toBe(false)
    release()
  })

  it('bounds pages with items: lists, pages and walked pages share the items limit', () => {
    const { entries, put, queryClient } = setup('alice@example.org/phone')
    const release = entries.attach()
    entries.setLimit('items', 2)
    put('alice@example.org', 'items', 'a.example.org')
    put('alice@example.org', 'items-page', 'b.example.org')
    put('alice@example.org', 'items-pages', 'c.example.org')
    put('alice@example.org', 'info', 'd.example.org')
    expect(entries.size).toEqual({ info: 1, items: 2 })
    // The least recently used unobserved items entry went.
    expect(queryClient.getQueryCache().find({ queryKey: ['xmpp-disco', 'alice@example.org', 'items', 'a.example.org'] })).toBeUndefined()
    release()
  })

  it('stops indexing and bounding at the release', () => {
    const { entries, put } = setup('alice@example.org/phone')
    const release = entries.attach()
    put('alice@example.org', 'info', 'carol@example.org/desk')
    release()
    put('alice@example.org', 'info', 'dave@example.org/desk')
    expect(entries.of('dave@example.org/desk')).toBeUndefined()
    expect(entries.size).toEqual({ info: 0, items: 0 })
  })
})
