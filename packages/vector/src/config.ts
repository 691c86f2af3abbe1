/**
 * An index's configuration, fixed at creation: name, dimensions, metric, metadata indexes,
 * embedder, and the local backend's IVF knobs. zod checks the shape; each failing field maps to
 * the code the issue names (a bad dimension count is `INVALID_DIMENSIONS`, not a generic 400).
 * @module
 */
import { describeZodError, formatPath, safeParse } from "@durable/core";
import * as z from "zod/mini";
import { vectorError } from "./errors.ts";
import { VECTOR_LIMITS as L } from "./limits.ts";
import { utf8Length } from "./utf8.ts";

/** The three metrics of Vectorize. */
export const METRICS = ["cosine", "euclidean", "dot-product"] as const;
/** A distance metric. */
export type Metric = (typeof METRICS)[number];

/** A declared (filterable) metadata property. */
export const MetadataIndexSchema = z.strictObject({
  property: z.string().check(
    z.minLength(1),
    z.maxLength(L.maxFilterKeyChars),
    z.refine((p) => !p.includes('"') && !p.startsWith("$"), 'no `"` and no leading `$`'),
  ),
  type: z.enum(["string", "number", "boolean"]),
});

/** The zod schema of an index configuration. */
export const IndexConfigSchema = z.strictObject({
  name: z.string().check(
    z.regex(/^[a-z0-9_-]+$/, "1–64 bytes of [a-z0-9_-]"),
    z.refine((n) => utf8Length(n) <= L.maxIndexNameBytes, "at most 64 bytes"),
  ),
  dimensions: z.int().check(z.gte(L.minDimensions), z.lte(L.maxDimensions)),
  metric: z.enum(METRICS),
  metadataIndexes: z._default(
    z.array(MetadataIndexSchema).check(
      z.maxLength(L.maxMetadataIndexes),
      z.refine((a) => new Set(a.map((m) => m.property)).size === a.length, "properties must be unique"),
    ),
    [],
  ),
  embedder: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  /** Vectors before IVF is trained and used (local backend). */
  ivfThreshold: z._default(z.int().check(z.gte(16), z.lte(10_000_000)), L.defaultIvfThreshold),
  /** Lists an IVF query scans (local backend). */
  nprobe: z._default(z.int().check(z.gte(1), z.lte(L.maxLists)), L.defaultNprobe),
  /** Candidates re-scored from float32 (local backend); default max(10 × topK, 100). */
  rerank: z.optional(z.int().check(z.gte(1), z.lte(10_000))),
});

/** A configuration as a caller writes it. */
export type IndexConfigInput = z.input<typeof IndexConfigSchema>;
/** A parsed configuration with its defaults. */
export type IndexConfig = z.output<typeof IndexConfigSchema>;
/** A declared metadata property. */
export type MetadataIndex = z.output<typeof MetadataIndexSchema>;

const CODE_BY_FIELD = {
  name: "INVALID_INDEX_NAME",
  dimensions: "INVALID_DIMENSIONS",
  metric: "INVALID_METRIC",
} as const;

/**
 * Parses a configuration, naming the failing field with its own code.
 * @throws {INVALID_DIMENSIONS} · {INVALID_METRIC} · {INVALID_INDEX_NAME} ·
 *   {TOO_MANY_METADATA_INDEXES} · {INVALID_CONFIG} 400
 */
export function parseIndexConfig(input: unknown): IndexConfig {
  const result = safeParse(IndexConfigSchema, input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path[0];
  const message = describeZodError(result.error);
  if (field === "metadataIndexes" && issue?.path.length === 1 && issue.code === "too_big") {
    throw vectorError("TOO_MANY_METADATA_INDEXES", `metadataIndexes: at most ${L.maxMetadataIndexes}`);
  }
  if (typeof field === "string" && field in CODE_BY_FIELD) {
    throw vectorError(CODE_BY_FIELD[field as keyof typeof CODE_BY_FIELD], message);
  }
  throw vectorError("INVALID_CONFIG", issue ? `${formatPath(issue.path)}: ${issue.message}` : message);
}
