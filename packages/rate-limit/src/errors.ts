/**
 * The stable error codes of @durable/rate-limit, the HTTP status of each, and the errors that
 * carry them. The status map lets a caller on the far side of Workers RPC (which keeps only the
 * message) answer with the right status from the `[CODE]` prefix alone.
 * @module
 */
import { errorCodes, type PlatformError } from "@durable/core";

/**
 * Every code this package throws or answers with, and its HTTP status. A code is a promise to
 * callers: never rename one; add a new one.
 */
export const RATE_LIMIT_STATUS = {
  RATE_LIMITED: 429,
  RATE_LIMIT_UNAVAILABLE: 503,
  INVALID_COST: 400,
  INVALID_KEY: 400,
  UNKNOWN_LIMIT: 400,
  UNKNOWN_PLAN: 400,
  BATCH_TOO_LARGE: 400,
  CONFIG_INVALID: 400,
  INVALID_JSON: 400,
  PLAN_READ_ONLY: 409,
  PLAN_IN_USE: 409,
  PLAN_NOT_FOUND: 404,
  TOO_MANY_PLANS: 409,
} as const satisfies Record<string, number>;

const CODES = errorCodes(RATE_LIMIT_STATUS);

/** Every code this package throws or answers with. */
export type RateLimitCode = keyof typeof RATE_LIMIT_STATUS;

/**
 * True when `code` is one of this package's codes (e.g. one read with `errorCodeOf` after RPC).
 * @param code a code, or undefined
 */
export const isRateLimitCode = CODES.is;

/**
 * An error with a rate-limit code and that code's status from {@link RATE_LIMIT_STATUS}.
 * @param code the stable code
 * @param detail a readable message
 */
export function rlError(code: RateLimitCode, detail: string): PlatformError<RateLimitCode> {
  return CODES.error(code, detail);
}
