/**
 * The stable error codes of @durable/rate-limit and the errors that carry them.
 * @module
 */
import { PlatformError } from "@durable/core";

/** Every code this package throws or answers with. */
export type RateLimitCode =
  | "RATE_LIMITED"
  | "RATE_LIMIT_UNAVAILABLE"
  | "INVALID_COST"
  | "INVALID_KEY"
  | "UNKNOWN_LIMIT"
  | "UNKNOWN_PLAN"
  | "BATCH_TOO_LARGE"
  | "INVALID_CONFIG"
  | "INVALID_JSON"
  | "PLAN_READ_ONLY"
  | "PLAN_IN_USE"
  | "PLAN_NOT_FOUND"
  | "TOO_MANY_PLANS";

/**
 * A 400 (or other status) with a rate-limit code.
 * @param code the stable code
 * @param detail a readable message
 * @param status HTTP status (default 400)
 */
export function rlError(code: RateLimitCode, detail: string, status = 400): PlatformError<RateLimitCode> {
  return new PlatformError(code, detail, { status });
}
