/**
 * The vector capability's API: one method per route, what the routes call and what DOBase
 * serves as the `vector` RPC target. In the platform every vector lives in the tenant's
 * namespace: a record or query naming another is 400 `INVALID_NAMESPACE`.
 * @module
 */
import type { Calibration, LabelledPair } from "./embed/calibrate.ts";
import { calibrateThreshold } from "./embed/calibrate.ts";
import { checkTexts } from "./embed/embedder.ts";
import { vectorError } from "./errors.ts";
import { VECTOR_LIMITS as L } from "./limits.ts";
import { parseQueryOptions } from "./query-options.ts";
import { checkMetadata } from "./records.ts";
import type { IndexSummary, VectorStore } from "./store.ts";
import type { Metadata, Mutation, QueryOptions, QueryResult, VectorRecord } from "./types.ts";

/** A text to embed and store. */
export interface TextItem {
  id: string;
  text: string;
  metadata?: Metadata;
}

/** What another Worker calls on a tenant DO's `vector` RPC target. */
export interface VectorApi {
  createVectorIndex(config: unknown): Promise<IndexSummary>;
  listVectorIndexes(): Promise<IndexSummary[]>;
  describeVectorIndex(name: string): Promise<IndexSummary>;
  deleteVectorIndex(name: string): { name: string; deleted: true };
  insertVectors(name: string, vectors: VectorRecord[]): Promise<Mutation>;
  upsertVectors(name: string, vectors: VectorRecord[]): Promise<Mutation>;
  upsertText(name: string, items: TextItem[]): Promise<Mutation>;
  getVectorsByIds(name: string, ids: string[]): Promise<VectorRecord[]>;
  deleteVectorsByIds(name: string, ids: string[]): Promise<Mutation>;
  queryVectors(name: string, vector: number[] | Float32Array, options?: QueryOptions): Promise<QueryResult>;
  searchText(name: string, text: string, options?: QueryOptions): Promise<QueryResult>;
  calibrate(pairs: LabelledPair[]): Promise<Calibration>;
}

/** Options of {@link vectorApi}. */
export interface VectorApiOptions {
  /** The namespace every vector and query is bound to (the tenant), or none. */
  namespace?: () => string | null;
}

/** The API over a store. */
export function vectorApi(store: VectorStore, o: VectorApiOptions = {}): VectorApi {
  const fixed = () => o.namespace?.() ?? undefined;
  const scopeRecords = (vectors: unknown): unknown => {
    const ns = fixed();
    if (ns === undefined || !Array.isArray(vectors)) return vectors;
    return vectors.map((v: unknown, i) => {
      if (v === null || typeof v !== "object") return v;
      const r = v as VectorRecord;
      if (r.namespace !== undefined && r.namespace !== ns) {
        throw vectorError("INVALID_NAMESPACE", `vectors[${i}].namespace: vectors here live in the tenant's namespace`);
      }
      return { ...r, namespace: ns };
    });
  };
  const scopeQuery = (options: QueryOptions | undefined): QueryOptions => {
    const ns = fixed();
    const opts = (options ?? {}) as QueryOptions;
    if (ns === undefined) return opts;
    if (opts.namespace !== undefined && opts.namespace !== ns) {
      throw vectorError("INVALID_NAMESPACE", "namespace: queries here read the tenant's namespace");
    }
    return { ...opts, namespace: ns };
  };
  const embedderFor = (name: string) => {
    const config = store.config(name);
    if (!config.embedder || !store.embedder || config.embedder !== store.embedder.model) {
      throw vectorError(
        "EMBEDDER_MISMATCH",
        `index ${name} uses embedder ${config.embedder ?? "(none)"}; the active embedder is ${store.embedder?.model ?? "(none)"}`,
      );
    }
    return store.embedder;
  };
  return {
    createVectorIndex: (config) => store.create(config),
    listVectorIndexes: () => store.list(),
    describeVectorIndex: (name) => store.summary(name),
    deleteVectorIndex: (name) => {
      store.drop(name);
      return { name, deleted: true };
    },
    insertVectors: (name, vectors) => store.index(name).insert(scopeRecords(vectors) as VectorRecord[]),
    upsertVectors: (name, vectors) => store.index(name).upsert(scopeRecords(vectors) as VectorRecord[]),
    upsertText: async (name, items) => {
      if (!Array.isArray(items)) throw vectorError("INVALID_INPUT", "items must be an array");
      if (items.length > L.maxTextsPerCall) {
        throw vectorError("BATCH_TOO_LARGE", `at most ${L.maxTextsPerCall} texts per call, got ${items.length}`);
      }
      const index = store.index(name);
      const embedder = embedderFor(name);
      const texts = checkTexts(
        items.map((it) => (it as TextItem | null)?.text),
        "items.text",
      );
      items.forEach((it, i) => {
        checkMetadata(it.metadata, i);
      });
      const vectors = await embedder.embed(texts);
      const records = items.map((it, i) => ({
        id: it.id,
        values: vectors[i] as Float32Array,
        ...(it.metadata === undefined ? {} : { metadata: it.metadata }),
      }));
      return index.upsert(scopeRecords(records) as VectorRecord[]);
    },
    getVectorsByIds: (name, ids) => store.index(name).getByIds(ids),
    deleteVectorsByIds: (name, ids) => store.index(name).deleteByIds(ids),
    queryVectors: (name, vector, options) => store.index(name).query(vector, scopeQuery(options)),
    searchText: async (name, text, options) => {
      const index = store.index(name);
      const embedder = embedderFor(name);
      const opts = scopeQuery(options);
      parseQueryOptions(opts, store.config(name));
      const [vector] = await embedder.embed(checkTexts([text], "text"));
      return index.query(vector as Float32Array, opts);
    },
    calibrate: (pairs) => calibrateThreshold(pairs, store.embedder ? { embedder: store.embedder } : {}),
  };
}
