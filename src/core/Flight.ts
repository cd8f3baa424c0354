/**
 * Flight: one request on the wire and the callers sharing it.
 *
 * aioxmpp.disco.DiscoClient aliases concurrent queries for one target: one
 * request, one answer for everybody. Each caller keeps its own timeout and
 * abort signal; the request itself is abandoned (its reply ignored) only when
 * the last caller has gone, at the end of the task, so a caller that leaves
 * and comes straight back (React StrictMode's unmount and remount, a refetch)
 * rejoins instead of sending again.
 *
 * Every query goes through here, so the common path allocates little: a
 * caller is one record and one promise, its timer takes no closure, and the
 * request hears that it was abandoned through a callback (an AbortSignal,
 * costly to create in Node, is made only for a request that asks for one).
 */
import { TimeoutError } from './errors.js'

/** How one caller waits: `timeout` in milliseconds (Infinity: no timer), `signal` to leave early. */
export interface Caller {
  timeout: number
  signal?: AbortSignal | undefined
}

/** What a flight's request is told when nobody waits for it any more. */
export interface Stop {
  /** Whether the request was abandoned (every caller left) or ended (abort()). */
  readonly stopped: boolean
  /** What the callers were given when it stopped. */
  readonly reason: unknown
  /** Calls `listener` once when the request stops (at once if it has). */
  onStop(listener: () => void): void
  /** The same as an AbortSignal, for what takes one (an InfoSource, a queue): made on first read. */
  readonly signal: AbortSignal
}

/** What a flight runs: the request, told by `stop` when nobody waits any more. */
export type Start<T> = (stop: Stop) => Promise<T>

/** One caller waiting for a flight's answer. */
interface Waiter<T> {
  flight: Flight<T>
  caller: Caller
  resolve: (value: T) => void
  reject: (reason: unknown) => void
  cancelTimer: (() => void) | undefined
  onAbort: (() => void) | undefined
}

export class Flight<T> implements Stop {
  #promise: Promise<T> | undefined
  #resolvePromise: ((value: T) => void) | undefined
  #rejectPromise: ((reason: unknown) => void) | undefined
  readonly #onAbandon: (() => void) | undefined
  readonly #onSettled: (() => void) | undefined
  #waiters: Waiter<T>[] = []
  #settled = false
  #ok = false
  #value: unknown
  #stopped = false
  #stopListeners: (() => void)[] | undefined
  #controller: AbortController | undefined

  /**
   * Starts the request. `onAbandon` runs when the last caller has left before
   * the answer came, `onSettled` once the answer (or the failure) is in.
   */
  constructor(start: Start<T>, onAbandon?: () => void, onSettled?: () => void) {
    this.#onAbandon = onAbandon
    this.#onSettled = onSettled
    let started: Promise<T>
    try {
      started = start(this)
    } catch (error) {
      started = Promise.reject(error)
    }
    started.then(
      (value) => this.#settle(true, value),
      (error: unknown) => this.#settle(false, error),
    )
  }

