/**
 * `VectorIndex` over a Vectorize binding. It checks every limit before calling (so bad input
 * gets the same codes as on the local backend and never reaches Vectorize), maps a failing or
 * slow binding to 503 `BACKEND_UNAVAILABLE`, checks on first use that the binding's
 * `describe()` matches the configuration (409 `INDEX_NOT_PROVISIONED`), and, given a scope,
 * forces the tenant's namespace and hashes ids per tenant.
 * @module
 */
import { PlatformError } from "@durable/core";
import { type IndexConfig, type IndexConfigInput, parseIndexConfig } from "../config.ts";
import { vectorError } from "../errors.ts";
import { parseQueryOptions } from "../query-options.ts";
import { checkIds, prepareRecords, toFloat32 } from "../records.ts";
import type { IndexInfo, Match, Mutation, QueryOptions, QueryResult, VectorIndex, VectorRecord } from "../types.ts";
import type { VectorizeIdMap } from "./id-map.ts";
import type { VectorizeLike, VectorizeVectorLike } from "./like.ts";

/** Where an adapter writes: the tenant's namespace and id map (the platform), or nothing. */
export interface VectorizeScope {
  /** Every vector goes to, and every query reads, this namespace. */
  namespace?: string;
  /** Ids stored as per-tenant hashes. */
  ids?: VectorizeIdMap;
  /** A call slower than this is a 503 (default 10 s). */
  timeoutMs?: number;
}

function unavailable(err: unknown): PlatformError {
  if (err instanceof PlatformError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return vectorError("BACKEND_UNAVAILABLE", `Vectorize failed: ${msg.slice(0, 200)}`);
}

async function guarded<T>(call: () => Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(vectorError("BACKEND_UNAVAILABLE", `Vectorize did not answer in ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([call(), timeout]);
  } catch (err) {
    throw unavailable(err);
  } finally {
    clearTimeout(timer);
  }
}

/** The adapter. */
export class VectorizeIndex implements VectorIndex {
  readonly config: IndexConfig;
  readonly #binding: VectorizeLike;
  readonly #scope: VectorizeScope;
  #checked = false;

  constructor(binding: VectorizeLike, config: IndexConfigInput, scope: VectorizeScope = {}) {
    this.#binding = binding;
    this.config = parseIndexConfig(config);
    this.#scope = scope;
  }

  #call<T>(fn: () => Promise<T>): Promise<T> {
    return guarded(fn, this.#scope.timeoutMs ?? 10_000);
  }

  /** First use: the binding must have this index's dimensions. */
  async #ready(): Promise<void> {
    if (this.#checked) return;
    const info = await this.#call(() => this.#binding.describe());
    if (info.dimensions !== this.config.dimensions) {
      throw vectorError(
        "INDEX_NOT_PROVISIONED",
        `Vectorize index for ${this.config.name} has ${info.dimensions} dimensions, the configuration ${this.config.dimensions}`,
      );
    }
    this.#checked = true;
  }

  async insert(vectors: VectorRecord[]): Promise<Mutation> {
    return this.#write(vectors, "insert");
  }

  async upsert(vectors: VectorRecord[]): Promise<Mutation> {
    return this.#write(vectors, "upsert");
  }

  async #write(vectors: VectorRecord[], kind: "insert" | "upsert"): Promise<Mutation> {
    const records = prepareRecords(this.#scoped(vectors), this.config);
    await this.#ready();
    const ids = this.#scope.ids ? await this.#scope.ids.hashes(records.map((r) => r.id)) : records.map((r) => r.id);
    const out: VectorizeVectorLike[] = records.map((r, i) => ({
      id: ids[i] as string,
      values: Array.from(r.values),
      ...(r.ns ? { namespace: r.ns } : {}),
      ...(r.metadata ? { metadata: JSON.parse(r.metadata) } : {}),
    }));
    const result = await this.#call(() => this.#binding[kind](out));
    this.#scope.ids?.remember(records.map((r, i) => [ids[i] as string, r.id] as const));
    return { mutationId: result.mutationId };
  }

  #scoped(vectors: unknown): unknown {
    const ns = this.#scope.namespace;
    if (ns === undefined || !Array.isArray(vectors)) return vectors;
    return vectors.map((v: unknown) => {
      if (v === null || typeof v !== "object") return v;
      const r = v as VectorRecord;
      if (r.namespace !== undefined && r.namespace !== ns) {
        throw vectorError("INVALID_NAMESPACE", `vectors here live in namespace ${ns}, not ${String(r.namespace)}`);
      }
      return { ...r, namespace: ns };
    });
  }

  async deleteByIds(ids: string[]): Promise<Mutation> {
    const checked = checkIds(ids);
    await this.#ready();
    const stored = this.#scope.ids ? await this.#scope.ids.hashes(checked) : checked;
    const result = await this.#call(() => this.#binding.deleteByIds(stored));
    this.#scope.ids?.forget(stored);
    return { mutationId: result.mutationId };
  }

  async query(vector: number[] | Float32Array, options: QueryOptions = {}): Promise<QueryResult> {
    const ns = this.#scope.namespace;
    if (ns !== undefined && options.namespace !== undefined && options.namespace !== ns) {
      throw vectorError("INVALID_NAMESPACE", `queries here read namespace ${ns}`);
    }
    const o = parseQueryOptions({ ...options, ...(ns === undefined ? {} : { namespace: ns }) }, this.config);
    const q = toFloat32(vector, this.config.dimensions, this.config.metric, null);
    await this.#ready();
    const reply = await this.#call(() =>
      this.#binding.query(Array.from(q), {
        topK: o.topK,
        returnValues: o.returnValues,
        returnMetadata: o.returnMetadata,
        ...(o.namespace === undefined ? {} : { namespace: o.namespace }),
        ...(options.filter === undefined ? {} : { filter: options.filter as Record<string, unknown> }),
      }),
    );
    const names = this.#scope.ids?.lookup(reply.matches.map((m) => m.id));
    const matches = reply.matches.flatMap((m): Match[] => {
      const id = names ? names.get(m.id) : m.id;
      if (id === undefined) return [];
      return [{ ...m, id }];
    });
    return { count: matches.length, matches };
  }

  async getByIds(ids: string[]): Promise<VectorRecord[]> {
    const checked = checkIds(ids, true);
    if (checked.length === 0) return [];
    await this.#ready();
    const stored = this.#scope.ids ? await this.#scope.ids.hashes(checked) : checked;
    const found = await this.#call(() => this.#binding.getByIds(stored));
    const names = this.#scope.ids?.lookup(found.map((v) => v.id));
    return found.flatMap((v): VectorRecord[] => {
      const id = names ? names.get(v.id) : v.id;
      if (id === undefined) return [];
      return [{ ...v, id, values: Array.from(v.values) }];
    });
  }

  async describe(): Promise<IndexInfo> {
    await this.#ready();
    const info = await this.#call(() => this.#binding.describe());
    return {
      dimensions: info.dimensions,
      metric: this.config.metric,
      vectorCount: info.vectorCount,
      processedUpToMutation: info.processedUpToMutation ?? null,
      mode: "vectorize",
      corruptRows: 0,
    };
  }
}

/**
 * A `VectorIndex` on Vectorize.
 * @param binding the Vectorize binding (or `VectorizeFake`)
 * @param config the index configuration (item 2; the IVF knobs are ignored)
 * @param scope the tenant's namespace and id map, in the platform
 */
export function vectorizeIndex(binding: VectorizeLike, config: IndexConfigInput, scope?: VectorizeScope): VectorIndex {
  return new VectorizeIndex(binding, config, scope);
}
