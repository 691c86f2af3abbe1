/**
 * Stable error codes of the scheduler and the error a handler throws to stop retrying.
 * @module
 */
import { PlatformError } from "@durable/core";

/** Every code the scheduler throws or records. */
export type SchedulerCode =
  | "INVALID_CRON"
  | "INVALID_TIMEZONE"
  | "INVALID_SCHEDULE"
  | "UNKNOWN_HANDLER"
  | "INVALID_PAYLOAD"
  | "PAYLOAD_TOO_LARGE"
  | "SCHEDULE_CONFLICT"
  | "SCHEDULE_LIMIT"
  | "NOT_FOUND"
  | "DAG_INVALID"
  | "DAG_CYCLE"
  | "HANDLER_EXISTS"
  | "HANDLER_MISSING"
  | "RETRIES_EXHAUSTED"
  | "NON_RETRYABLE"
  | "CONFIG_INVALID";

/**
 * A scheduler error with its HTTP status.
 * @param code stable code
 * @param detail human-readable message
 * @param status HTTP status (default 400)
 */
export function schedError(code: SchedulerCode, detail: string, status = 400): PlatformError<SchedulerCode> {
  return new PlatformError(code, detail, { status });
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
