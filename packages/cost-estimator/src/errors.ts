/**
 * The error codes of the cost estimator and small constructors for them. Every error is a
 * `PlatformError` with `[CODE]` in its message, so callers over RPC read it with `errorCodeOf`.
 * @module
 */
import { PlatformError } from "@durable/core";

/** Every code the estimator throws on purpose (`TABLE_NOT_FOUND` and `INVALID_PREDICATE` are the tables' codes). */
export type EstimatorErrorCode =
  | "TABLE_NOT_FOUND"
  | "UNKNOWN_COLUMN"
  | "INVALID_PREDICATE"
  | "UNHASHABLE_VALUE"
  | "INVALID_FEEDBACK"
  | "INVALID_CALIBRATION"
  | "INVALID_SKETCH_PARAMS"
  | "SKETCH_CORRUPT";

/** The codes, for callers that switch on them. */
export const ESTIMATOR_ERROR_CODES: readonly EstimatorErrorCode[] = [
  "TABLE_NOT_FOUND",
  "UNKNOWN_COLUMN",
  "INVALID_PREDICATE",
  "UNHASHABLE_VALUE",
  "INVALID_FEEDBACK",
  "INVALID_CALIBRATION",
  "INVALID_SKETCH_PARAMS",
  "SKETCH_CORRUPT",
];

/**
 * An estimator error with its HTTP status.
 * @param code the stable code
 * @param detail the human message
 * @param status 400 unless the issue names another
 */
export function estimatorError(
  code: EstimatorErrorCode,
  detail: string,
  status = 400,
): PlatformError<EstimatorErrorCode> {
  return new PlatformError(code, detail, { status });
}

/** 400 SKETCH_CORRUPT: bytes that do not decode as the sketch they claim to be. */
export const sketchCorrupt = (detail: string) => estimatorError("SKETCH_CORRUPT", detail, 400);

/** 400 INVALID_SKETCH_PARAMS. */
export const invalidSketchParams = (detail: string) => estimatorError("INVALID_SKETCH_PARAMS", detail, 400);

/** 400 UNHASHABLE_VALUE. */
export const unhashable = (detail: string) => estimatorError("UNHASHABLE_VALUE", detail, 400);
