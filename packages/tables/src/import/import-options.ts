/**
 * The options of an import (and of `POST /tables/infer`), read from the query string with zod,
 * and the two body formats told apart by `content-type`.
 * @module
 */
import { parseOrThrow } from "@durable/core";
import * as z from "zod/mini";
import { tablesError } from "../errors.ts";

/** Largest import body: 100 MB (the DO never holds it; it streams). */
export const MAX_IMPORT_BYTES = 100 * 1024 * 1024;
/** Above this many rows an import becomes a job committed in batches. */
export const JOB_MIN_ROWS = 100_000;
/** Above this many bytes an import becomes a job committed in batches. */
export const JOB_MIN_BYTES = 10 * 1024 * 1024;
/** Rows per committed batch of a job. */
export const JOB_BATCH_ROWS = 10_000;

/** The two formats an import reads. */
export type ImportFormat = "csv" | "ndjson";

const flag = z.pipe(
  z.enum(["true", "false", "1", "0"]),
  z.transform((v: "true" | "false" | "1" | "0") => v === "true" || v === "1"),
);

/** The query options of an import. */
export const ImportOptionsSchema = z.strictObject({
  mode: z._default(z.enum(["insert", "upsert"]), "insert"),
  header: z._default(flag, true),
  delimiter: z._default(
    z
      .string()
      .check(
        z.refine(
          (d) => d.length === 1 && d !== '"' && d !== "\n" && d !== "\r",
          "one character, not a quote or newline",
        ),
      ),
    ",",
  ),
  /** Fields read as null (repeat `null=` for several); default: the empty field. */
  null: z._default(z.array(z.string()), [""]),
  create: z.optional(z.literal("infer")),
  key: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  onError: z._default(z.enum(["abort", "skip"]), "abort"),
});

/** Parsed import options. */
export type ImportOptions = z.output<typeof ImportOptionsSchema>;

/**
 * Reads the options from a query string (`null` may repeat).
 * @throws {INVALID_IMPORT} 400 with the option's name
 */
export function parseImportOptions(query: URLSearchParams): ImportOptions {
  const raw: Record<string, unknown> = {};
  for (const [k, v] of query) if (k !== "null") raw[k] = v;
  if (query.has("null")) raw.null = query.getAll("null");
  return parseOrThrow(ImportOptionsSchema, raw, "INVALID_IMPORT");
}

/**
 * The format of a body by its content type.
 * @throws {UNSUPPORTED_MEDIA_TYPE} 415 for anything but CSV or NDJSON
 */
export function formatOf(contentType: string | null): ImportFormat {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (type === "text/csv" || type === "application/csv") return "csv";
  if (type === "application/x-ndjson" || type === "application/ndjson" || type === "application/jsonl") {
    return "ndjson";
  }
  throw tablesError(
    "UNSUPPORTED_MEDIA_TYPE",
    `content-type ${type || "(none)"}: use text/csv or application/x-ndjson`,
    415,
  );
}
