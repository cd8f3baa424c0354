/**
 * EntryFetches: the TanStack fetches that write answers into DiscoClient's
 * entries, and the only ways an answer is kept from being written.
 *
 * An answer reaches an entry through a fetch of that entry which only stores
 * it (`store`): TanStack takes the answer's promise as the fetch's first
 * attempt, so the fetch is no caller of the request and has no timeout or
 * abort of its own. An answer that must not be written any more has its
 * fetch cancelled (`cancel`): a cancelled fetch never writes, and restores
 * the entry as it was. Whoever waits for a write learns when it happened, or
 * that it never will (`store`'s promise).
 */
import type { Query, QueryCache, QueryClient } from '@tanstack/query-core'
import type { Release } from './Node.js'
import type { Session } from './Session.js'

/** What Query.fetch and QueryCache.build take, as the untyped cache stores it. */
type QueryOptionsOf = Parameters<QueryCache['build']>[1]

const noop = (): void => {}

export class EntryFetches {
  readonly #queryClient: QueryClient
  readonly #session: Session
  /** Per entry, what tells the waiters of its storing fetch that it has written (or never will). */
  readonly #writes = new WeakMap<Query, () => void>()

  constructor(queryClient: QueryClient, session: Session) {
    this.#queryClient = queryClient
    this.#session = session
  }

  /** Follows the cache's writes until the release. */
  attach(): Release {
    return this.#queryClient.getQueryCache().subscribe((event) => {
      // Whichever fetch wrote (a hook's refetch may have taken over from ours).
      if (event.type === 'updated' && event.action.type === 'success') this.#written(event.query)
    })
  }

  /** The entry of these options' key, created with them if there is none. */
  entry(options: object): Query {
    return this.#queryClient.getQueryCache().build(this.#queryClient, options as unknown as QueryOptionsOf) as Query
  }

  /**
   * Starts a fetch of `query` that only stores `answer` (a flight's promise,
   * or the entry's future). `options` replace the entry's. Resolves once the
   * answer is written, or will not be (failed, cancelled).
   */
  store(query: Query, options: object | undefined, answer: Promise<unknown>): Promise<void> {
    this.#written(query)
    let written!: () => void
    const done = new Promise<void>((resolve) => {
      written = resolve
    })
    this.#writes.set(query, written)
    const settle = (): void => {
      if (this.#writes.get(query) === written) this.#writes.delete(query)
      written()
    }
    query.fetch(options as QueryOptionsOf | undefined, { initialPromise: answer }).then(settle, () => {
      settle()
      // A failure is not kept: an entry with no answer and no observer goes.
      this.dropIfEmpty(query)
    })
    return done
  }

  /** Cancels the fetch of `query`, if any, restoring the state from before it: a cancelled fetch never writes. */
  cancel(query: Query): void {
    this.#written(query)
    if (query.state.fetchStatus === 'idle') return
    // TanStack makes a CancelledError and its AbortController a DOMException,
    // synchronously; nobody ever sees either (a silent cancel is swallowed,
    // and the fetch's signal has no reader left). Their stack traces were
    // most of what a requireFresh replacing a request in flight cost.
    // (V8's Error.stackTraceLimit; other engines ignore the property.)
    const errors = Error as { stackTraceLimit?: number | undefined }
    const limit = errors.stackTraceLimit
    errors.stackTraceLimit = 0
    try {
      void query.cancel({ revert: true, silent: true })
    } finally {
      errors.stackTraceLimit = limit
    }
  }

  /**
   * Fetches `query` again when an active hook observes it and the session is
   * up; the waiters of a fetch cancelled just before get this one's answer.
   */
  refetch(query: Query): void {
    if (query.getObserversCount() > 0 && query.isActive() && this.#session.online) query.fetch().catch(noop)
  }

  /** Removes `query` when it holds no answer and nothing observes, fetches or is about to store into it. */
  dropIfEmpty(query: Query): void {
    // A fetch that failed after a newer one started may have set the entry idle (TanStack cannot cancel a fetch whose answer is in).
    if (this.#writes.has(query)) return
    if (query.state.data !== undefined || query.getObserversCount() > 0 || query.state.fetchStatus !== 'idle') return
    const cache = this.#queryClient.getQueryCache()
    if (cache.get(query.queryHash) === query) cache.remove(query)
  }

  /**
   * An entry nobody observes whose fetch is under way at a flush (a
   * prefetchQuery, fetchQuery or ensureQueryData of the app, or a queryInfo):
   * removing it would cancel the fetch, and its caller would get TanStack's
   * CancelledError. It is left to finish for its caller, not served
   * meanwhile, and removed once settled, as the flush would have, with one
   * exception: at the end of a session (`sessionEnded`) a request of that
   * session rejects with DisconnectedError (the end rejects them all), while
   * a fetch still waiting for the session (waitForSession) asks in the next
   * one, whose answer is right to keep.
   */
  outlive(query: Query, sessionEnded: boolean): void {
    query.invalidate()
    const drop = (): void => {
      const cache = this.#queryClient.getQueryCache()
      if (query.state.fetchStatus !== 'idle' || cache.get(query.queryHash) !== query) return
      if (sessionEnded) {
        if (query.getObserversCount() === 0 && query.state.status === 'error') cache.remove(query)
      } else if (query.getObserversCount() === 0) {
        cache.remove(query)
      } else {
        // A hook came meanwhile and got the answer from before the flush: it gets a fresh one.
        query.invalidate()
        this.refetch(query)
      }
    }
    query.promise?.then(drop, drop)
  }

  /** The storing fetch of `query` wrote, failed or was cancelled: its waiters go on. */
  #written(query: Query): void {
    const written = this.#writes.get(query)
    if (!written) return
    this.#writes.delete(query)
    written()
  }
}
