/**
 * The column types of user tables: how each maps to a STRICT SQLite type, which inputs it
 * accepts (with coercions: ISO timestamps, booleans, base64 blobs), and how a stored value
 * reads back.
 * @module
 */
import type { SqlBinding, SqlValue } from "@durable/core";
import * as z from "zod/mini";

/** The seven column types. */
export const COLUMN_TYPES = ["integer", "real", "text", "blob", "boolean", "timestamp", "json"] as const;

/** A column type. */
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** The STRICT SQLite type each column type is stored as. */
export const SQL_TYPE: Record<ColumnType, "INTEGER" | "REAL" | "TEXT" | "BLOB"> = {
  integer: "INTEGER",
  real: "REAL",
  text: "TEXT",
  blob: "BLOB",
  boolean: "INTEGER",
  timestamp: "INTEGER",
  json: "TEXT",
};

/** Largest serialized `json` value, in bytes (1 MiB). */
export const MAX_JSON_BYTES = 1024 * 1024;

const encoder = new TextEncoder();

/** UTF-8 length of `text`, computed only when it could matter. */
export function utf8Length(text: string, threshold = 0): number {
  return text.length * 3 <= threshold ? text.length : encoder.encode(text).length;
}

/** Decodes standard or URL-safe base64 to bytes; undefined when `text` is not base64. */
export function fromBase64(text: string): Uint8Array | undefined {
  const clean = text.replace(/-/g, "+").replace(/_/g, "/");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) return undefined;
  // Padding may only fill the last group: "A+++=" (a full group, then "=") is not base64.
  const data = clean.replace(/=+$/, "");
  const padding = clean.length - data.length;
  if (data.length % 4 === 1 || (padding > 0 && (data.length + padding) % 4 !== 0)) return undefined;
  const binary = atob(data.padEnd(Math.ceil(data.length / 4) * 4, "="));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Standard base64 of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Epoch ms of an ISO 8601 date or date-time (no offset means UTC), or undefined. */
export function parseIsoTimestamp(text: string): number | undefined {
  if (!ISO_DATE.test(text)) return undefined;
  // Date.parse rolls an impossible day over (2023-02-29 → March 1); the platform refuses it.
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(5, 7));
  const day = Number(text.slice(8, 10));
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  let normal = text.replace(" ", "T");
  // Date.parse reads a date-time without offset as local time; the platform means UTC.
  if (normal.length > 10 && !/(Z|[+-]\d{2}:?\d{2})$/.test(normal)) normal += "Z";
  const ms = Date.parse(normal);
  return Number.isFinite(ms) ? ms : undefined;
}

const integer = z.number().check(z.int(), z.refine(Number.isSafeInteger, "must be a safe integer"));

/** Fails a transform with `message` (what full zod's `ctx.addIssue` did). */
function reject(ctx: z.core.ParsePayload, message: string): never {
  ctx.issues.push({ code: "custom", message, input: ctx.value });
  return z.NEVER;
}

/**
 * The zod schema of an input value of `type`, transformed to the SQL binding that is stored.
 * Accepts: integer (safe integers), real (finite numbers), text, blob (Uint8Array, ArrayBuffer
 * or base64 string), boolean (true/false or 0/1), timestamp (epoch ms or an ISO string),
 * json (any JSON value, ≤ 1 MiB serialized).
 */
export function valueSchema(type: ColumnType): z.ZodMiniType<SqlBinding> {
  switch (type) {
    case "integer":
      return integer;
    case "real":
      return z.number();
    case "text":
      return z.string();
    case "blob":
      return z.union(
        [
          z.instanceof(Uint8Array),
          z.pipe(
            z.instanceof(ArrayBuffer),
            z.transform((b: ArrayBuffer) => new Uint8Array(b)),
          ),
          z.pipe(
            z.string(),
            z.transform((s: string, ctx) => fromBase64(s) ?? reject(ctx, "blob must be base64")),
          ),
        ],
        { error: "blob must be bytes or a base64 string" },
      );
    case "boolean":
      return z.union(
        [
          z.pipe(
            z.boolean(),
            z.transform((b: boolean) => (b ? 1 : 0)),
          ),
          z.literal(0),
          z.literal(1),
        ],
        {
          error: "boolean must be true, false, 0 or 1",
        },
      );
    case "timestamp":
      return z.union(
        [
          integer,
          z.pipe(
            z.string(),
            z.transform(
              (s: string, ctx) =>
                parseIsoTimestamp(s) ?? reject(ctx, "timestamp must be epoch ms or an ISO 8601 string"),
            ),
          ),
        ],
        { error: "timestamp must be epoch ms or an ISO 8601 string" },
      );
    case "json":
      return z.pipe(
        z.json(),
        z.transform((v: z.core.util.JSONType, ctx) => {
          const text = JSON.stringify(v);
          return utf8Length(text, MAX_JSON_BYTES) > MAX_JSON_BYTES
            ? reject(ctx, "json value is larger than 1 MiB")
            : text;
        }),
      );
  }
}

/** The value a client sees for a stored value (blob as bytes; HTTP turns them into base64). */
export function readValue(type: ColumnType, value: SqlValue): unknown {
  if (value === null) return null;
  switch (type) {
    case "boolean":
      return value === 1;
    case "json":
      return JSON.parse(value as string);
    case "blob":
      return new Uint8Array(value as ArrayBuffer);
    default:
      return value;
  }
}

/** A SQL literal for a stored default value (DDL cannot bind parameters). */
export function sqlLiteral(value: SqlBinding): string {
  if (value === null) return "NULL";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "string") return `'${value.replace(/'/g, "''")}'`;
  const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : value;
  return `X'${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}'`;
}

/** Bytes a stored value takes (for the 2 MiB row cap). */
export function storedSize(value: SqlBinding): number {
  if (value === null) return 1;
  if (typeof value === "string") return utf8Length(value, 1024);
  if (typeof value === "number" || typeof value === "bigint") return 8;
  return value.byteLength;
}
