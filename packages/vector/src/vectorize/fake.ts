/**
 * `VectorizeFake`: an in-memory Vectorize V2 index for tests, since the real one cannot run
 * offline. It enforces the same limits (with the binding's kind of error, not the platform's
 * codes), returns V2's shapes and scores, applies mutations asynchronously (on `process()` or
 * once `visibilityDelayMs` has passed on its clock), and, like Vectorize, a filter misses
 * vectors written before the metadata index of its property existed.
 * @module
 */
import { type Clock, isPlatformError, parseOrThrow, systemClock } from "@durable/core";
import { IndexConfigSchema, type MetadataIndex, type Metric } from "../config.ts";
import { matchesFilter, parseFilter } from "../filter.ts";
import { parseQueryOptions } from "../query-options.ts";
import { checkIds, indexedMetadata, l2norm, prepareRecords, toFloat32 } from "../records.ts";
import { rankKey, scoreAt } from "../search/kernels.ts";
import { TopK } from "../search/top-k.ts";
import type { Metadata } from "../types.ts";
import type {
  VectorizeInfoLike,
  VectorizeLike,
  VectorizeMatchLike,
  VectorizeQueryOptionsLike,
  VectorizeVectorLike,
} from "./like.ts";

interface Stored {
  values: Float32Array;
  norm: number;
  namespace: string;
  metadata: Metadata | undefined;
  indexed: Metadata | null;
}

type Pending = { mutationId: string; at: number; apply: () => void };

/** Options of the fake. */
export interface VectorizeFakeOptions {
  dimensions: number;
  metric: Metric;
  metadataIndexes?: MetadataIndex[];
  /** Mutations become visible this long after they were made (default: only on `process()`). */
  visibilityDelayMs?: number;
  clock?: Clock;
}

/** An in-memory Vectorize V2 index. */
export class VectorizeFake implements VectorizeLike {
  readonly dimensions: number;
  readonly metric: Metric;
  readonly #metadataIndexes: MetadataIndex[];
  readonly #delay: number | undefined;
  readonly #clock: Clock;
  readonly #items = new Map<string, Stored>();
  #pending: Pending[] = [];
  #processedUpTo: string | null = null;
  #processedAt: string | null = null;
  #fail: Error | null = null;
  /** Calls made, by method (tests check that bad input never reached the binding). */
  readonly calls: Record<string, number> = {};

  constructor(o: VectorizeFakeOptions) {
    this.dimensions = o.dimensions;
    this.metric = o.metric;
    this.#metadataIndexes = [...(o.metadataIndexes ?? [])];
    this.#delay = o.visibilityDelayMs;
    this.#clock = o.clock ?? systemClock;
  }

  /** Like `wrangler vectorize create-metadata-index`: only vectors written from now on are filterable on it. */
  createMetadataIndex(property: string, type: MetadataIndex["type"]): void {
    if (this.#metadataIndexes.length >= 10) throw new Error("VECTOR_METADATA_INDEX_ERROR: at most 10 metadata indexes");
    this.#metadataIndexes.push({ property, type });
  }

  /** Makes the next call fail with `err` (a 5xx, a timeout…). */
  failNext(err: Error): void {
    this.#fail = err;
  }

  /** Applies every pending mutation. */
  process(): void {
    const pending = this.#pending;
    this.#pending = [];
    for (const p of pending) this.#applyOne(p);
  }

  #applyOne(p: Pending): void {
    p.apply();
    this.#processedUpTo = p.mutationId;
    this.#processedAt = new Date(this.#clock.now()).toISOString();
  }

  #enter(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
    if (this.#fail) {
      const err = this.#fail;
      this.#fail = null;
      throw err;
    }
    if (this.#delay === undefined) return;
    const now = this.#clock.now();
    while (this.#pending.length > 0 && (this.#pending[0] as Pending).at + this.#delay <= now) {
      this.#applyOne(this.#pending.shift() as Pending);
    }
  }

