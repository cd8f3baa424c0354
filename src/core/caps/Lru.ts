/**
 * A Map bounded by count: the least recently used entry goes first. Peers
 * choose what entity capabilities store, so every such store is one of these.
 */
export class Lru<K, V> {
  readonly #map = new Map<K, V>()
  #limit: number

  constructor(limit: number) {
    this.#limit = limit
  }

  get size(): number {
    return this.#map.size
  }

  /** The value, marked as just used. */
  get(key: K): V | undefined {
    const value = this.#map.get(key)
    if (value !== undefined) {
      this.#map.delete(key)
      this.#map.set(key, value)
    }
    return value
  }

  /** The value, without marking it used. */
  peek(key: K): V | undefined {
    return this.#map.get(key)
  }

  set(key: K, value: V): void {
    this.#map.delete(key)
    this.#map.set(key, value)
    // Under the bound (nearly always): no iterator for nothing.
    if (this.#map.size <= this.#limit) return
    for (const oldest of this.#map.keys()) {
      if (this.#map.size <= this.#limit) break
      this.#map.delete(oldest)
    }
  }

  /** The entries, least recently used first, without marking them used. */
  entries(): IterableIterator<[K, V]> {
    return this.#map.entries()
  }

  delete(key: K): boolean {
    return this.#map.delete(key)
  }

  clear(): void {
    this.#map.clear()
  }
}
