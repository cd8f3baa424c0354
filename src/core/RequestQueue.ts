/**
 * RequestQueue: at most `limit` tasks under way at once, the others waiting
 * their turn in order. What keeps a browser of a 10,000-room service, or a
 * search for one service among a server's items, from sending a burst of
 * disco#info requests (DiscoBrowser, useFindServices and
 * DiscoClient.findServices each use one; apps may too).
 *
 * A task waiting for its turn leaves the queue when its signal aborts; one
 * under way is the task's to stop. Nothing is installed anywhere but on the
 * signals of waiting tasks, and each listener goes when its task starts or
 * leaves.
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
   * it does. An abort of `signal` before its turn rejects with the signal's
   * reason and the task never runs.
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortReason(signal))
    if (this.#running < this.limit) return this.#start(task)
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiting.delete(waiting)
        reject(abortReason(signal as AbortSignal))
      }
      const waiting: Waiting = {
        start: () => {
          signal?.removeEventListener('abort', onAbort)
          this.#start(task).then(resolve, reject)
        },
      }
      this.#waiting.add(waiting)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  #start<T>(task: () => Promise<T>): Promise<T> {
    this.#running++
    let promise: Promise<T>
    try {
      promise = task()
    } catch (error) {
      promise = Promise.reject(error)
    }
    const done = (): void => {
      this.#running--
      this.#next()
    }
    promise.then(done, done)
    return promise
  }

  #next(): void {
    for (const waiting of this.#waiting) {
      if (this.#running >= this.limit) return
      this.#waiting.delete(waiting)
      waiting.start()
    }
  }
}