  #check<T>(kind: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (isPlatformError(err)) throw new Error(`VECTOR_${kind}_ERROR (code = 40000): ${err.code}: ${err.detail}`);
      throw err;
    }
  }

  #config() {
    return parseOrThrow(IndexConfigSchema, {
      name: "fake",
      dimensions: this.dimensions,
      metric: this.metric,
      metadataIndexes: this.#metadataIndexes,
    });
  }

  #mutate(apply: () => void): { mutationId: string } {
    const mutationId = crypto.randomUUID();
    this.#pending.push({ mutationId, at: this.#clock.now(), apply });
    return { mutationId };
  }

  async describe(): Promise<VectorizeInfoLike> {
    this.#enter("describe");
    return {
      dimensions: this.dimensions,
      vectorCount: this.#items.size,
      processedUpToDatetime: this.#processedAt,
      processedUpToMutation: this.#processedUpTo,
    };
  }

  async insert(vectors: VectorizeVectorLike[]): Promise<{ mutationId: string }> {
    return this.#write("insert", vectors, false);
  }

  async upsert(vectors: VectorizeVectorLike[]): Promise<{ mutationId: string }> {
    return this.#write("upsert", vectors, true);
  }

  #write(method: string, vectors: VectorizeVectorLike[], replace: boolean): { mutationId: string } {
    this.#enter(method);
    const config = this.#config();
    const records = this.#check("WRITE", () => prepareRecords(vectors, config));
    const declared = [...this.#metadataIndexes];
    const stored = records.map((r, i) => {
      const metadata = (vectors[i] as VectorizeVectorLike).metadata;
      return {
        id: r.id,
        s: { values: r.values, norm: r.norm, namespace: r.ns, metadata, indexed: indexedMetadata(metadata, declared) },
      };
    });
    return this.#mutate(() => {
      for (const { id, s } of stored) if (replace || !this.#items.has(id)) this.#items.set(id, s);
    });
  }

  async deleteByIds(ids: string[]): Promise<{ mutationId: string }> {
    this.#enter("deleteByIds");
    const checked = this.#check("DELETE", () => checkIds(ids));
    return this.#mutate(() => {
      for (const id of checked) this.#items.delete(id);
    });
  }

  async getByIds(ids: string[]): Promise<VectorizeVectorLike[]> {
    this.#enter("getByIds");
    const checked = this.#check("GET", () => checkIds(ids, true));
    return checked.flatMap((id) => {
      const s = this.#items.get(id);
      if (!s) return [];
      return [
        {
          id,
          values: Array.from(s.values),
          ...(s.namespace ? { namespace: s.namespace } : {}),
          ...(s.metadata ? { metadata: s.metadata } : {}),
        },
      ];
    });
  }

  async query(
    vector: number[] | Float32Array,
    options: VectorizeQueryOptionsLike = {},
  ): Promise<{ count: number; matches: VectorizeMatchLike[] }> {
    this.#enter("query");
    const config = this.#config();
    const o = this.#check("QUERY", () => parseQueryOptions(options as never, config));
    const q = this.#check("QUERY", () => toFloat32(vector, this.dimensions, this.metric, null));
    const clauses = this.#check("QUERY", () => parseFilter(options.filter, this.#metadataIndexes));
    const qn = l2norm(q);
    const top = new TopK(o.topK);
    for (const [id, s] of this.#items) {
      if (o.namespace !== undefined && s.namespace !== o.namespace) continue;
      if (clauses.length > 0 && !matchesFilter(clauses, s.indexed)) continue;
      top.offer(rankKey(this.metric, scoreAt(this.metric, q, qn, s.values, 0, this.dimensions, s.norm)), id);
    }
    const matches = top.sorted().map(({ key, id }): VectorizeMatchLike => {
      const s = this.#items.get(id) as Stored;
      const m: VectorizeMatchLike = { id, score: this.metric === "cosine" ? -key : key };
      if (s.namespace) m.namespace = s.namespace;
      if (o.returnValues) m.values = Array.from(s.values);
      if (o.returnMetadata === "all") m.metadata = s.metadata ?? {};
      if (o.returnMetadata === "indexed") m.metadata = s.indexed ?? {};
      return m;
    });
    return { count: matches.length, matches };
  }
}
