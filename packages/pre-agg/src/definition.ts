/**
 * Rollup definitions (item 1): the zod schema of what a client sends, and its check against the
 * source table of the catalog (column types per role). A definition names catalog tables by
 * catalog name; its version is a hash of its normalized form.
 * @module
 */
import { checksum, describeZodError, safeParse } from "@durable/core";
import * as z from "zod/mini";
import { invalidRollup } from "./errors.ts";
import { defaultPartitionGrain, GRAINS, type Grain, isWholeMultiple } from "./grains.ts";
import { AGGS } from "./states/types.ts";
import { isValidZone } from "./time-buckets.ts";

/** Tables' name rule: `[a-z][a-z0-9_]{0,47}`. */
export const NAME_PATTERN = /^[a-z][a-z0-9_]{0,47}$/;

/** Limits of definitions (item 1). */
export const ROLLUP_LIMITS = { maxMeasures: 32, maxDimensions: 16, maxRollups: 32 } as const;

const Name = z.string().check(z.regex(NAME_PATTERN, "must match [a-z][a-z0-9_]{0,47}"));
const Zone = z.string().check(z.minLength(1), z.maxLength(64), z.refine(isValidZone, "unknown IANA time zone"));
const Column = z.string().check(z.minLength(1), z.maxLength(128));

/** A measure: `{name, agg, column?, precision?, k?}`. */
export const MeasureSchema = z
  .strictObject({
    name: Name,
    agg: z.enum(AGGS),
    column: z.optional(Column),
    precision: z.optional(z.int().check(z.gte(10, "precision must be 10–16"), z.lte(16, "precision must be 10–16"))),
    k: z.optional(z.int().check(z.gte(8), z.lte(65_535))),
  })
  .check(
    z.superRefine((m, ctx) => {
      if (m.agg !== "count" && m.column === undefined)
        ctx.addIssue({ code: "custom", path: ["column"], message: "required" });
      if (m.precision !== undefined && m.agg !== "countDistinct")
        ctx.addIssue({ code: "custom", path: ["precision"], message: "only countDistinct takes a precision" });
      if (m.k !== undefined && m.agg !== "quantiles")
        ctx.addIssue({ code: "custom", path: ["k"], message: "only quantiles takes k" });
    }),
  );

/** The zod schema of a rollup definition. */
export const RollupDefinitionSchema = z
  .strictObject({
    name: Name,
    source: Name,
    measures: z.array(MeasureSchema).check(z.minLength(1), z.maxLength(ROLLUP_LIMITS.maxMeasures)),
    dimensions: z._default(z.array(Column).check(z.maxLength(ROLLUP_LIMITS.maxDimensions)), []),
    timeDimension: z.strictObject({ column: Column, grain: z.enum(GRAINS), timeZone: z._default(Zone, "UTC") }),
    partitionGrain: z.optional(z.enum(GRAINS)),
    maintenance: z._default(z.enum(["incremental", "deferred"]), "incremental"),
  })
  .check(
    z.superRefine((d, ctx) => {
      const pg = d.partitionGrain;
      if (pg !== undefined && !isWholeMultiple(d.timeDimension.grain, pg)) {
        ctx.addIssue({
          code: "custom",
          path: ["partitionGrain"],
          message: `${pg} is not a whole multiple of the grain ${d.timeDimension.grain}`,
        });
      }
      const seen = new Set<string>();
      d.measures.forEach((m, i) => {
        if (seen.has(m.name)) ctx.addIssue({ code: "custom", path: ["measures", i, "name"], message: "repeated" });
        seen.add(m.name);
      });
      d.dimensions.forEach((dim, i) => {
        if (d.dimensions.indexOf(dim) !== i)
          ctx.addIssue({ code: "custom", path: ["dimensions", i], message: "repeated" });
      });
    }),
  );

/** A definition as a client writes it. */
export type RollupDefinitionInput = z.input<typeof RollupDefinitionSchema>;

/** A parsed definition, defaults applied (`partitionGrain` resolved). */
export type RollupDefinition = Omit<z.output<typeof RollupDefinitionSchema>, "partitionGrain"> & {
  partitionGrain: Grain;
};

/** A measure of a definition. */
export type Measure = RollupDefinition["measures"][number];

/**
 * Parses a definition (shape only; {@link checkAgainstTable} checks the columns).
 * @throws {INVALID_ROLLUP} 400 with the path
 */
export function parseRollupDefinition(input: unknown): RollupDefinition {
  const r = safeParse(RollupDefinitionSchema, input);
  if (!r.success) throw invalidRollup("", describeZodError(r.error, "definition"));
  return { ...r.data, partitionGrain: r.data.partitionGrain ?? defaultPartitionGrain(r.data.timeDimension.grain) };
}

/** A source column as the check sees it. */
export interface SourceColumn {
  name: string;
  type: string;
  nullable: boolean;
}

const DIMENSION_TYPES = new Set(["integer", "real", "text", "boolean", "timestamp"]);
const NUMERIC = new Set(["integer", "real"]);
const ORDERED = new Set(["integer", "real", "timestamp", "text"]);

/**
 * Checks every column of `def` against the source table's columns: the time column is a NOT
 * NULL timestamp; dimensions are integer, real, text, boolean or timestamp; sum, avg, variance
 * and quantiles take integer or real; min and max also timestamp and text; countDistinct any
 * type but blob and json.
 * @throws {INVALID_ROLLUP} 400 naming the path
 */
export function checkAgainstTable(def: RollupDefinition, columns: readonly SourceColumn[]): void {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const col = (name: string, path: string): SourceColumn => {
    const c = byName.get(name);
    if (!c) throw invalidRollup(path, `unknown column ${name} of table ${def.source}`);
    return c;
  };
  const time = col(def.timeDimension.column, "definition.timeDimension.column");
  if (time.type !== "timestamp" || time.nullable) {
    throw invalidRollup("definition.timeDimension.column", `${time.name} must be a NOT NULL timestamp column`);
  }
  def.dimensions.forEach((d, i) => {
    const c = col(d, `definition.dimensions[${i}]`);
    if (!DIMENSION_TYPES.has(c.type)) {
      throw invalidRollup(
        `definition.dimensions[${i}]`,
        `${d} is a ${c.type} column; dimensions take ${[...DIMENSION_TYPES].join(", ")}`,
      );
    }
    if (d === def.timeDimension.column) {
      throw invalidRollup(`definition.dimensions[${i}]`, `${d} is the time dimension`);
    }
  });
  def.measures.forEach((m, i) => {
    if (m.column === undefined) return;
    const path = `definition.measures[${i}].column`;
    const c = col(m.column, path);
    const ok =
      m.agg === "count" || m.agg === "countDistinct"
        ? c.type !== "blob" && c.type !== "json"
        : m.agg === "min" || m.agg === "max"
          ? ORDERED.has(c.type)
          : NUMERIC.has(c.type);
    if (!ok) throw invalidRollup(path, `${m.agg} cannot take ${m.column}, a ${c.type} column`);
  });
}

/** The definition version: a hash of its normalized JSON (same definition, same version). */
export function definitionVersion(def: RollupDefinition): string {
  const normal = {
    name: def.name,
    source: def.source,
    measures: def.measures.map((m) => [m.name, m.agg, m.column ?? null, m.precision ?? null, m.k ?? null]),
    dimensions: def.dimensions,
    time: [def.timeDimension.column, def.timeDimension.grain, def.timeDimension.timeZone],
    partitionGrain: def.partitionGrain,
    maintenance: def.maintenance,
  };
  return checksum(JSON.stringify(normal));
}
