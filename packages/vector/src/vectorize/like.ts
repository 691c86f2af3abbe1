/**
 * The part of a Cloudflare Vectorize (V2) binding the adapter uses, as a port: the real binding
 * satisfies it, and so does `VectorizeFake` (as `r2BlobStore` takes an `R2BucketLike`).
 * Mutations are asynchronous: each returns a `mutationId`, and `describe()` reports the last one
 * the index reflects.
 * @module
 */

/** A vector as Vectorize takes and returns it. */
export interface VectorizeVectorLike {
  id: string;
  values: number[] | Float32Array | Float64Array;
  namespace?: string;
  metadata?: Record<string, unknown>;
}

/** Query options as Vectorize V2 takes them. */
export interface VectorizeQueryOptionsLike {
  topK?: number;
  namespace?: string;
  returnValues?: boolean;
  returnMetadata?: boolean | "none" | "indexed" | "all";
  filter?: Record<string, unknown>;
}

/** One match of a V2 query. */
export interface VectorizeMatchLike {
  id: string;
  score: number;
  values?: number[];
  namespace?: string;
  metadata?: Record<string, unknown>;
}

/** V2's `describe()`: no metric is reported. */
export interface VectorizeInfoLike {
  dimensions: number;
  vectorCount: number;
  processedUpToDatetime?: number | string | null;
  processedUpToMutation?: string | null;
}

/** A Vectorize V2 index binding, as the adapter calls it. */
export interface VectorizeLike {
  describe(): Promise<VectorizeInfoLike>;
  query(
    vector: number[] | Float32Array,
    options?: VectorizeQueryOptionsLike,
  ): Promise<{ count: number; matches: VectorizeMatchLike[] }>;
  insert(vectors: VectorizeVectorLike[]): Promise<{ mutationId: string }>;
  upsert(vectors: VectorizeVectorLike[]): Promise<{ mutationId: string }>;
  deleteByIds(ids: string[]): Promise<{ mutationId: string }>;
  getByIds(ids: string[]): Promise<VectorizeVectorLike[]>;
}
