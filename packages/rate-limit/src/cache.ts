/**
 * A least-recently-used map: the in-memory mirror of SQLite rows. Entries are only ever copies
 * of what is stored, so dropping one loses nothing; the next use reloads it.
 * @module
 */

/** An LRU map with a fixed capacity (a JS `Map` keeps insertion order; a hit re-inserts). */
export class LruCache<K, V> {
  readonly #map = new Map<K, V>();
  readonly #capacity: number;
  #evictions = 0;

  constructor(capacity: number) {
    this.#capacity = Math.max(1, capacity);
  }

  /** The value, marked most recently used. */
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
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
    this.#map.set(key, value);
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
