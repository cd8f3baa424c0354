/**
 * TrafficLog: the devtools' log of disco traffic, as rows to show.
 *
 * A request is one row from `asked` to its end (answered, failed,
 * abandoned), so its latency sits beside it; `re-asked` (the same query
 * sent again after a stream resumption) marks that row, never a new one; the other events are rows of
 * their own, and consecutive `caps-used` of one hash fold into one row (a
 * roster of 50 peers of one client is one line, not 49). Rows are replaced,
 * never changed, so a snapshot handed to React stays as it was.
 */
import type { DiscoEvent, DiscoEventKind } from '../core/DiscoEvents.js'

interface Row {
  /** Unique within the log, for React keys. */
  key: string
  at: number
}

/** A query we sent, from `asked` to its end. */
export interface RequestRow extends Row {
  type: 'request'
  id: string
  to: string
  kind: DiscoEventKind
  node: string | undefined
  state: 'pending' | 'answered' | 'failed' | 'abandoned'
  /** How often it went out again after a stream resumption (0: asked once). */
  reasked: number
  latency: number | undefined
  /** The error's name and message, for a failed request. */
  error: string | undefined
}

export interface SpoofedRow extends Row {
  type: 'spoofed'
  id: string
  to: string
  from: string | undefined
}

export interface ServedRow extends Row {
  type: 'served'
  from: string | undefined
  kind: DiscoEventKind
  node: string | undefined
  error: string | undefined
}

export interface CapsRow extends Row {
  type: 'caps-verified' | 'caps-unverified'
  jid: string
  hash: string
  /** The caps node asked; undefined: checked against a plain disco#info answer. */
  node: string | undefined
  outcome: string | undefined
}

/** JIDs answered from one verified hash, nothing sent. */
export interface CapsUsedRow extends Row {
  type: 'caps-used'
  hash: string
  jids: string[]
}

/** What the devtools saw change in our own entity, or did. */
export interface NoteRow extends Row {
  type: 'note'
  /** 'info': our identities, features or forms; 'ver': our caps ver; 'action': a devtools button. */
  topic: 'info' | 'ver' | 'action'
  text: string
}

export type TrafficRow = RequestRow | SpoofedRow | ServedRow | CapsRow | CapsUsedRow | NoteRow

/** Consecutive caps-used rows of one hash fold together within this many milliseconds. */
const FOLD_WINDOW = 2000

export class TrafficLog {
  /** Oldest first. */
  #rows: TrafficRow[] = []
  /** Index of each request's row, by IQ id. */
  readonly #requests = new Map<string, RequestRow>()
  #serial = 0
  readonly #limit: number

  constructor(limit = 500) {
    this.#limit = limit
  }

  /** The rows, oldest first (a new array after every change). */
  get rows(): readonly TrafficRow[] {
    return this.#rows
  }

  clear(): void {
    this.#rows = []
    this.#requests.clear()
  }

  note(topic: NoteRow['topic'], text: string, at = Date.now()): void {
    this.#push({ type: 'note', key: this.#key(), at, topic, text })
  }

  add(event: DiscoEvent): void {
    switch (event.type) {
      case 'asked':
        return this.#request(event.id, this.#newRequest(event, 'pending'))
      case 're-asked': {
        // Asked before we listened: its row starts here.
        const base = this.#requests.get(event.id) ?? this.#newRequest(event, 'pending')
        return this.#request(event.id, { ...base, state: 'pending', reasked: base.reasked + 1 })
      }
      case 'answered':
      case 'abandoned':
      case 'failed': {
        const error = event.type === 'failed' ? `${event.error.name}: ${event.error.message}` : undefined
        const state = event.type
        const existing = this.#requests.get(event.id)
        // Dropped before it went out, or asked before we listened: a row of its own.
        const base = existing ?? this.#newRequest(event, state)
        return this.#request(event.id, { ...base, state, latency: event.latency, error })
      }
      case 'spoofed':
        return this.#push({ type: 'spoofed', key: this.#key(), at: event.at, id: event.id, to: event.to, from: event.from })
      case 'served':
        return this.#push({ type: 'served', key: this.#key(), at: event.at, from: event.from, kind: event.kind, node: event.node, error: event.error })
      case 'caps-verified':
      case 'caps-unverified':
        return this.#push({
          type: event.type,
          key: this.#key(),
          at: event.at,
          jid: event.jid,
          hash: event.hash,
          node: event.node,
          outcome: event.type === 'caps-unverified' ? event.outcome : undefined,
        })
      case 'caps-used': {
        const last = this.#rows.at(-1)
        if (last?.type === 'caps-used' && last.hash === event.hash && event.at - last.at <= FOLD_WINDOW) {
          this.#rows = [...this.#rows.slice(0, -1), { ...last, jids: [...last.jids, event.jid] }]
          return
        }
        return this.#push({ type: 'caps-used', key: this.#key(), at: event.at, hash: event.hash, jids: [event.jid] })
      }
    }
  }

  #newRequest(event: { id: string; to: string; kind: DiscoEventKind; node: string | undefined; at: number }, state: RequestRow['state']): RequestRow {
    const { id, to, kind, node, at } = event
    return { type: 'request', key: this.#key(), at, id, to, kind, node, state, reasked: 0, latency: undefined, error: undefined }
  }

  /** Adds or replaces the row of request `id`. */
  #request(id: string, row: RequestRow): void {
    const existing = this.#requests.get(id)
    this.#requests.set(id, row)
    if (!existing) return this.#push(row)
    const index = this.#rows.lastIndexOf(existing)
    const rows = [...this.#rows]
    if (index === -1) rows.push(row)
    else rows[index] = row
    this.#rows = rows
  }

  #push(row: TrafficRow): void {
    const rows = [...this.#rows, row]
    const excess = rows.length - this.#limit
    for (const old of excess > 0 ? rows.splice(0, excess) : []) {
      if (old.type === 'request' && this.#requests.get(old.id) === old) this.#requests.delete(old.id)
    }
    this.#rows = rows
  }

  #key(): string {
    return `r${++this.#serial}`
  }
}
