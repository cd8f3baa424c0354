/**
 * Flight: one request on the wire and the callers sharing it.
 *
 * aioxmpp.disco.DiscoClient aliases concurrent queries for one target: one
 * request, one answer for everybody. Each caller keeps its own timeout and
 * abort signal; the request itself is abandoned (its reply ignored) only when
 * the last caller has gone, at the end of the task, so a caller that leaves
 * and comes straight back (React StrictMode's unmount and remount, a refetch)
 * rejoins instead of sending again.
 */
import { TimeoutError } from './errors.js'

/** How one caller waits: `timeout` in milliseconds (Infinity: no timer), `signal` to leave early. */
export interface Caller {
  timeout: number
  signal?: AbortSignal | undefined
}

/** What a flight runs: the request, told by `signal` when nobody waits any more. */
export type Start<T> = (signal: AbortSignal) => Promise<T>

export class Flight<T> {
  readonly promise: Promise<T>
  readonly #controller = new AbortController()
  readonly #onAbandon: (() => void) | undefined
  #reject: (reason: unknown) => void = () => {}
  #callers = 0
  #settled = false

  /** Starts the request; `onAbandon` runs when the last caller has left before the answer came. */
  constructor(start: Start<T>, onAbandon?: () => void) {
    this.#onAbandon = onAbandon
    this.promise = new Promise<T>((resolve, reject) => {
      this.#reject = reject
      try {
        start(this.#controller.signal).then(resolve, reject)
      } catch (error) {
        reject(error)
      }
    })
    const settle = (): void => {
      this.#settled = true
    }
    this.promise.then(settle, settle)
  }

  /** Whether the answer (or the failure) is in. */
  get settled(): boolean {
    return this.#settled
  }

  /** Waits for the answer as one more caller. */
  join(caller: Caller): Promise<T> {
    this.#callers++
    return waitFor(this.promise, caller, () => {
      this.#callers--
      if (this.#callers > 0) return
      queueMicrotask(() => {
        if (this.#callers > 0 || this.#settled) return
        this.#onAbandon?.()
        this.abort(new DOMException('Every caller left', 'AbortError'))
      })
    })
  }

  /** Stops waiting for the answer: the request is told to stop and every caller gets `reason`. */
  abort(reason: unknown): void {
    if (this.#settled) return
    this.#reject(reason)
    this.#controller.abort(reason)
  }
}

/** The reason of an aborted signal, as fetch() would give it. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError')
}

/** setTimeout holds at most 2^31-1 ms; a longer delay fires at once (and Infinity means never). */
const MAX_DELAY = 2 ** 31 - 1

/** Calls `fn` after `ms` milliseconds, however long; returns the cancel. */
export function after(ms: number, fn: () => void): () => void {
  if (ms === Infinity) return () => {}
  let timer: ReturnType<typeof setTimeout>
  const schedule = (left: number): void => {
    timer = setTimeout(() => (left > MAX_DELAY ? schedule(left - MAX_DELAY) : fn()), Math.min(left, MAX_DELAY))
  }
  schedule(ms)
  return () => clearTimeout(timer)
}

/**
 * `promise`, for one caller: rejected with TimeoutError after its timeout or
 * with the signal's reason on abort (then `onLeave` runs). The timer and the
 * abort listener go on every path.
 */
export function waitFor<T>(promise: Promise<T>, caller: Caller, onLeave?: () => void): Promise<T> {
  const { signal, timeout } = caller
  return new Promise<T>((resolve, reject) => {
    let done = false
    const finish = (): boolean => {
      if (done) return false
      done = true
      cancelTimer()
      signal?.removeEventListener('abort', onAbort)
      return true
    }
    const leave = (error: unknown): void => {
      if (!finish()) return
      onLeave?.()
      reject(error)
    }
    const onAbort = (): void => leave(signal ? abortReason(signal) : undefined)
    const cancelTimer = after(timeout, () => leave(new TimeoutError(timeout)))
    signal?.addEventListener('abort', onAbort, { once: true })
    if (signal?.aborted) onAbort()
    promise.then(
      (value) => finish() && resolve(value),
      (error: unknown) => finish() && reject(error),
    )
  })
}
