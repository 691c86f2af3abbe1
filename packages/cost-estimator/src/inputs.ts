/**
 * Untrusted inputs other than the estimate request: rows given to `observe`/`forget` by writers
 * outside @durable/tables, and feedback. Checked whole before anything is applied.
 * @module
 */
import { type SqlRow, type SqlValue, safeParse } from "@durable/core";
import * as z from "zod/mini";
import { estimatorError, unhashable } from "./errors.ts";

/**
 * Rows as stored values (booleans 0/1, safe bigints as numbers).
 * @throws {UNHASHABLE_VALUE} 400 naming `rows[i].col` for NaN, ±Infinity, an object or an array
 */
export function normalizeRows(rows: readonly Record<string, unknown>[]): SqlRow[] {
  if (!Array.isArray(rows)) throw unhashable("rows must be an array of objects");
  return rows.map((row, i) => {
    if (!row || typeof row !== "object" || Array.isArray(row)) throw unhashable(`rows[${i}] is not an object`);
    const out: SqlRow = {};
    for (const [col, v] of Object.entries(row)) out[col] = storedValue(v, `rows[${i}].${col}`);
    return out;
  });
}

function storedValue(v: unknown, path: string): SqlValue {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case "string":
      return v;
    case "number":
      if (!Number.isFinite(v)) throw unhashable(`${path}: ${v} cannot be hashed`);
      return v;
    case "boolean":
      return v ? 1 : 0;
    case "bigint":
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
    default:
      if (v instanceof ArrayBuffer) return v;
      if (v instanceof Uint8Array) return v.slice().buffer as ArrayBuffer;
      throw unhashable(`${path}: ${Array.isArray(v) ? "an array" : `a ${typeof v}`} cannot be hashed`);
  }
}

/** zod schema of a feedback report (`POST /estimator/feedback`). */
export const FeedbackSchema = z.strictObject({
  fingerprint: z.string().check(z.regex(/^[0-9a-f]{16}$/, "a 16-digit hex fingerprint")),
  estimatedRows: z.number().check(z.gte(0)),
  actualRows: z.int().check(z.gte(0)),
});

/** A feedback report. */
export type Feedback = z.infer<typeof FeedbackSchema>;

/** @throws {INVALID_FEEDBACK} 400 for a negative, fractional or non-finite count, or a bad fingerprint */
export function parseFeedback(input: unknown): Feedback {
  const r = safeParse(FeedbackSchema, input);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw estimatorError("INVALID_FEEDBACK", `${issue?.path.join(".") || "feedback"}: ${issue?.message ?? "invalid"}`);
  }
  return r.data;
}