  /** The answer, for whoever rides the flight without being a caller (no timeout, no abort of its own). */
  get promise(): Promise<T> {
    if (!this.#promise) {
      if (this.#settled) {
        this.#promise = this.#ok ? Promise.resolve(this.#value as T) : Promise.reject(this.#value)
      } else {
        this.#promise = new Promise<T>((resolve, reject) => {
          this.#resolvePromise = resolve
          this.#rejectPromise = reject
        })
      }
    }
    return this.#promise
  }

  /** Whether the answer (or the failure) is in. */
  get settled(): boolean {
    return this.#settled
  }

  /** Waits for the answer as one more caller. */
  join(caller: Caller): Promise<T> {
    if (this.#settled) return this.promise
    const { signal, timeout } = caller
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = { flight: this, caller, resolve, reject, cancelTimer: undefined, onAbort: undefined }
      if (signal?.aborted) {
        reject(signal.reason ?? abortError())
        this.#left()
        return
      }
      this.#waiters.push(waiter)
      if (timeout !== Infinity) waiter.cancelTimer = after(timeout, Flight.#expire, waiter)
      if (signal) {
        waiter.onAbort = () => this.#leave(waiter, abortReason(signal))
        signal.addEventListener('abort', waiter.onAbort, { once: true })
      }
    })
  }

  /** Stops waiting for the answer: the request is told to stop and every caller gets `reason`. */
  abort(reason: unknown): void {
    if (this.#settled) return
    this.#settle(false, reason)
    this.#stop(reason)
  }

  // ---- Stop, as the request sees it ----

  get stopped(): boolean {
    return this.#stopped
  }

  get reason(): unknown {
    return this.#value
  }

  onStop(listener: () => void): void {
    if (this.#stopped) listener()
    else (this.#stopListeners ??= []).push(listener)
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController()
      if (this.#stopped) this.#controller.abort(this.#value)
    }
    return this.#controller.signal
  }

  // ---- internals ----

  #settle(ok: boolean, value: unknown): void {
    if (this.#settled) return
    this.#settled = true
    this.#ok = ok
    this.#value = value
    const waiters = this.#waiters
    this.#waiters = []
    for (const waiter of waiters) {
      release(waiter)
      if (ok) waiter.resolve(value as T)
      else waiter.reject(value)
    }
    if (ok) this.#resolvePromise?.(value as T)
    else this.#rejectPromise?.(value)
    this.#onSettled?.()
  }

  #stop(reason: unknown): void {
    if (this.#stopped) return
    this.#stopped = true
    const listeners = this.#stopListeners
    this.#stopListeners = undefined
    if (listeners) for (const listener of listeners) listener()
    this.#controller?.abort(reason)
  }

  /** `waiter` leaves with `reason` (its timeout, its signal). */
  #leave(waiter: Waiter<T>, reason: unknown): void {
    const index = this.#waiters.indexOf(waiter)
    if (index === -1) return
    this.#waiters.splice(index, 1)
    release(waiter)
    waiter.reject(reason)
    this.#left()
  }

  /** A caller has gone: with nobody left at the end of the task, the request is abandoned. */
  #left(): void {
    if (this.#waiters.length > 0) return
    queueMicrotask(() => {
      if (this.#waiters.length > 0 || this.#settled) return
      this.#onAbandon?.()
      this.abort(new DOMException('Every caller left', 'AbortError'))
    })
  }

  /** The timer of `waiter` (shared by every waiter: no closure per caller). */
  static #expire<T>(waiter: Waiter<T>): void {
    waiter.flight.#leave(waiter, new TimeoutError(waiter.caller.timeout))
  }
}

/** Removes what `waiter` installed: its timer, its abort listener. */
function release<T>(waiter: Waiter<T>): void {
  waiter.cancelTimer?.()
  if (waiter.onAbort) waiter.caller.signal?.removeEventListener('abort', waiter.onAbort)
}

function abortError(): DOMException {
  return new DOMException('The operation was aborted', 'AbortError')
}

/** The reason of an aborted signal, as fetch() would give it. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? abortError()
}

/** setTimeout holds at most 2^31-1 ms; a longer delay fires at once (and Infinity means never). */
const MAX_DELAY = 2 ** 31 - 1

/** Calls `fn(arg)` after `ms` milliseconds, however long; returns the cancel. */
export function after<A>(ms: number, fn: (arg: A) => void, arg: A): () => void
export function after(ms: number, fn: () => void): () => void
export function after<A>(ms: number, fn: (arg?: A) => void, arg?: A): () => void {
  if (ms === Infinity) return () => {}
  if (ms <= MAX_DELAY) {
    // The common case: one timer, no closure of ours around it.
    const timer = setTimeout(fn, ms, arg)
    return () => clearTimeout(timer)
  }
  let timer: ReturnType<typeof setTimeout>
  const schedule = (left: number): void => {
    timer = setTimeout(() => (left > MAX_DELAY ? schedule(left - MAX_DELAY) : fn(arg)), Math.min(left, MAX_DELAY))
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
