/**
 * The public types of the Vectorize-compatible API, shared by both backends.
 * @module
 */
import type { Metric } from "./config.ts";

/** Metadata of a vector: a JSON object (≤ 10 KiB compact). */
export type Metadata = Record<string, unknown>;

/** One vector as written and as read back. */
export interface VectorRecord {
  id: string;
  values: number[] | Float32Array;
  namespace?: string;
  metadata?: Metadata;
}

/** What every write returns; local writes are visible when it does. */
export interface Mutation {
  mutationId: string;
}

/** Which metadata a query returns. */
export type ReturnMetadata = "none" | "indexed" | "all";

/** A scalar a filter compares with. */
export type FilterScalar = string | number | boolean;

/** Vectorize's filter syntax: `{ field: value }` or `{ field: { $op: value } }`, keys ANDed. */
export type VectorFilter = Record<
  string,
  | FilterScalar
  | null
  | {
      $eq?: FilterScalar | null;
      $ne?: FilterScalar | null;
      $lt?: FilterScalar;
      $lte?: FilterScalar;
      $gt?: FilterScalar;
      $gte?: FilterScalar;
      $in?: FilterScalar[];
      $nin?: FilterScalar[];
    }
>;

/** Options of a query. */
export interface QueryOptions {
  /** 1–100 (default 5); 1–50 with `returnValues` or `returnMetadata: 'all'`. */
  topK?: number;
  namespace?: string;
  filter?: VectorFilter;
  returnValues?: boolean;
  returnMetadata?: ReturnMetadata | boolean;
  /** Local backend only: lists an IVF query scans (default: the index's `nprobe`). */
  nprobe?: number;
  /** Local backend only: score every vector exactly even when the index is trained. */
  exact?: boolean;
}

/** One match, best first. */
export interface Match {
  id: string;
  score: number;
  namespace?: string;
  values?: number[];
  metadata?: Metadata;
}

/** A query's reply. */
export interface QueryResult {
  count: number;
  matches: Match[];
}

/** How the local backend answers queries: exact, or IVF once trained. */
export type IndexMode = "exact" | "ivf" | "vectorize";

/** What `describe()` reports. */
export interface IndexInfo {
  dimensions: number;
  metric: Metric;
  vectorCount: number;
  /** The last mutation the index reflects (null before the first). */
  processedUpToMutation: string | null;
  mode: IndexMode;
  /** Rows skipped because a stored BLOB has the wrong length. */
  corruptRows: number;
}

/** One vector index: the local backend and the Vectorize adapter implement it alike. */
export interface VectorIndex {
  insert(vectors: VectorRecord[]): Promise<Mutation>;
  upsert(vectors: VectorRecord[]): Promise<Mutation>;
  deleteByIds(ids: string[]): Promise<Mutation>;
  query(vector: number[] | Float32Array, options?: QueryOptions): Promise<QueryResult>;
  getByIds(ids: string[]): Promise<VectorRecord[]>;
  describe(): Promise<IndexInfo>;
}
