/**
 * @durable/core: the shared ports of the Durable Data Platform.
 *
 * Every package is written against these: `Sql` and `TransactionSync` (DO SQLite or the
 * better-sqlite3 adapter from `@durable/core/node`), `Clock`, `BlobStore`, `Wake`, the
 * `Background`, the `Capability` contract, migrations, typed errors and zod helpers.
 * @module
 */

export { type Background, CollectingBackground } from "./background.ts";
export type { BlobInfo, BlobList, BlobListOptions, BlobRange, BlobStore, R2BucketLike } from "./blob-store.ts";
export { MemoryBlobStore, r2BlobStore } from "./blob-store.ts";
export type {
  AlarmOwner,
  AlarmOwnerDefinition,
  AlarmOwnerPorts,
  AlarmPort,
  Capability,
  CapabilityDefinition,
  CapabilityPorts,
  GateDecision,
  GateRequest,
  HttpMethod,
  Remote,
  RequestGate,
  RequiredCapabilities,
  Route,
  RouteRequest,
  RouteResult,
  RowChange,
} from "./capability.ts";
export { type Clock, ManualClock, systemClock } from "./clock.ts";
export { Composition, type HostPorts } from "./composition.ts";
export {
  conflict,
  type ErrorCodes,
  errorCodeOf,
  errorCodes,
  fromRemoteError,
  isPlatformError,
  notFound,
  PlatformError,
  type PlatformErrorOptions,
} from "./errors.ts";
export { checksum, fnv1a32 } from "./hash.ts";
export { errorResponse, json } from "./http.ts";
export { IdGenerator, newId } from "./ids.ts";
export {
  CURSOR_VERSION,
  decodeCursor,
  encodeCursor,
  type KeysetDirection,
  type KeysetPosition,
  type KeysetSpec,
  keysetAfter,
  keysetOrderBy,
  keysetPositionOf,
} from "./keyset.ts";
export { type Migration, type MigrationReport, type MigrationSet, runMigrations } from "./migrations.ts";
export {
  type ComparisonOp,
  type CompiledPredicate,
  type CompileOptions,
  compilePredicate,
  likePrefix,
  likeToGlob,
  PREDICATE_LIMITS,
  type Predicate,
  PredicateLeafSchema,
  PredicateSchema,
  type PredicateValue,
  parsePredicate,
  predicateStats,
  type ResolvedColumn,
} from "./predicate.ts";
export { compareText, comparisonHolds, evaluatePredicate, likeToRegExp } from "./predicate-eval.ts";
export {
  SQL_LIMITS,
  type Sql,
  type SqlBinding,
  type SqlCursor,
  type SqlRow,
  type SqlValue,
  type StoragePorts,
  type TransactionSync,
} from "./sql.ts";
export {
  ARROW_STREAM,
  type ColumnCatalog,
  catalogColumnTypes,
  isTabular,
  JSON_MEDIA_TYPE,
  negotiateFormat,
  TABULAR_MEDIA_TYPES,
  type TabularColumn,
  type TabularFormat,
  type TabularInit,
  TabularResult,
  type TabularRow,
  type TabularType,
  tabular,
} from "./tabular.ts";
export { type AnySchema, describeZodError, formatPath, parseOrThrow, safeParse } from "./validation.ts";
export { scopedWake, type Wake, type WakeEvent, type WakeRouter } from "./wake.ts";
