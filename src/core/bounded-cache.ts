/**
 * A size-bounded map for read caches (immutable facts learned from chain: market parameters,
 * asset lists). Owned by whoever builds the adapters (the composition root: one per process on
 * Node, one per isolate on Workers) and injected; past `maxEntries` the oldest entry goes.
 */
export class BoundedCache<K, V> {
  readonly #entries = new Map<K, V>()

  /** @param maxEntries the most entries kept (at least 1). */
  constructor(readonly maxEntries: number) {
    if (!(maxEntries >= 1)) throw new RangeError('maxEntries must be at least 1')
  }

  /** Entries held. */
  get size(): number {
    return this.#entries.size
  }

  get(key: K): V | undefined {
    return this.#entries.get(key)
  }

  /** Stores `value`, evicting the oldest entry when full. */
  set(key: K, value: V): void {
    this.#entries.delete(key)
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next()
      if (!oldest.done) this.#entries.delete(oldest.value)
    }
    this.#entries.set(key, value)
  }

  clear(): void {
    this.#entries.clear()
  }
}
