/**
 * PageWalk: follows a paged disco#items result (XEP-0059) page by page and
 * says when to stop, the same way for DiscoClient.queryItems (a responder
 * that pages on its own) and for useDiscoItemsPages / DiscoBrowser (pages we
 * ask for).
 *
 * XEP-0059 section 2.2 (go on with after = the previous page's last; no
 *   first or last in an empty page; count and first's index are optional and
 *   may be approximate).
 * What real responders do (measured, README "Large directories"): ejabberd
 *   23.01's MUC gives <first> without index and answers an unknown after
 *   with an empty page; some responders return the same page for every
 *   after. So: the walk stops at a page without <set/> (the responder did not
 *   page), an empty page, a page that brings nothing new or repeats a last
 *   (a loop), and when what has arrived reaches the count (with first's
 *   index when given, else by counting). Without a count it goes on until
 *   one of the others. Counting is trusted only while the count stays the
 *   same: a new count means the list changed during the walk, maybe an item
 *   already counted went away (a room destroyed behind the cursor, perhaps
 *   while another was created ahead), so the walk then goes on until one of
 *   the others (measured: ejabberd's MUC, rooms destroyed behind the cursor
 *   made a count-based walk miss as many rooms at the end).
 */
import { firstSeen } from './model.js'
import type { DiscoItem, DiscoItemsList, DiscoItemsPage } from './model.js'

export class PageWalk {
  /** The items so far, each once, in the order they came. */
  readonly items: DiscoItem[] = []
  /** The responder's last count, if it gave one. */
  count: number | undefined
  /** The items so far (model.ts firstSeen). */
  readonly #seen = new Map<string, unknown>()
  readonly #lasts = new Set<string>()
  /** The count changed during the walk: counting what arrived no longer says it is over. */
  #changed = false

  /** A walk that goes on from where an incomplete list stopped. */
  static resume(list: DiscoItemsList): PageWalk {
    const walk = new PageWalk()
    walk.#addItems(list.items)
    walk.count = list.count
    if (list.last !== undefined) walk.#lasts.add(list.last)
    return walk
  }

  /** Adds a page; returns the `after` that asks for the next one, or undefined when the walk is over. */
  add(page: DiscoItemsPage): string | undefined {
    const fresh = this.#addItems(page.items)
    const rsm = page.rsm
    if (!rsm) return undefined
    if (rsm.count !== undefined) {
      if (this.count !== undefined && rsm.count !== this.count) this.#changed = true
      this.count = rsm.count
    }
    const last = rsm.last
    if (last === undefined || fresh === 0 || this.#lasts.has(last)) return undefined
    this.#lasts.add(last)
    if (rsm.count === undefined) return last
    // Where the page ends (first's index), else how many arrived; -1 (go on) once the count changed.
    const arrived = rsm.firstIndex === undefined ? (this.#changed ? -1 : this.items.length) : rsm.firstIndex + page.items.length
    return arrived < rsm.count ? last : undefined
  }

  /** The walk as queryItems gives it: incomplete (with where to go on) when `next` is defined. */
  result(node: string | null, next: string | undefined): DiscoItemsList {
    const list: DiscoItemsList = node === null ? { items: this.items } : { node, items: this.items }
    if (next === undefined) return list
    list.complete = false
    if (this.count !== undefined) list.count = this.count
    list.last = next
    return list
  }

  #addItems(items: readonly DiscoItem[]): number {
    let fresh = 0
    for (const item of items) {
      if (!firstSeen(this.#seen, item.jid, item.node)) continue
      this.items.push(item)
      fresh++
    }
    return fresh
  }
}

/** What a run of pages adds up to. */
export interface WalkedPages {
  /** Every item of the pages, once each, in order. */
  items: DiscoItem[]
  /** The `after` of the next page, or undefined when there is none. */
  next: string | undefined
  /** How many items there are: the responder's latest count, else (the walk over) how many arrived. */
  count: number | undefined
}

const walked = new WeakMap<readonly DiscoItemsPage[], WalkedPages>()

/**
 * The pages of disco#items fetched in order from the first, added up:
 * TanStack's getNextPageParam (`next`) and what useDiscoItemsPages shows.
 * Remembered per pages array, which TanStack keeps while the data does not
 * change.
 */
export function walkPages(pages: readonly DiscoItemsPage[]): WalkedPages {
  let result = walked.get(pages)
  if (result) return result
  const walk = new PageWalk()
  let next: string | undefined
  for (const page of pages) next = walk.add(page)
  result = { items: walk.items, next, count: walk.count ?? (next === undefined ? walk.items.length : undefined) }
  walked.set(pages, result)
  return result
}
