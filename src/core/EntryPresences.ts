/**
 * EntryPresences: what the presence of a full JID means for the entries of
 * DiscoClient that ask it.
 *
 * RFC 6121 section 4.5.2 (an unavailable full JID no longer answers for
 *   itself; the same full JID available again may be another client)
 * RFC 6121 section 4.2.2 (after our initial presence in a new session, the
 *   server delivers our contacts' presences: PresenceWindow)
 * XEP-0115 section 6.3 (a peer's caps come with its presence)
 *
 * An unavailable full JID's entries stop being served; those a hook observes
 * wait, invalidated, for the JID's next available presence and fetch again
 * then. Early in a new session, a request that would ask a contact again for
 * what its row shows waits for the contact's presence (and its caps) instead.
 */
import type { Query } from '@tanstack/query-core'
import type { EntryFetches } from './EntryFetches.js'
import type { Stop } from './Flight.js'
import { tryNormalizeJid } from './jid.js'
import type { OwnEntries } from './OwnEntries.js'
import { PresenceWindow } from './PresenceWindow.js'
import type { IncomingContext } from './XmppClient.js'

/**
 * How long after a new session is up a request for a full JID whose caps are
 * not known waits for that JID's presence before asking it anyway (ms):
 * roster presences come within a second or two of our own, a big roster's in
 * a few (PresenceWindow).
 */
export const PRESENCE_WAIT = 5000

export class EntryPresences {
  readonly #entries: OwnEntries
  readonly #fetches: EntryFetches
  readonly #forget: (query: Query) => void
  /** From the end of a session until PRESENCE_WAIT after the next is up. */
  #window: PresenceWindow | undefined

  /** `forget` stops serving an entry (DiscoClient's: it also drops the entry's request and future). */
  constructor(entries: OwnEntries, fetches: EntryFetches, forget: (query: Query) => void) {
    this.#entries = entries
    this.#fetches = fetches
    this.#forget = forget
  }

  /** A session ended: until the next one is up and PRESENCE_WAIT has passed, rows wait for presences. */
  sessionEnded(): void {
    this.#window?.close()
    this.#window = new PresenceWindow()
  }

  /** The new session is up: the window closes PRESENCE_WAIT from now, or later while presences flood in. */
  sessionUp(): void {
    this.#window?.closeAfter(PRESENCE_WAIT)
  }

  /** Ends the window: whatever waits in it goes on at once. */
  dispose(): void {
    this.#window?.close()
  }

  /**
   * What a request for `jid`'s disco#info (no node) that would refetch the
   * entry `shown` finds waits for before asking: the presence of a full JID whose row
   * shows what it answered in the last session; undefined for a request to
   * send at once (a new question, a bare JID, a presence already seen).
   */
  waitBeforeAsking(jid: string, shown: () => Query | undefined, stop: Stop): Promise<void> | undefined {
    const window = this.#window
    if (!window?.awaits(jid) || !jid.includes('/')) return undefined
    const state = shown()?.state
    if (state?.data === undefined || !state.isInvalidated) return undefined
    return window.wait(jid, stop)
  }

  /** The incoming tap: after the other taps (entity capabilities) have read the presence. */
  readonly onStanza = (ctx: IncomingContext): undefined => {
    const { stanza } = ctx
    if (stanza.name !== 'presence') return undefined
    const from = stanza.attrs.from
    if (from === undefined || !from.includes('/')) return undefined
    const window = this.#window
    let jid: string | undefined
    if (window?.awaits(from)) {
      jid = tryNormalizeJid(from)
      if (jid !== undefined) queueMicrotask(() => window.saw(jid as string))
    }
    if (!this.#entries.any) return undefined
    const entries = this.#entries.of(from) ?? this.#entries.of(jid ?? tryNormalizeJid(from) ?? '')
    if (!entries) return undefined
    const type = stanza.attrs.type
    if (type === 'unavailable') {
      for (const query of [...entries]) this.#forget(query)
    } else if (type === undefined || type === '') {
      queueMicrotask(() => {
        for (const query of entries) if (query.state.isInvalidated && query.state.fetchStatus === 'idle') this.#fetches.refetch(query)
      })
    }
    return undefined
  }
}
