/**
 * The error codes of pre-agg, declared once with their HTTP statuses. `TABLE_NOT_FOUND` and
 * `INVALID_PREDICATE` keep the tables' and core's meaning.
 * @module
 */
import { errorCodes } from "@durable/core";

/** Every code pre-agg throws on purpose, with its status. */
export const PREAGG = errorCodes({
  INVALID_ROLLUP: 400,
  INVALID_QUERY: 400,
  INVALID_PREDICATE: 400,
  TABLE_NOT_FOUND: 404,
  ROLLUP_NOT_FOUND: 404,
  ROLLUP_EXISTS: 409,
  ROLLUP_LIMIT: 409,
  NO_MATCHING_ROLLUP: 409,
  TABLE_IN_USE: 409,
  RESULT_TOO_LARGE: 413,
  SCAN_TOO_LARGE: 413,
  PARTITION_UNAVAILABLE: 503,
  STATE_CORRUPT: 500,
  NON_RETRYABLE: 400,
});

/** A pre-agg error code. */
export type PreAggErrorCode = keyof typeof PREAGG.statuses;

/** 400 INVALID_ROLLUP naming the path of the bad field. */
export const invalidRollup = (path: string, detail: string) =>
  PREAGG.error("INVALID_ROLLUP", path ? `${path}: ${detail}` : detail);

/** 400 INVALID_QUERY naming the path of the bad field. */
export const invalidQuery = (path: string, detail: string) =>
  PREAGG.error("INVALID_QUERY", path ? `${path}: ${detail}` : detail);

/** A state blob that does not decode (never reaches a client: the partition turns dirty). */
export const stateCorrupt = (detail: string) => PREAGG.error("STATE_CORRUPT", detail);
