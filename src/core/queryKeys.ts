/**
 * The query keys of this library's entries in a TanStack QueryCache, and
 * their hash.
 *
 * Keys start with `['xmpp-disco', account]`: a peer may answer one account
 * differently from another (XEP-0030 section 3.1, a node visible to some
 * requesters only), so the asking account is part of what is cached.
 */
import { hashKey } from '@tanstack/query-core'
import type { RsmRequest } from './rsm.js'

/** The first element of every query key of this library. */
export const QUERY_KEY_ROOT = 'xmpp-disco'

export type DiscoKind = 'info' | 'items'
/** `['xmpp-disco', account, kind, jid, node]`; account is our bare JID, node null for none. */
export type DiscoQueryKey<K extends DiscoKind = DiscoKind> = readonly [
  typeof QUERY_KEY_ROOT,
  string,
  K,
  string,
  string | null,
]

/** A page request as its query key holds it: checked, `max` always there. */
export type PageRequest = RsmRequest & { max: number }
/** `['xmpp-disco', account, 'items-page', jid, node, page]`: one page of disco#items (queryItemsPage). */
export type DiscoPageKey = readonly [typeof QUERY_KEY_ROOT, string, 'items-page', string, string | null, PageRequest]
/** `['xmpp-disco', account, 'items-pages', jid, node, { pageSize }]`: the pages a hook walks (useInfiniteQuery). */
export type DiscoPagesKey = readonly [typeof QUERY_KEY_ROOT, string, 'items-pages', string, string | null, { pageSize: number }]
/** What a request is for: one target, or one page of its items. */
export type FlightKey = DiscoQueryKey | DiscoPageKey

/**
 * TanStack's hashKey of `key`. A target's key holds only strings and null,
 * for which hashKey is JSON.stringify without its replacer (which only sorts
 * the keys of plain objects): cheaper, and every query hashes its key.
 */
export function hashOf(key: FlightKey): string {
  return key.length === 5 ? JSON.stringify(key) : hashKey(key)
}
