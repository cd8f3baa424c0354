// What the chat client knows of its contacts' presence: the app's job, not
// the library's (which only reads caps off presences). A hook over the
// client's incoming stanzas, for useSyncExternalStore.
import { useSyncExternalStore } from 'react'
import type { XmlElement, XmppClient } from '../../src/core/index.js'

export interface ContactPresence {
  show: string | undefined
  status: string | undefined
}

type Book = ReadonlyMap<string, ContactPresence>

interface Store {
  subscribe(onChange: () => void): () => void
  book: Book
}

const stores = new WeakMap<XmppClient, Store>()

function storeOf(xmpp: XmppClient): Store {
  let store = stores.get(xmpp)
  if (store) return store
  const listeners = new Set<() => void>()
  const onElement = (stanza: XmlElement): void => {
    const from = stanza.attrs.from
    if (!stanza.is('presence') || from === undefined) return
    const book = new Map(created.book)
    if (stanza.attrs.type === 'unavailable') book.delete(from)
    else if (stanza.attrs.type === undefined) book.set(from, { show: stanza.getChildText('show') ?? undefined, status: stanza.getChildText('status') ?? undefined })
    else return
    created.book = book
    for (const listener of [...listeners]) listener()
  }
  const created: Store = {
    book: new Map(),
    subscribe(onChange) {
      const listener = onElement as (...args: never[]) => void
      if (listeners.size === 0) xmpp.on('element', listener)
      listeners.add(onChange)
      return () => {
        listeners.delete(onChange)
        if (listeners.size === 0) xmpp.off?.('element', listener)
      }
    },
  }
  store = created
  stores.set(xmpp, store)
  return store
}

/** The available contacts of `xmpp` by full JID, with their show and status, live. */
export function usePresences(xmpp: XmppClient): Book {
  const store = storeOf(xmpp)
  return useSyncExternalStore(store.subscribe, () => store.book)
}
