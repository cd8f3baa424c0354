/**
 * PersistedCaps: verified entity capabilities kept in a CapsStorage, so that
 * a reload does not ask every peer again.
 *
 * XEP-0115 section 5.4 and XEP-0390 section 6.2.1 (only a verified result is
 *   cached), XEP-0115 "Security Considerations" (cache poisoning): storage is
 *   input like a peer's reply, so a stored result is verified again before use.
 *
 * Content-addressed: an entry's key is the hash its result was verified
 * against (`caps sha-1 <ver>`, `ecaps2 sha-256 <hash>`), its value the
 * disco#info `<query/>` as the peer sent it, the very data that was hashed.
 * Reading it back runs the verification a reply gets on the wire; an entry
 * that is corrupt or was tampered with fails it, is deleted, and the peer is
 * asked. Nothing per JID is ever written.
 *
 * Bounded like the in-memory state: the key `index` lists the stored keys,
 * least recently used first, and past the limit the oldest go. The index is
 * read again before each write, so several tabs or clients sharing a storage
 * keep one bound. Writes are batched and run one after another, never on the
 * path of a query. A storage that throws or rejects only means that nothing
 * is kept; one that has not answered within STORAGE_WAIT is not waited for.
 */
import { after } from '../Flight.js'
import { parseInfo } from '../model.js'
import type { DiscoInfo } from '../model.js'
import { NS_DISCO_INFO } from '../namespaces.js'
import { cloneElement, parseXml } from '../xml.js'
import type { XmlElement } from '../xml.js'
import { inheritedLang } from './capsData.js'
import type { CapsStorage } from './CapsStorage.js'
import { verifyCapsHash } from './verifyCapsHash.js'
import type { AdvertisedHash } from './verifyCapsHash.js'

/** A hash under which a verified result is stored: its storage key and what verifies it. */
export interface StoredHash extends AdvertisedHash {
  id: string
}

const INDEX_KEY = 'index'
/** Milliseconds a storage call may take before caps go on without it. */
const STORAGE_WAIT = 1000
/** Longer values are not results we stored (nor worth storing): an answer that big is asked again. */
const MAX_ENTRY = 100_000
/** What our keys look like: the kind, an algorithm name, a base64 value. */
const STORED_ID = /^(caps|ecaps2) [a-z0-9-]{1,16} [A-Za-z0-9+/=]{1,200}$/

/** The result as stored: without the caps node (not hashed), with the language it inherited (XEP-0390 hashes with it). */
function storedText(query: XmlElement): string {
  const copy = cloneElement(query)
  delete copy.attrs.node
  const lang = inheritedLang(query)
  if (lang !== undefined) copy.attrs['xml:lang'] = lang
  return copy.toString()
}

function readIndex(raw: unknown, limit: number): string[] {
  if (typeof raw !== 'string' || raw.length > (limit + 1) * 256) return []
  try {
    const parsed: unknown = JSON.parse(raw)
    if (!Array.isArray(parsed)) return []
    return [...new Set(parsed.filter((id): id is string => typeof id === 'string' && STORED_ID.test(id)))]
  } catch {
    return []
  }
}

export class PersistedCaps {
  readonly #storage: CapsStorage
  readonly #limit: number
  /** One read per key at a time, whoever asks. */
  readonly #reads = new Map<string, Promise<DiscoInfo | undefined>>()
  /** To write: stored text by key, oldest first. */
  #writes = new Map<string, string>()
  /** To delete: keys whose entry failed verification. */
  #drops = new Set<string>()
  /** Keys read and verified: they move to the recent end of the index. */
  #touched = new Set<string>()
  #scheduled = false
  #chain: Promise<void> = Promise.resolve()
  /** The deadlines of storage calls in progress, each with the end of its call. */
  readonly #pending = new Map<() => void, () => void>()
  #disposed = false

  constructor(storage: CapsStorage, limit: number) {
    this.#storage = storage
    this.#limit = limit
  }

  /**
   * The verified result stored under `hash`, or undefined: absent, the
   * storage failing or slow, or an entry failing verification (then deleted).
   */
  lookup(hash: StoredHash): Promise<DiscoInfo | undefined> {
    let read = this.#reads.get(hash.id)
    if (!read) {
      read = this.#read(hash).finally(() => this.#reads.delete(hash.id))
      this.#reads.set(hash.id, read)
    }
    return read
  }

