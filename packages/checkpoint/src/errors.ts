/**
 * Stable error codes of the checkpoint package, declared once with their HTTP statuses so a
 * caller across Workers RPC (which keeps only the `[CODE]` prefix) answers with the right one.
 * @module
 */
import { errorCodes } from "@durable/core";

/** Every code the checkpoint package throws, and its HTTP status. */
export const CHECKPOINT_STATUS = {
  INVALID_INPUT: 400,
  INVALID_CURSOR: 400,
  NOT_FOUND: 404,
  NO_CHECKPOINT: 404,
  CHECKPOINT_BUSY: 409,
  CHECKPOINT_CORRUPT: 409,
  CHECKPOINT_SCHEMA_MISMATCH: 409,
  NO_PARTICIPANTS: 409,
  STALE_FENCING_TOKEN: 409,
  CHECKPOINT_TOO_LARGE: 413,
  MESSAGE_TOO_LARGE: 413,
  RECOVERING: 503,
  TENANT_MISMATCH: 403,
  CONFIG_INVALID: 400,
} as const satisfies Record<string, number>;

/** A code of the checkpoint package. */
export type CheckpointCode = keyof typeof CHECKPOINT_STATUS;

/**
 * The package's codes: `ckptError.error(code, detail)` builds a `PlatformError` with the code's
 * status; `ckptError.is(code)` recognises one read back with `errorCodeOf` after RPC.
 * @example
 * throw ckptError.error("CHECKPOINT_BUSY", "a restore is running");
 */
export const ckptError = errorCodes(CHECKPOINT_STATUS);
