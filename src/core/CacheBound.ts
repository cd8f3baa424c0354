/**
 * CacheBound: keeps the number of one kind of query in a TanStack QueryCache
 * under a limit, evicting the least recently used entries that nothing
 * observes and nothing is fetching. TanStack's own gcTime is time-based; the
 * disco caches need a size bound because peers choose what we cache
 * (aioxmpp: "a measure to prevent malicious peers from exhausting memory").
 */
import type { Query, QueryCache, QueryKey } from '@tanstack/query-core'

export class CacheBound {
  readonly #cache: QueryCache
  readonly #matches: (key: QueryKey) => boolean
  readonly #limit: () => number
  /** Map order is recency order: the first entry is the least recently used. */
  readonly #lru = new Map<string, Query>()
  readonly #unsubscribe: () => void

  constructor(cache: QueryCache, matches: (key: QueryKey) => boolean, limit: () => number) {
    this.#cache = cache
    this.#matches = matches
    this.#limit = limit
    for (const query of cache.getAll()) if (matches(query.queryKey)) this.#lru.set(query.queryHash, query)
    this.#unsubscribe = cache.subscribe((event) => {
      const query = event.query as Query
      if (!this.#matches(query.queryKey)) return
      switch (event.type) {
        case 'removed':
          if (this.#lru.get(query.queryHash) === query) this.#lru.delete(query.queryHash)
          return
        case 'added':
        case 'observerAdded':
          this.touch(query)
          this.enforce()
          return
        case 'observerRemoved':
          this.enforce()
          return
        case 'updated':
          if (event.action.type === 'success') this.enforce()
          return
        default:
          return
      }
    })
  }

  get size(): number {
    return this.#lru.size
  }

  /** Marks `query` as just used. */
  touch(query: Query): void {
    this.#lru.delete(query.queryHash)
    this.#lru.set(query.queryHash, query)
  }

  /** Evicts until the bound holds or only entries in use remain. */
  enforce(): void {
    let excess = this.#lru.size - this.#limit()
    if (excess <= 0) return
    // Deleting the entry being visited is safe while iterating a Map.
    for (const query of this.#lru.values()) {
      if (excess <= 0) break
      if (query.getObserversCount() > 0 || query.state.fetchStatus !== 'idle') continue
      this.#lru.delete(query.queryHash)
      this.#cache.remove(query)
      excess--
    }
  }

  dispose(): void {
    this.#unsubscribe()
  }
}
