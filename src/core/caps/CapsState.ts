/**
 * CapsState: what peers' caps make us remember, every part of it bounded.
 *
 * XEP-0115 "Security Considerations" (a peer chooses what we store: bound it,
 *   and do not let one JID flood us with vers)
 * XEP-0390 section 6.2.1 (only the most recent hash set of a JID is used,
 *   only verified results are cached) and 8.2 (rate-limit hash sets)
 */
import type { DiscoInfo } from '../model.js'
import type { AdvertisedCaps } from './advertisedCaps.js'
import { Lru } from './Lru.js'

const RATE_WINDOW = 60_000

interface JidRecord {
  caps: AdvertisedCaps | undefined
  /** When new caps were accepted, within the rate window. */
  changes: number[]
  /** Rate-limited: caps are ignored until the window passes. */
  throttled: boolean
}

export interface CapsLimits {
  /** How many peer JIDs are remembered (least recently used go first). Default 10000. */
  maxJids?: number | undefined
  /** How many verified hashes are remembered. Default 1000. */
  maxHashes?: number | undefined
  /** New vers accepted per JID per minute; the excess is ignored. Default 10. */
  maxVersPerMinute?: number | undefined
}

/** A verified hash, with the JIDs whose latest caps advertise it. */
export interface CapsSnapshotHash {
  /** `caps sha-1 <ver>` (XEP-0115) or `ecaps2 sha-256 <hash>` (XEP-0390). */
  hash: string
  /** The verified disco#info, shared by every JID advertising the hash. */
  info: DiscoInfo
  jids: string[]
}

/** A JID whose caps we remember. */
export interface CapsSnapshotJid {
  jid: string
  /** The node its queries go to (`node#ver`, or the XEP-0390 hash node); undefined while its caps are ignored. */
  node: string | undefined
  /** The hashes it advertised that we can verify. */
  hashes: string[]
  /** Whether one of them is verified: its info is shared, no query of its own. */
  verified: boolean
  /** XEP-0115 caps without `hash`: only a query to the JID itself answers, never shared. */
  legacy: boolean
  /** It advertised too many vers this minute: its caps are ignored for now. */
  throttled: boolean
}

/** What caps state holds, for devtools and diagnostics: plain data, a copy. */
export interface CapsSnapshot {
  /** Least recently used first. */
  hashes: CapsSnapshotHash[]
  jids: CapsSnapshotJid[]
}

export class CapsState {
  readonly #jids: Lru<string, JidRecord>
  /** Verified results by hash id (ShareKey.id), each shared by every JID advertising it. */
  readonly verified: Lru<string, DiscoInfo>
  readonly #maxVersPerMinute: number

  constructor(limits: CapsLimits) {
    this.#jids = new Lru(limits.maxJids ?? 10_000)
    this.verified = new Lru(limits.maxHashes ?? 1000)
    this.#maxVersPerMinute = limits.maxVersPerMinute ?? 10
  }

  /** How many JIDs are remembered. */
  get jids(): number {
    return this.#jids.size
  }

  /** The caps `jid` advertised last, if they are used; `touch` marks the JID as recently used. */
  capsOf(jid: string, touch = false): AdvertisedCaps | undefined {
    return (touch ? this.#jids.get(jid) : this.#jids.peek(jid))?.caps
  }

  /**
   * Notes the caps of an available presence from `jid`. Returns true when
   * what the JID maps to changed (so its info may have): new caps, or caps
   * now ignored because it sends too many.
   */
  advertise(jid: string, caps: AdvertisedCaps): boolean {
    let record = this.#jids.get(jid)
    if (record?.caps?.signature === caps.signature) return false
    if (!record) {
      record = { caps: undefined, changes: [], throttled: false }
      this.#jids.set(jid, record)
    }
    const now = Date.now()
    // Oldest first (pushed in time order): drop those out of the window in place, no copy per presence.
    const changes = record.changes
    let expired = 0
    while (expired < changes.length && now - (changes[expired] as number) >= RATE_WINDOW) expired++
    if (expired > 0) changes.splice(0, expired)
    if (record.changes.length >= this.#maxVersPerMinute) {
      // Flooding: ignore its caps for now; its info comes from plain queries.
      if (record.throttled) return false
      record.throttled = true
      record.caps = undefined
      return true
    }
    record.throttled = false
    record.changes.push(now)
    record.caps = caps
    return true
  }

  /** `jid` went unavailable: its caps no longer say anything. */
  unavailable(jid: string): void {
    const record = this.#jids.peek(jid)
    if (record) record.caps = undefined
  }

  /** A copy of what is remembered (reading it marks nothing as used). */
  snapshot(): CapsSnapshot {
    const users = new Map<string, string[]>()
    const jids: CapsSnapshotJid[] = []
    for (const [jid, record] of this.#jids.entries()) {
      const caps = record.caps
      if (!caps && !record.throttled) continue
      const hashes = caps?.keys.map((k) => k.id) ?? []
      for (const hash of hashes) users.set(hash, [...(users.get(hash) ?? []), jid])
      jids.push({
        jid,
        node: caps?.queryNode,
        hashes,
        verified: hashes.some((h) => this.verified.peek(h) !== undefined),
        legacy: caps?.legacy ?? false,
        throttled: record.throttled,
      })
    }
    const hashes = [...this.verified.entries()].map(([hash, info]) => ({ hash, info: structuredClone(info), jids: users.get(hash) ?? [] }))
    return { hashes, jids }
  }

  /** The JIDs whose current caps can be shared (a hash, not legacy). */
  *hashing(): IterableIterator<string> {
    for (const [jid, record] of this.#jids.entries()) if (record.caps && !record.caps.legacy) yield jid
  }

  /** Forgets every JID (a new session gets every presence anew); `verified` too with `all`. */
  clear(all = false): void {
    this.#jids.clear()
    if (all) this.verified.clear()
  }
}
