/**
 * Where verified entity capabilities are kept across reloads: any key-value
 * store of strings, synchronous or not.
 *
 * A `Map<string, string>` is one (Node, tests), and so are most async stores
 * as they come (Keyv, localForage, idb-keyval's `{ get, set, del }` once `del`
 * is named `delete`). localStorageCapsStorage and indexedDBCapsStorage adapt
 * the browser's. Whatever a store returns is checked before use: a stored
 * entry is only a candidate, re-verified against the hash it is stored under.
 */
export interface CapsStorage {
  /** The value stored under `key` (or a promise of it); anything else than a string counts as absent. */
  get(key: string): unknown
  /** Stores `value` under `key`; may return a promise, which is waited for. */
  set(key: string, value: string): unknown
  /** Removes `key`; may return a promise, which is waited for. */
  delete(key: string): unknown
}
