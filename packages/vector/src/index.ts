/**
 * @durable/vector: vector search with a Vectorize-compatible API, in the tenant's DO (exact
 * search, then IVF with int8 lists once trained) or on Cloudflare Vectorize. Exports the store,
 * the capability, the Vectorize adapter and fake, the embedders, calibration, the config
 * schema, limits and error codes. The contract suite is in `@durable/vector/testing`.
 * @module
 */
export { type TextItem, type VectorApi, vectorApi } from "./api.ts";
export {
  VECTOR,
  type VectorCapability,
  type VectorCapabilityOptions,
  vectorCapability,
} from "./capability.ts";
export {
  type IndexConfig,
  type IndexConfigInput,
  IndexConfigSchema,
  METRICS,
  type MetadataIndex,
  type Metric,
  parseIndexConfig,
} from "./config.ts";
export {
  type Calibration,
  type CalibrationStep,
  calibrateThreshold,
  type LabelledPair,
  THRESHOLD_DEFAULTS,
} from "./embed/calibrate.ts";
export { checkText, checkTexts, type Embedder } from "./embed/embedder.ts";
export { LEXICAL_MODEL, LexicalHashEmbedder } from "./embed/lexical.ts";
export { type AiLike, BGE_BASE, WorkersAiEmbedder, type WorkersAiEmbedderOptions } from "./embed/workers-ai.ts";
export { VECTOR_ERRORS, type VectorErrorCode, vectorError } from "./errors.ts";
export { type FilterClause, matchesFilter, parseFilter } from "./filter.ts";
export { defaultRerank, VECTOR_LIMITS } from "./limits.ts";
export { LocalVectorIndex } from "./local-index.ts";
export { VECTOR_MIGRATIONS } from "./migrations.ts";
export type { QueryTrace } from "./query.ts";
export { LARGE_BODY_BYTES, SMALL_BODY_BYTES } from "./routes.ts";
export { sharedVectorCache, VectorCache } from "./search/cache.ts";
export { BLOCK_ROWS, scoreBlock } from "./search/exact.ts";
export { dot4At, dotAll, dotAt, dotInt8At, l2sqAt } from "./search/kernels.ts";
export { Quantizer } from "./search/quantizer.ts";
export { TopK } from "./search/top-k.ts";
export {
  createVectorStore,
  type IndexSummary,
  type VectorBackend,
  VectorStore,
  type VectorStoreOptions,
  type VectorStorePorts,
} from "./store.ts";
export { seededRandom } from "./train/kmeans.ts";
export type {
  FilterScalar,
  IndexInfo,
  IndexMode,
  Match,
  Metadata,
  Mutation,
  QueryOptions,
  QueryResult,
  ReturnMetadata,
  VectorFilter,
  VectorIndex,
  VectorRecord,
} from "./types.ts";
export { VectorizeIndex, type VectorizeScope, vectorizeIndex } from "./vectorize/adapter.ts";
export { VectorizeFake, type VectorizeFakeOptions } from "./vectorize/fake.ts";
export { hashedId, VectorizeIdMap } from "./vectorize/id-map.ts";
export type {
  VectorizeInfoLike,
  VectorizeLike,
  VectorizeMatchLike,
  VectorizeQueryOptionsLike,
  VectorizeVectorLike,
} from "./vectorize/like.ts";
