/**
 * The error codes of the tables capability and small constructors for them.
 * @module
 */
import { PlatformError } from "@durable/core";

/** Every code the tables capability throws on purpose. */
export type TablesErrorCode =
  | "INVALID_SCHEMA"
  | "TABLE_EXISTS"
  | "TABLE_LIMIT"
  | "TABLE_NOT_FOUND"
  | "TABLE_IN_USE"
  | "INVALID_ROW"
  | "DUPLICATE_KEY"
  | "BATCH_TOO_LARGE"
  | "ROW_TOO_LARGE"
  | "INVALID_PREDICATE"
  | "INVALID_CURSOR"
  | "INVALID_KEY"
  | "ROW_NOT_FOUND"
  | "INDEX_NOT_FOUND"
  | "INVALID_CSV"
  | "INVALID_ROWS"
  | "INVALID_IMPORT"
  | "IMPORT_NOT_FOUND"
  | "UNSUPPORTED_MEDIA_TYPE";

/**
 * A tables error with its status.
 * @param code the stable code
 * @param detail the human message
 * @param status the HTTP status
 */
export function tablesError(code: TablesErrorCode, detail: string, status: number): PlatformError<TablesErrorCode> {
  return new PlatformError(code, detail, { status });
}

/** 400 INVALID_SCHEMA. */
export const invalidSchema = (detail: string) => tablesError("INVALID_SCHEMA", detail, 400);
/** 400 INVALID_ROW. */
export const invalidRow = (detail: string) => tablesError("INVALID_ROW", detail, 400);
/** 404 TABLE_NOT_FOUND. */
export const tableNotFound = (name: string) => tablesError("TABLE_NOT_FOUND", `table ${name} does not exist`, 404);
