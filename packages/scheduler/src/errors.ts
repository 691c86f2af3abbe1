/**
 * Stable error codes of the scheduler and the error a handler throws to stop retrying.
 * @module
 */
import { errorCodes, type PlatformError } from "@durable/core";

/**
 * Every code the scheduler throws or records, and the HTTP status of each. The map lets a caller
 * on the far side of Workers RPC (which keeps only the message) answer with the right status from
 * the `[CODE]` prefix alone. The last three are dead-letter codes, never thrown to a caller.
 */
export const SCHEDULER_STATUS = {
  INVALID_CRON: 400,
  INVALID_TIMEZONE: 400,
  INVALID_SCHEDULE: 400,
  UNKNOWN_HANDLER: 400,
  INVALID_PAYLOAD: 400,
  PAYLOAD_TOO_LARGE: 413,
  SCHEDULE_CONFLICT: 409,
  SCHEDULE_LIMIT: 409,
  NOT_FOUND: 404,
  DAG_INVALID: 400,
  DAG_CYCLE: 400,
  HANDLER_EXISTS: 409,
  CONFIG_INVALID: 400,
  HANDLER_MISSING: 500,
  RETRIES_EXHAUSTED: 500,
  NON_RETRYABLE: 500,
} as const satisfies Record<string, number>;

const CODES = errorCodes(SCHEDULER_STATUS);

/** Every code the scheduler throws or records. */
export type SchedulerCode = keyof typeof SCHEDULER_STATUS;

/**
 * True when `code` is one of the scheduler's codes (e.g. one read with `errorCodeOf` after RPC).
 * @param code a code, or undefined
 */
export const isSchedulerCode = CODES.is;

/**
 * A scheduler error with its HTTP status.
 * @param code stable code
 * @param detail human-readable message
 * @param status HTTP status (default: the code's, from {@link SCHEDULER_STATUS})
 */
export function schedError(code: SchedulerCode, detail: string, status?: number): PlatformError<SchedulerCode> {
  return CODES.error(code, detail, status);
}

/**
 * Thrown by a handler or task step to fail at once, without the remaining retries: the run
 * goes straight to a dead letter (or fails its DAG task).
 * @example
 * throw new NonRetryableError("customer deleted");
 */
export class NonRetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NonRetryableError";
  }
}

const utf8 = new TextEncoder();

/** The message of anything thrown, cut to `maxBytes` of UTF-8 (history keeps ≤ 2 KB). */
export function errorText(err: unknown, maxBytes = 2048): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  if (text.length * 3 <= maxBytes || utf8.encode(text).length <= maxBytes) return text;
  // Keep whole code points while the cut text and the ellipsis (3 bytes) fit.
  let bytes = 3;
  let out = "";
  for (const ch of text.slice(0, maxBytes)) {
    const n = utf8.encode(ch).length;
    if (bytes + n > maxBytes) break;
    bytes += n;
    out += ch;
  }
  return `${out}…`;
}
