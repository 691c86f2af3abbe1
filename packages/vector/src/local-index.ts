/**
 * `VectorIndex` on DO SQLite (the default backend): every call resolves the index by name (a
 * dropped index is a 404 at once), validates the whole call, then runs synchronously; writes
 * are visible when they return.
 * @module
 */
import type { LocalContext } from "./context.ts";
import { type QueryTrace, queryLocal } from "./query.ts";
import { parseQueryOptions } from "./query-options.ts";
import { checkIds, prepareRecords } from "./records.ts";
import type { IndexInfo, Mutation, QueryOptions, QueryResult, VectorIndex, VectorRecord } from "./types.ts";
import { deleteRecords, writeRecords } from "./writes.ts";

/** The local backend's index handle. */
export class LocalVectorIndex implements VectorIndex {
  readonly name: string;
  readonly #ctx: LocalContext;

  constructor(ctx: LocalContext, name: string) {
    this.#ctx = ctx;
    this.name = name;
  }

  async insert(vectors: VectorRecord[]): Promise<Mutation> {
    return this.write(vectors, false);
  }

  async upsert(vectors: VectorRecord[]): Promise<Mutation> {
    return this.write(vectors, true);
  }

  /** Synchronous write (the store's RPC and routes use it directly). */
  write(vectors: unknown, replace: boolean): Mutation {
    const index = this.#ctx.catalog.get(this.name);
    const records = prepareRecords(vectors, index.config);
    return { mutationId: writeRecords(this.#ctx, this.name, records, replace).mutationId };
  }

  async deleteByIds(ids: string[]): Promise<Mutation> {
    this.#ctx.catalog.get(this.name);
    return deleteRecords(this.#ctx, this.name, checkIds(ids));
  }

  async query(vector: number[] | Float32Array, options?: QueryOptions): Promise<QueryResult> {
    return this.querySync(vector, options);
  }

  /** Synchronous query; `trace` reports how it was answered. */
  querySync(vector: unknown, options?: QueryOptions, trace?: QueryTrace): QueryResult {
    const index = this.#ctx.catalog.get(this.name);
    return queryLocal(this.#ctx, index, vector, parseQueryOptions(options, index.config), trace);
  }

  async getByIds(ids: string[]): Promise<VectorRecord[]> {
    const index = this.#ctx.catalog.get(this.name);
    const wanted = checkIds(ids, true);
    if (wanted.length === 0) return [];
    const found = new Map<string, VectorRecord>();
    for (const r of this.#ctx.sql.exec<{ id: string; ns: string; vector: ArrayBuffer; metadata: string | null }>(
      "SELECT id, ns, vector, metadata FROM vec_items WHERE index_id = ? AND id IN (SELECT value FROM json_each(?))",
      index.id,
      JSON.stringify(wanted),
    )) {
      if (r.vector.byteLength !== index.config.dimensions * 4) continue;
      const rec: VectorRecord = { id: r.id, values: Array.from(new Float32Array(r.vector)) };
      if (r.ns) rec.namespace = r.ns;
      if (r.metadata) rec.metadata = JSON.parse(r.metadata);
      found.set(r.id, rec);
    }
    return wanted.flatMap((id) => found.get(id) ?? []);
  }

  async describe(): Promise<IndexInfo> {
    const index = this.#ctx.catalog.get(this.name);
    const { dimensions, metric, ivfThreshold } = index.config;
    const corruptRows = this.#ctx.sql
      .exec<{ n: number }>(
        "SELECT count(*) AS n FROM vec_items WHERE index_id = ? AND (length(vector) != ? OR (code IS NOT NULL AND length(code) != ?))",
        index.id,
        dimensions * 4,
        dimensions,
      )
      .one().n;
    return {
      dimensions,
      metric,
      vectorCount: index.vectorCount,
      processedUpToMutation: index.lastMutation,
      mode: index.generation > 0 && index.vectorCount >= ivfThreshold ? "ivf" : "exact",
      corruptRows,
    };
  }
}
