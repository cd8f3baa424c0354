/**
 * CacheBound: keeps the number of one kind of query in a TanStack QueryCache
 * under a limit, evicting the least recently used entries that nothing
 * observes and nothing is fetching. TanStack's own gcTime is time-based; the
 * disco caches need a size bound because peers choose what we cache
 * (aioxmpp: "a measure to prevent malicious peers from exhausting memory").
 *
 * An entry in use is never evicted, not even a new one: a hook builds its
 * entry while rendering and attaches to it in an effect, so an entry that
 * has never held an answer is left alone until it is at least SWEEP_DELAY
 * old; then, if still unobserved and empty, it belonged to a render that
 * never committed and goes.
 */
import type { Query, QueryCache, QueryKey } from '@tanstack/query-core'

const SWEEP_DELAY = 5000

/** Holds no answer and no error: never fetched, never set (an entry made with its initialData holds one). */
function isPristine(query: Query): boolean {
  return query.state.data === undefined && query.state.errorUpdateCount === 0
}

function inUse(query: Query): boolean {
  return query.getObserversCount() > 0 || query.state.fetchStatus !== 'idle'
}

export class CacheBound {
  readonly #cache: QueryCache
  readonly #matches: (key: QueryKey) => boolean
  readonly #limit: () => number
  /** Map order is recency order: the first entry is the least recently used. */
  readonly #lru = new Map<string, Query>()
  readonly #unsubscribe: () => void
  /** Empty entries seen since the last sweep, with when they were added. */
  #pristine = new Map<Query, number>()
  #sweepTimer: ReturnType<typeof setTimeout> | undefined

  constructor(cache: QueryCache, matches: (key: QueryKey) => boolean, limit: () => number) {
    this.#cache = cache
    this.#matches = matches
    this.#limit = limit
    for (const query of cache.getAll()) {
      if (!matches(query.queryKey)) continue
      this.#lru.set(query.queryHash, query)
      if (isPristine(query)) this.#notePristine(query)
    }
    this.#unsubscribe = cache.subscribe((event) => {
      const query = event.query as Query
      if (!this.#matches(query.queryKey)) return
      switch (event.type) {
        case 'removed':
          if (this.#lru.get(query.queryHash) === query) this.#lru.delete(query.queryHash)
          this.#pristine.delete(query)
          return
        case 'added':
          // Not enforced here: its observer may be about to attach. An entry
          // built to be fetched at once is in use by the end of the task.
          this.touch(query)
          queueMicrotask(() => {
            if (isPristine(query) && !inUse(query) && this.#lru.get(query.queryHash) === query) this.#notePristine(query)
          })
          return
        case 'observerAdded':
          this.touch(query)
          this.enforce()
          return
        case 'observerRemoved':
          if (isPristine(query) && !inUse(query)) this.#notePristine(query)
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

  /** Evicts until the bound holds or only entries in use (or still empty) remain. */
  enforce(): void {
    let excess = this.#lru.size - this.#limit()
    if (excess <= 0) return
    // Deleting the entry being visited is safe while iterating a Map.
    for (const query of this.#lru.values()) {
      if (excess <= 0) break
      if (inUse(query) || isPristine(query)) continue
      this.#lru.delete(query.queryHash)
      this.#cache.remove(query)
      excess--
    }
  }

  dispose(): void {
    this.#unsubscribe()
    clearTimeout(this.#sweepTimer)
    this.#sweepTimer = undefined
    this.#pristine.clear()
  }

  #notePristine(query: Query): void {
    this.#pristine.set(query, Date.now())
    this.#scheduleSweep()
  }

  #scheduleSweep(): void {
    if (this.#sweepTimer !== undefined) return
    this.#sweepTimer = setTimeout(this.#sweep, SWEEP_DELAY)
    // A pending sweep must not keep a Node process alive.
    ;(this.#sweepTimer as { unref?: () => void }).unref?.()
  }

  readonly #sweep = (): void => {
    this.#sweepTimer = undefined
    const now = Date.now()
    for (const [query, addedAt] of this.#pristine) {
      if (!isPristine(query) || inUse(query)) {
        this.#pristine.delete(query)
      } else if (now - addedAt >= SWEEP_DELAY) {
        this.#pristine.delete(query)
        if (this.#cache.get(query.queryHash) === query) this.#cache.remove(query)
      }
    }
    if (this.#pristine.size > 0) this.#scheduleSweep()
  }
}
