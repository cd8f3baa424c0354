import type { CapsStorage } from './CapsStorage.js'

export interface IndexedDBCapsStorageOptions {
  /** The database's name. Default 'react-xmpp-disco'. */
  database?: string | undefined
  /** The object store's name inside it. Default 'caps'. */
  store?: string | undefined
  /** The IDBFactory to use; default `indexedDB`, looked up on first use (so creating this on a server is harmless). */
  factory?: IDBFactory | undefined
}

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'))
  })
}

/**
 * Verified caps in IndexedDB: asynchronous, and roomier than localStorage.
 * The database is opened on first use and closed when another tab upgrades
 * it (the next call opens it again).
 */
export function indexedDBCapsStorage(options: IndexedDBCapsStorageOptions = {}): CapsStorage {
  const name = options.database ?? 'react-xmpp-disco'
  const storeName = options.store ?? 'caps'
  let opening: Promise<IDBDatabase> | undefined

  const open = (): Promise<IDBDatabase> => {
    if (!opening) {
      const factory = options.factory ?? globalThis.indexedDB
      const request = factory.open(name, 1)
      request.onupgradeneeded = () => {
        if (!request.result.objectStoreNames.contains(storeName)) request.result.createObjectStore(storeName)
      }
      opening = done(request).then((db) => {
        db.onversionchange = () => {
          db.close()
          opening = undefined
        }
        return db
      })
      // A failed open (private mode, blocked) is tried again on the next call.
      opening.catch(() => {
        opening = undefined
      })
    }
    return opening
  }

  const run = async <T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const db = await open()
    const transaction = db.transaction(storeName, mode)
    const request = act(transaction.objectStore(storeName))
    if (mode === 'readonly') return done(request)
    // A write counts once committed: a reload right after it finds it.
    await new Promise<void>((resolve, reject) => {
      transaction.oncomplete = () => resolve()
      transaction.onerror = transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction failed'))
    })
    return request.result
  }

  return {
    get: (key) => run('readonly', (store) => store.get(key)),
    set: (key, value) => run('readwrite', (store) => store.put(value, key)),
    delete: (key) => run('readwrite', (store) => store.delete(key)),
  }
}
