/**
 * The error codes of the cdc capability. Each is a {@link PlatformError} whose `[CODE]` prefix
 * survives RPC; the triggers raise `[CDC_BACKLOG_FULL]` themselves so that even a raw write
 * outside the wrapper carries a code `errorCodeOf` can read.
 * @module
 */
import { PlatformError } from "@durable/core";

/** Every code the cdc capability throws on purpose. */
export type CdcCode =
  | "INVALID_TABLE"
  | "TABLE_NOT_FOUND"
  | "ALREADY_TRACKED"
  | "NOT_TRACKED"
  | "SNAPSHOT_TOO_LARGE"
  | "INVALID_CONSUMER"
  | "INVALID_PREDICATE"
  | "INVALID_FILTER"
  | "UNKNOWN_BINDING"
  | "CONSUMER_EXISTS"
  | "CONSUMER_NOT_FOUND"
  | "NOT_A_PULL_CONSUMER"
  | "INVALID_INPUT"
  | "LSN_PURGED"
  | "INVALID_OFFSET"
  | "OFFSET_REGRESSION"
  | "SCHEMA_NOT_FOUND"
  | "CDC_BACKLOG_FULL"
  | "CDC_ROW_TOO_LARGE"
  | "EVENT_TOO_LARGE"
  | "DECODE_FAILED"
  | "SINK_FAILED"
  | "CONFIG_INVALID";

/**
 * A cdc error with its HTTP status.
 * @param code the stable code
 * @param detail the human message
 * @param status HTTP status (default 400)
 * @param headers extra response headers (`retry-after`)
 */
export function cdcError(
  code: CdcCode,
  detail: string,
  status = 400,
  headers: Record<string, string> = {},
): PlatformError<CdcCode> {
  return new PlatformError(code, detail, { status, headers });
}
