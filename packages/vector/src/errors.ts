/**
 * The error codes of @durable/vector and their HTTP statuses. Every error is a `PlatformError`
 * with `[CODE]` in its message, so a caller across RPC reads it with `errorCodeOf`; the local
 * backend and the Vectorize adapter throw the same codes for the same input.
 * @module
 */
import { errorCodes, type PlatformError } from "@durable/core";

/** Every code the vector package throws on purpose, with its status. */
export const VECTOR_ERRORS = errorCodes({
  DIMENSION_MISMATCH: 400,
  INVALID_VECTOR: 400,
  INVALID_DIMENSIONS: 400,
  INVALID_METRIC: 400,
  INVALID_INDEX_NAME: 400,
  INVALID_CONFIG: 400,
  TOO_MANY_METADATA_INDEXES: 400,
  INDEX_EXISTS: 409,
  INDEX_LIMIT: 409,
  INDEX_NOT_FOUND: 404,
  INVALID_ID: 400,
  DUPLICATE_IDS: 400,
  INVALID_METADATA: 400,
  METADATA_TOO_LARGE: 413,
  EMPTY_BATCH: 400,
  BATCH_TOO_LARGE: 413,
  TOO_MANY_IDS: 413,
  INVALID_TOPK: 400,
  INVALID_FILTER: 400,
  FILTER_NOT_INDEXED: 400,
  INVALID_NAMESPACE: 400,
  INVALID_TEXT: 400,
  TEXT_TOO_LONG: 413,
  INVALID_INPUT: 400,
  INVALID_PAIRS: 400,
  EMBEDDER_MISMATCH: 409,
  EMBEDDER_UNAVAILABLE: 503,
  BACKEND_UNAVAILABLE: 503,
  INDEX_NOT_PROVISIONED: 409,
  CONFIG_INVALID: 503,
});

/** A stable error code of the vector package. */
export type VectorErrorCode = keyof typeof VECTOR_ERRORS.statuses;

/**
 * A vector error with its status (the code's own status unless `status` is given).
 * @param code the stable code
 * @param detail the human message
 * @param status the HTTP status, where one call differs from the code's default
 */
export function vectorError(code: VectorErrorCode, detail: string, status?: number): PlatformError<VectorErrorCode> {
  return VECTOR_ERRORS.error(code, detail, status);
}
