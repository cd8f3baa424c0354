/**
 * RequestQueue: at most `limit` tasks under way at once, the others waiting
 * their turn in order. What keeps a browser of a 10,000-room service, or a
 * search for one service among a server's items, from sending a burst of
 * disco#info requests (DiscoBrowser, useFindServices and
 * DiscoClient.findServices each use one; apps may too).
 *
 * A task leaves the queue when its signal aborts: one waiting for its turn
 * never runs, one under way gives its place up at once (the task is told by
 * the same signal; a request it forgets may never settle). Nothing is
 * installed anywhere but on those signals, and each listener goes with its
 * task.
 */
import { InvalidInputError } from './errors.js'
import { abortReason } from './Flight.js'

/** How many disco#info requests a browser or a service search keeps in flight at most. */
export const DEFAULT_CONCURRENCY = 6

interface Waiting {
  start(): void
}

export class RequestQueue {
  readonly limit: number
  #running = 0
  readonly #waiting = new Set<Waiting>()

  constructor(limit: number = DEFAULT_CONCURRENCY) {
    if (!Number.isInteger(limit) || limit < 1) throw new InvalidInputError(`limit must be a positive integer, got ${String(limit)}`)
    this.limit = limit
  }

  /** Tasks under way. */
  get running(): number {
    return this.#running
  }

  /** Tasks waiting for their turn. */
  get waiting(): number {
    return this.#waiting.size
  }

  /**
   * Runs `task` once fewer than `limit` tasks are under way, and settles as
   * it does. An abort of `signal` rejects with the signal's reason: before
   * its turn the task never runs; under way, its place goes to the next.
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortReason(signal))
    return new Promise<T>((resolve, reject) => {
      let state: 'waiting' | 'running' | 'done' = 'waiting'
      const finish = (): void => {
        signal?.removeEventListener('abort', onAbort)
        const wasRunning = state === 'running'
        state = 'done'
        this.#waiting.delete(waiting)
        if (wasRunning) {
          this.#running--
          this.#next()
        }
      }
      const onAbort = (): void => {
        if (state === 'done') return
        finish()
        reject(abortReason(signal as AbortSignal))
      }
      const waiting: Waiting = {
        start: () => {
          state = 'running'
          this.#running++
          let promise: Promise<T>
          try {
            promise = task()
          } catch (error) {
            promise = Promise.reject(error)
          }
          promise.then(
            (value) => {
              if (state === 'done') return
              finish()
              resolve(value)
            },
            (error: unknown) => {
              if (state === 'done') return
              finish()
              reject(error)
            },
          )
        },
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      if (this.#running < this.limit) waiting.start()
      else this.#waiting.add(waiting)
    })
  }

  #next(): void {
    for (const waiting of this.#waiting) {
      if (this.#running >= this.limit) return
      this.#waiting.delete(waiting)
      waiting.start()
    }
  }
}
