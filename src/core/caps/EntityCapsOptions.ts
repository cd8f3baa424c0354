/**
 * EntityCapsOptions: how entity capabilities are configured, and when two
 * configurations are the same (a plugin with equal options changes nothing).
 *
 * XEP-0115 section 4 (the caps node), XEP-0390 section 6.1 (the vers still
 * answered), XEP-0115 "Security Considerations" (the bounds of CapsLimits).
 */
import type { DiscoClient } from '../DiscoClient.js'
import type { CapsLimits } from './CapsState.js'
import type { CapsStorage } from './CapsStorage.js'

export interface EntityCapsOptions extends CapsLimits {
  /** The caps `node`: a URI naming the application, e.g. 'https://app.example'. */
  node: string
  /** Also advertise and accept XEP-0390 hash sets. Default true. */
  ecaps2?: boolean | undefined
  /** The DiscoClient whose disco#info queries caps answer (more can be added by calling `for` again). */
  discoClient?: DiscoClient | undefined
  /** How many previous vers are still answered besides the current one. Default 3. */
  history?: number | undefined
  /**
   * Keeps verified results (hash -> info, never per-JID ones) across reloads:
   * a Map, localStorageCapsStorage(), indexedDBCapsStorage() or any key-value
   * store. Bounded by maxHashes; every stored entry is verified again before use.
   */
  storage?: CapsStorage | undefined
}

/** XEP-0390 section 6.1: "at least the most recent 3". */
export const DEFAULT_HISTORY = 3

const storageIds = new WeakMap<CapsStorage, number>()
let storageCount = 0

/** Every option but the DiscoClient, as one comparable value: two storages are the same option only when they are one object. */
export function configOf(options: EntityCapsOptions): string {
  const { node, ecaps2, history, maxJids, maxHashes, maxVersPerMinute, storage } = options
  let storageId = storage && storageIds.get(storage)
  if (storage && storageId === undefined) {
    storageId = ++storageCount
    storageIds.set(storage, storageId)
  }
  return JSON.stringify([node, ecaps2 ?? true, history ?? DEFAULT_HISTORY, maxJids, maxHashes, maxVersPerMinute, storageId])
}
