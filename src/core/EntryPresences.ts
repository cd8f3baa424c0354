/**
 * EntryPresences: what the presence of a full JID means for the entries of
 * DiscoClient that ask it.
 *
 * RFC 6121 section 4.5.2 (an unavailable full JID no longer answers for
 *   itself; the same full JID available again may be another client)
 *
 * An unavailable full JID's entries stop being served; those a hook observes
 * wait, invalidated, for the JID's next available presence and fetch again
 * then. (What a presence's caps say is caps/CapsResolver's.)
 */
import type { Query } from '@tanstack/query-core'
import type { EntryFetches } from './EntryFetches.js'
import { tryNormalizeJid } from './jid.js'
import type { OwnEntries } from './OwnEntries.js'
import type { IncomingContext } from './XmppClient.js'

export class EntryPresences {
  readonly #entries: OwnEntries
  readonly #fetches: EntryFetches
  readonly #forget: (query: Query) => void

  /** `forget` stops serving an entry (DiscoClient's: it also drops the entry's request and future). */
  constructor(entries: OwnEntries, fetches: EntryFetches, forget: (query: Query) => void) {
    this.#entries = entries
    this.#fetches = fetches
    this.#forget = forget
  }

  /** The incoming tap. */
  readonly onStanza = (ctx: IncomingContext): undefined => {
    const { stanza } = ctx
    if (stanza.name !== 'presence' || !this.#entries.any) return undefined
    const from = stanza.attrs.from
    if (from === undefined || !from.includes('/')) return undefined
    const entries = this.#entries.of(from) ?? this.#entries.of(tryNormalizeJid(from) ?? '')
    if (!entries) return undefined
    const type = stanza.attrs.type
    if (type === 'unavailable') {
      for (const query of [...entries]) this.#forget(query)
    } else if (type === undefined || type === '') {
      // After the other taps (entity capabilities) have read this presence.
      queueMicrotask(() => {
        for (const query of entries) if (query.state.isInvalidated && query.state.fetchStatus === 'idle') this.#fetches.refetch(query)
      })
    }
    return undefined
  }
}
