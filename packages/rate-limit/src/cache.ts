/**
 * A least-recently-used map: the in-memory mirror of SQLite rows. Entries are only ever copies
 * of what is stored, so dropping one loses nothing; the next use reloads it.
 * @module
 */

interface Slot<V> {
  value: V;
  /** The insertion counter when the slot was last (re)inserted. */
  at: number;
}

/**
 * An LRU map with a fixed capacity, built on a JS `Map`'s insertion order. A hit re-inserts the
 * entry only when it sits in the older half of that order: moving every hit (delete + set on a
 * 10,000-entry Map) cost a quarter of a decision's time in the spike, while this keeps the
 * guarantee that matters: an entry used within the last `capacity / 2` insertions is never the
 * one evicted.
 */
export class LruCache<K, V> {
  readonly #map = new Map<K, Slot<V>>();
  readonly #capacity: number;
  readonly #half: number;
  #counter = 0;
  #evictions = 0;

  constructor(capacity: number) {
    this.#capacity = Math.max(1, capacity);
    this.#half = Math.max(1, Math.floor(this.#capacity / 2));
  }

  /** The value, marked recently used. */
  get(key: K): V | undefined {
    const slot = this.#map.get(key);
    if (slot === undefined) return undefined;
    if (this.#counter - slot.at >= this.#half) {
      this.#map.delete(key);
      slot.at = this.#counter++;
      this.#map.set(key, slot);
    }
    return slot.value;
  }

  /** Stores a value, evicting the least recently used entry when full. */
  set(key: K, value: V): void {
    if (this.#map.has(key)) this.#map.delete(key);
    else if (this.#map.size >= this.#capacity) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) {
        this.#map.delete(oldest.value);
        this.#evictions++;
      }
    }
    this.#map.set(key, { value, at: this.#counter++ });
  }

  /** Drops one entry (it will be reloaded on next use). */
  delete(key: K): void {
    this.#map.delete(key);
  }

  /** Drops everything. */
  clear(): void {
    this.#map.clear();
  }

  get size(): number {
    return this.#map.size;
  }

  /** How many entries were dropped for space so far. */
  get evictions(): number {
    return this.#evictions;
  }
}
