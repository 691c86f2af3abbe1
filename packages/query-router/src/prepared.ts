/**
 * Prepared queries: the validated query and its fingerprint by the request's JSON text, so a
 * dashboard's repeated request skips zod, the column checks and canonicalization (the cache
 * hit path stays a couple of map lookups). Bounded (LRU); cleared whenever a table's schema,
 * existence or sharding changes, since validation depends on them.
 * @module
 */
import { compilePredicate } from "@durable/core";
import type { Tables } from "@durable/tables";
import { fingerprint } from "./fingerprint.ts";
import { checkColumns, parseQuery } from "./query-input.ts";
import type { Prepared } from "./router-support.ts";

/** An LRU map of prepared values by request text. */
export class PreparedQueries<T> {
  readonly #max: number;
  readonly #byText = new Map<string, T>();

  constructor(max = 1_000) {
    this.#max = max;
  }

  get(text: string): T | undefined {
    const v = this.#byText.get(text);
    if (v !== undefined) {
      this.#byText.delete(text);
      this.#byText.set(text, v);
    }
    return v;
  }

  set(text: string, value: T): void {
    this.#byText.set(text, value);
    if (this.#byText.size > this.#max) this.#byText.delete(this.#byText.keys().next().value as string);
  }

  clear(): void {
    this.#byText.clear();
  }
}

/** The JSON text of a request's query, or undefined when it has none (parsing then reports why). */
export function requestText(input: unknown): string | undefined {
  if (input === null || typeof input !== "object") return undefined;
  try {
    return JSON.stringify(input);
  } catch {
    return undefined;
  }
}

/**
 * Validates a request's query (shape, limits; for a table of this DO its columns and `where`)
 * and fingerprints it.
 * @throws the 4xx of {@link parseQuery}, TABLE_NOT_FOUND, UNKNOWN_FIELD, INVALID_PREDICATE
 */
export function prepareQuery(
  input: unknown,
  tenant: string,
  tables: Tables,
  shardsOf: (table: string) => number | undefined,
): Prepared {
  const q = parseQuery(input);
  const shards = shardsOf(q.table);
  if (shards !== undefined) return { q, ...fingerprint(q, tenant), shards, tenant };
  const codec = tables.rows.codec(q.table);
  checkColumns(q, codec.columns);
  if (q.where) compilePredicate(q.where, { resolve: codec.resolve });
  return { q, ...fingerprint(q, tenant, codec.resolve), shards: undefined, tenant };
}
