/**
 * The error codes of the query router, declared once with their HTTP statuses. Every error is a
 * `PlatformError` with `[CODE]` in its message, so a caller across RPC reads it back with
 * `errorCodeOf` / `fromRemoteError`. `TABLE_NOT_FOUND`, `INVALID_PREDICATE` are the tables' codes.
 * @module
 */
import { errorCodes, type PlatformError } from "@durable/core";

/** Every code the router throws on purpose, with its status. A code is never renamed. */
export const QR_ERRORS = errorCodes({
  UNKNOWN_FRESHNESS: 400,
  INVALID_STALENESS: 400,
  CONFLICTING_STALENESS: 400,
  TABLE_NOT_FOUND: 404,
  UNKNOWN_FIELD: 400,
  INVALID_PREDICATE: 400,
  INVALID_QUERY: 400,
  EMPTY_QUERY: 400,
  INVALID_LIMIT: 400,
  QUERY_TOO_LARGE: 413,
  TOO_MANY_TARGETS: 400,
  UNSUPPORTED_JOIN: 400,
  JOIN_TOO_LARGE: 413,
  AGGREGATES_ONLY: 400,
  CONSENT_REQUIRED: 403,
  SOURCE_UNAVAILABLE: 503,
  FANOUT_FAILED: 503,
  DEADLINE_EXCEEDED: 503,
  CIRCUIT_OPEN: 503,
  TARGET_TIMEOUT: 504,
  ABORTED: 503,
  GROUP_LIMIT_EXCEEDED: 413,
  ROLLUP_UNREADABLE: 503,
  INVALID_SETTINGS: 400,
  INVALID_SHARDS: 400,
  CONFIG_INVALID: 400,
});

/** A code of the router. */
export type QueryRouterErrorCode = keyof typeof QR_ERRORS.statuses;

/** The codes, for callers that switch on them. */
export const QUERY_ROUTER_ERROR_CODES = Object.keys(QR_ERRORS.statuses) as QueryRouterErrorCode[];

/**
 * True when `code` (e.g. read with `errorCodeOf` after RPC) is one of the router's codes.
 * @example if (isQueryRouterErrorCode(errorCodeOf(err))) …
 */
export function isQueryRouterErrorCode(code: string | undefined): code is QueryRouterErrorCode {
  return QR_ERRORS.is(code);
}

/** A router error with the status of its code (or `status`). */
export function qrError(code: QueryRouterErrorCode, detail: string, status?: number): PlatformError {
  return QR_ERRORS.error(code, detail, status);
}
