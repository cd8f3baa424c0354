/**
 * PresenceWindow: the first seconds of a new session, while the presences of
 * our contacts come in.
 *
 * RFC 6121 section 4.2.2 (once we send our initial presence, the server
 *   probes our contacts and delivers the presence of each available one)
 * XEP-0115 section 6.3 (a peer's caps come with its presence: its disco#info
 *   is then known by its hash, without asking it)
 *
 * After a new session a roster's rows fetch again what they showed. Asked at
 * once, each full JID would get a disco#info query of its own (its caps from
 * the old session are forgotten: another session may see other clients),
 * where a moment later its presence brings caps whose hash is verified
 * already. So a request for a full JID whose caps are not known waits here
 * for that JID's presence, until the window closes: `ms` after the session
 * is up, later while presences keep coming (a big roster on a slow phone),
 * at the latest LONGEST_WAIT times `ms`. JIDs that sent none are asked then.
 * Only JIDs that advertised caps in the last session are waited for: one
 * that sent us no presence then (a peer we merely asked) sends none now.
 */
import { abortReason } from '../Flight.js'

/**
 * How long after a new session is up a request for a full JID whose caps are
 * not known waits for that JID's presence before asking it anyway (ms):
 * roster presences come within a second or two of our own, a big roster's in
 * a few.
 */
export const PRESENCE_WAIT = 5000

/** Presences closer together than this (ms) are one flood: the window stays open while it lasts. */
const FLOOD_GAP = 1000
/** The window never stays open longer than this many times its `ms`. */
const LONGEST_WAIT = 4

export class PresenceWindow {
  /** The full JIDs whose presence came since the window opened. */
  /** The full JIDs whose presence is awaited (they had caps in the last session), until it comes. */
  readonly #expected: Set<string>
  readonly #waiting = new Map<string, Set<() => void>>()
  #timer: ReturnType<typeof setTimeout> | undefined
  #closed = false
  /** closeAfter() has run: the window closes on its timer. */
  #closing = false
  /** When the last presence came (ms since the epoch). */
  #lastSeen = 0

  /** `expected`: the JIDs whose presence the new session should bring (those that had caps in the last). */
  constructor(expected: Iterable<string>) {
    this.#expected = new Set(expected)
  }

  /** Whether a request for `jid` waits for its presence. */
  awaits(jid: string): boolean {
    return !this.#closed && this.#expected.has(jid)
  }

  /** The presence of `jid` came (read by the taps that learn caps from it): what waits for it goes on. */
  saw(jid: string): void {
    if (this.#closed) return
    this.#lastSeen = Date.now()
    if (!this.#expected.delete(jid)) return
    const waiters = this.#waiting.get(jid)
    if (!waiters) return
    this.#waiting.delete(jid)
    for (const wake of waiters) wake()
  }

  /** Resolves once `jid`'s presence came or the window closed; rejects when `signal` aborts first. */
  wait(jid: string, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(abortReason(signal))
    return new Promise((resolve, reject) => {
      let waiters = this.#waiting.get(jid)
      if (!waiters) {
        waiters = new Set()
        this.#waiting.set(jid, waiters)
      }
      const onAbort = (): void => {
        waiters.delete(wake)
        if (waiters.size === 0 && this.#waiting.get(jid) === waiters) this.#waiting.delete(jid)
        reject(abortReason(signal))
      }
      const wake = (): void => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      }
      waiters.add(wake)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  /**
   * Closes in `ms` (the session is up), or once the presences coming then
   * stop, within LONGEST_WAIT times `ms`. Only the first call counts.
   */
  closeAfter(ms: number = PRESENCE_WAIT): void {
    if (this.#closed || this.#closing) return
    this.#closing = true
    const latest = Date.now() + LONGEST_WAIT * ms
    const check = (): void => {
      const now = Date.now()
      const until = Math.min(latest, this.#lastSeen + FLOOD_GAP)
      if (until <= now) return this.close()
      this.#timer = setTimeout(check, until - now)
    }
    clearTimeout(this.#timer)
    this.#timer = setTimeout(check, ms)
  }

  /** Every request waiting goes on; no timer is left. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#timer)
    this.#expected.clear()
    const waiting = [...this.#waiting.values()]
    this.#waiting.clear()
    for (const waiters of waiting) for (const wake of waiters) wake()
  }
}
