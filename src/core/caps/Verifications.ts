/**
 * Verifications: the caps verifications under way, each findable by the JID
 * it serves and by every hash it may verify.
 *
 * XEP-0115 section 5.4 (one verification per hash, however many JIDs
 * advertise it). A verification is a Flight: callers join it and leave it,
 * and it is out of the table once it has settled.
 */
import type { Flight } from '../Flight.js'
import type { DiscoInfo } from '../model.js'
import type { AdvertisedCaps } from './advertisedCaps.js'

/** One verification: whose caps, which, and the flight answering them. */
export interface Verification {
  owner: string
  caps: AdvertisedCaps
  /** The owner's info (undefined: ask plainly); for `plain`, the info only when verified (undefined: ask node#ver). */
  flight: Flight<DiscoInfo | undefined>
  /** Checks the answer of a plain disco#info query that was in flight when the caps came, asking nothing itself. */
  plain?: boolean
}

/** Waits for a verification as long as the DiscoClient's caller does: its signal says when nobody waits. */
export const join = (verification: Verification, signal: AbortSignal): Promise<DiscoInfo | undefined> =>
  verification.flight.join({ timeout: Infinity, signal })

export class Verifications {
  /** By `jid <jid>` (its owner) and by each hash id it may verify. */
  readonly #byId = new Map<string, Verification>()

  /** How many are under way. */
  get size(): number {
    return new Set(this.#byId.values()).size
  }

  /** Whether one may verify hash `id`. */
  has(id: string): boolean {
    return this.#byId.has(id)
  }

  /** The one serving `jid`, else one that may verify one of `caps`' hashes. */
  find(jid: string, caps: AdvertisedCaps): Verification | undefined {
    const own = this.#byId.get(`jid ${jid}`)
    if (own) return own
    for (const key of caps.keys) {
      const found = this.#byId.get(key.id)
      if (found) return found
    }
    return undefined
  }

  /** Adds `verification` until it settles; returns it. */
  add(verification: Verification): Verification {
    const ids = [`jid ${verification.owner}`, ...verification.caps.keys.map((k) => k.id)]
    for (const id of ids) this.#byId.set(id, verification)
    const settle = (): void => {
      for (const id of ids) if (this.#byId.get(id) === verification) this.#byId.delete(id)
    }
    verification.flight.promise.then(settle, settle)
    return verification
  }

  /** Ends every one with `reason`. */
  abortAll(reason: unknown): void {
    for (const { flight } of new Set(this.#byId.values())) flight.abort(reason)
    this.#byId.clear()
  }
}
