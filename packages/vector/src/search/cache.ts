/**
 * One LRU with a byte budget for every vector cache of the isolate (IVF lists, centroids). DOs
 * that share an isolate share it, so their caches together stay within the budget (default
 * 48 MB, well inside the 128 MB isolate). An entry larger than the budget is never kept.
 * @module
 */
import { VECTOR_LIMITS } from "../limits.ts";

/** Something the cache holds, with its size. */
export interface Sized {
  readonly bytes: number;
}

/** A byte-budgeted LRU (a Map keeps insertion order; a hit moves the key to the end). */
export class VectorCache {
  readonly budgetBytes: number;
  readonly #entries = new Map<string, Sized>();
  #bytes = 0;
  hits = 0;
  misses = 0;

  constructor(budgetBytes: number = VECTOR_LIMITS.defaultCacheBytes) {
    this.budgetBytes = budgetBytes;
  }

  /** Bytes held now (never above the budget). */
  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  get<T extends Sized>(key: string): T | undefined {
    const v = this.#entries.get(key);
    if (v === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.#entries.delete(key);
    this.#entries.set(key, v);
    return v as T;
  }

  /** Keeps `value` unless it alone exceeds the budget; evicts the least recently used first. */
  set(key: string, value: Sized): void {
    this.delete(key);
    if (value.bytes > this.budgetBytes) return;
    while (this.#bytes + value.bytes > this.budgetBytes) {
      const oldest = this.#entries.keys().next().value as string;
      this.delete(oldest);
    }
    this.#entries.set(key, value);
    this.#bytes += value.bytes;
  }

  delete(key: string): void {
    const v = this.#entries.get(key);
    if (!v) return;
    this.#entries.delete(key);
    this.#bytes -= v.bytes;
  }

  /** Drops every key starting with `prefix` (an index or a whole store). */
  deletePrefix(prefix: string): void {
    for (const key of [...this.#entries.keys()]) if (key.startsWith(prefix)) this.delete(key);
  }
}

let shared: VectorCache | undefined;

/** The isolate's one cache, built on first use. */
export function sharedVectorCache(): VectorCache {
  shared ??= new VectorCache();
  return shared;
}