  async #read(hash: StoredHash): Promise<DiscoInfo | undefined> {
    const stored = await this.#call(() => this.#storage.get(hash.id))
    if (stored === undefined || stored.value === undefined || stored.value === null) return undefined
    const info = await verified(stored.value, hash)
    if (info) this.#note(this.#touched, hash.id)
    else this.#note(this.#drops, hash.id)
    return info
  }

  /** Keeps `query`, a result verified against `id`: written soon, with the next batch. */
  save(id: string, query: XmlElement): void {
    if (this.#disposed || !STORED_ID.test(id)) return
    const text = storedText(query)
    if (text.length > MAX_ENTRY) return
    this.#drops.delete(id)
    this.#writes.delete(id)
    this.#writes.set(id, text)
    // A storage that never answers does not make this grow: the oldest waiting writes go.
    for (const oldest of this.#writes.keys()) {
      if (this.#writes.size <= this.#limit) break
      this.#writes.delete(oldest)
    }
    this.#schedule()
  }

  /** Resolves once everything saved so far is written, or given up on. */
  async saved(): Promise<void> {
    for (;;) {
      const chain = this.#chain
      await chain
      if (chain === this.#chain) return
    }
  }

  /** Stops writing: what is not written yet is dropped, and no storage call is waited for any more. */
  dispose(): void {
    this.#disposed = true
    this.#writes.clear()
    this.#drops.clear()
    this.#touched.clear()
    for (const [cancel, end] of [...this.#pending]) {
      cancel()
      end()
    }
  }

  #note(set: Set<string>, id: string): void {
    if (this.#disposed) return
    set.add(id)
    if (set.size > this.#limit) set.delete(set.values().next().value as string)
    this.#schedule()
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    // After the calls in progress: everything noted until then goes in one batch.
    this.#chain = this.#chain.then(() => {
      this.#scheduled = false
      return this.#flush()
    })
  }

  async #flush(): Promise<void> {
    const writes = this.#writes
    const drops = this.#drops
    const touched = this.#touched
    this.#writes = new Map()
    this.#drops = new Set()
    this.#touched = new Set()
    if (this.#disposed || writes.size + drops.size + touched.size === 0) return
    // Read again each time: another tab or client may have changed it.
    const stored = await this.#call(() => this.#storage.get(INDEX_KEY))
    // Unreadable: writing now would lose track of what is stored (and so of the bound).
    if (!stored) return
    const index = readIndex(stored.value, this.#limit)
    const toEnd = (id: string): void => {
      const at = index.indexOf(id)
      if (at !== -1) index.splice(at, 1)
      index.push(id)
    }
    for (const id of touched) toEnd(id)
    for (const [id, text] of writes) if (await this.#call(() => this.#storage.set(id, text))) toEnd(id)
    for (const id of drops) {
      await this.#call(() => this.#storage.delete(id))
      const at = index.indexOf(id)
      if (at !== -1) index.splice(at, 1)
    }
    while (index.length > this.#limit) {
      const oldest = index.shift() as string
      await this.#call(() => this.#storage.delete(oldest))
    }
    await this.#call(() => this.#storage.set(INDEX_KEY, JSON.stringify(index)))
  }

  /** Runs one storage call: its value, or undefined when it threw, rejected or took too long. */
  #call(op: () => unknown): Promise<{ value: unknown } | undefined> {
    if (this.#disposed) return Promise.resolve(undefined)
    return new Promise((resolve) => {
      let settled = false
      const end = (result?: { value: unknown }): void => {
        if (settled) return
        settled = true
        cancel()
        this.#pending.delete(cancel)
        resolve(result)
      }
      const cancel = after(STORAGE_WAIT, () => end())
      this.#pending.set(cancel, end)
      try {
        Promise.resolve(op()).then(
          (value: unknown) => end({ value }),
          () => end(),
        )
      } catch {
        end()
      }
    })
  }
}

/** The result `value` holds if it verifies against `hash`; undefined for anything else. */
async function verified(value: unknown, hash: AdvertisedHash): Promise<DiscoInfo | undefined> {
  if (typeof value !== 'string' || value.length > MAX_ENTRY) return undefined
  const query = parseXml(value)
  if (!query?.is('query', NS_DISCO_INFO)) return undefined
  try {
    if ((await verifyCapsHash(query, hash)) !== 'verified') return undefined
    const info = parseInfo(query)
    delete info.node
    return info
  } catch {
    return undefined
  }
}
