/**
 * The limits of Cloudflare Vectorize (V2) that both backends enforce, and the local backend's
 * own defaults. One table, so the adapter checks exactly what the local backend checks.
 * @module
 */

/** Limits and defaults, by name. */
export const VECTOR_LIMITS = {
  maxIndexNameBytes: 64,
  minDimensions: 1,
  maxDimensions: 1536,
  maxMetadataIndexes: 10,
  maxIndexesPerStore: 16,
  maxIdBytes: 64,
  maxNamespaceBytes: 64,
  maxNamespacesPerIndex: 50_000,
  maxMetadataBytes: 10 * 1024,
  maxVectorsPerWrite: 1000,
  maxIdsPerCall: 100,
  defaultTopK: 5,
  maxTopK: 100,
  /** With `returnValues: true` or `returnMetadata: 'all'`. */
  maxTopKWithData: 50,
  maxFilterBytes: 2048,
  maxFilterKeyChars: 512,
  /** Indexed string metadata is compared on this many leading bytes. */
  indexedStringBytes: 64,
  maxTextsPerCall: 100,
  maxTextBytes: 8 * 1024,
  maxCalibrationPairs: 1000,
  defaultIvfThreshold: 5000,
  defaultNprobe: 16,
  /** Training: vectors read per wake-up chunk. */
  trainChunkVectors: 5000,
  /** Training: multiply-adds per wake-up chunk. */
  trainChunkMultiplyAdds: 1e9,
  trainSampleSize: 10_000,
  maxLloydIterations: 25,
  /** Lloyd stops when fewer than this share of the sample changed list. */
  convergedShare: 0.001,
  minLists: 16,
  maxLists: 1024,
  /** Retrain when the index holds this many times the vectors it was trained on. */
  retrainFactor: 4,
  /** Rows a drop deletes per wake-up. */
  dropChunkRows: 5000,
  /** Module-level cache budget for every vector cache of the isolate. */
  defaultCacheBytes: 48 * 1024 * 1024,
} as const;

/** The rerank width of an IVF query: max(10 × topK, 100) unless the index sets one. */
export function defaultRerank(topK: number): number {
  return Math.max(10 * topK, 100);
}
