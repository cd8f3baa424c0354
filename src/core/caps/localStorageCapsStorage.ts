import type { CapsStorage } from './CapsStorage.js'

/** What localStorageCapsStorage needs of a Web Storage object. */
export interface WebStorageLike {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

export interface LocalStorageCapsStorageOptions {
  /** Put in front of every key, so the library's keys stay apart from the app's. Default 'react-xmpp-disco:caps:'. */
  prefix?: string | undefined
  /** The Web Storage to use; default `localStorage`, looked up at each call (so creating this on a server is harmless). */
  storage?: WebStorageLike | undefined
}

/**
 * Verified caps in `localStorage` (or `sessionStorage`). Synchronous and
 * small (about 5 MB per origin): keep `maxHashes` modest with it. A full
 * storage throws on write, which only means the entry is not kept.
 */
export function localStorageCapsStorage(options: LocalStorageCapsStorageOptions = {}): CapsStorage {
  const prefix = options.prefix ?? 'react-xmpp-disco:caps:'
  const storage = (): WebStorageLike => options.storage ?? globalThis.localStorage
  return {
    get: (key) => storage().getItem(prefix + key),
    set: (key, value) => storage().setItem(prefix + key, value),
    delete: (key) => storage().removeItem(prefix + key),
  }
}
