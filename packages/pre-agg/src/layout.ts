/**
 * How a rollup is stored: one column per dimension (typed as its source column, plus a NULL
 * flag for a nullable one, so that the primary key never holds NULL) and one column per state.
 * States are shared between measures: `avg(delay)` and `sum(delay)` both read `s_n_delay` and
 * `s_sum_delay`. Column names and types depend only on the definition, so a definition
 * version's warm files always have one schema.
 * @module
 */

import type { Measure, RollupDefinition, SourceColumn } from "./definition.ts";
import { invalidRollup } from "./errors.ts";
import type { QueryMeasure } from "./query-schema.ts";
import { quoteIdent } from "./sql-names.ts";

/** What one state column holds. */
export type StateKind =
  | "rows"
  | "count"
  | "isum"
  | "fsum"
  | "fsumc"
  | "isq"
  | "fsq"
  | "fsqc"
  | "min"
  | "max"
  | "hll"
  | "kll";

/** A state column. */
export interface StateColumn {
  name: string;
  kind: StateKind;
  /** The source column (none for `rows`). */
  column?: string;
  sqlType: "INTEGER" | "REAL" | "TEXT" | "BLOB";
  /** HLL precision or KLL k. */
  param?: number;
}

/** A dimension column. */
export interface DimensionColumn {
  /** The source column. */
  column: string;
  /** Its name in the rollup (`d_<column>`). */
  name: string;
  /** Its NULL flag (`dn_<column>`), for a nullable source column. */
  nullFlag?: string;
  sqlType: "INTEGER" | "REAL" | "TEXT";
  sourceType: string;
}

/** The storage layout of a rollup. */
export interface Layout {
  dims: DimensionColumn[];
  states: StateColumn[];
  stateByName: Map<string, StateColumn>;
  /** Primary-key columns after `bucket`: each dimension and its flag. */
  keyColumns: string[];
  /** Whether a delete can be applied without the source (no min, max, hll or kll). */
  subtractable: boolean;
  /** Whether any state is a sketch (read-modify-write). */
  sketches: boolean;
}

const SQL_OF: Record<string, "INTEGER" | "REAL" | "TEXT"> = {
  integer: "INTEGER",
  real: "REAL",
  boolean: "INTEGER",
  timestamp: "INTEGER",
  text: "TEXT",
};

/** The name of the rollup table of `rollup`. */
export const rollupTable = (rollup: string) => quoteIdent(`preagg_r_${rollup}`);

/** The state columns a measure reads. */
export function statesOf(m: Pick<Measure, "agg" | "column" | "precision" | "k">, source: SourceColumn | undefined) {
  const col = m.column;
  const integer = source?.type === "integer";
  const out: Omit<StateColumn, "sqlType">[] = [];
  const sums = () => {
    out.push({ name: `s_n_${col}`, kind: "count", column: col });
    out.push({ name: `s_sum_${col}`, kind: integer ? "isum" : "fsum", column: col });
    if (!integer) out.push({ name: `s_sumc_${col}`, kind: "fsumc", column: col });
  };
  switch (m.agg) {
    case "count":
      out.push(
        col === undefined ? { name: "s_rows", kind: "rows" } : { name: `s_n_${col}`, kind: "count", column: col },
      );
      break;
    case "sum":
    case "avg":
      sums();
      break;
    case "variance":
      sums();
      out.push({ name: `s_sq_${col}`, kind: integer ? "isq" : "fsq", column: col });
      if (!integer) out.push({ name: `s_sqc_${col}`, kind: "fsqc", column: col });
      break;
    case "min":
    case "max":
      out.push({ name: `s_${m.agg}_${col}`, kind: m.agg, column: col });
      break;
    case "countDistinct":
      out.push({ name: `s_hll${m.precision ?? 12}_${col}`, kind: "hll", column: col, param: m.precision ?? 12 });
      break;
    case "quantiles":
      out.push({ name: `s_kll${m.k ?? 200}_${col}`, kind: "kll", column: col, param: m.k ?? 200 });
      break;
  }
  return out;
}

function sqlTypeOf(kind: StateKind, source: SourceColumn | undefined): StateColumn["sqlType"] {
  switch (kind) {
    case "rows":
    case "count":
    case "isum":
    case "isq":
      return "INTEGER";
    case "fsum":
    case "fsumc":
    case "fsq":
    case "fsqc":
      return "REAL";
    case "min":
    case "max":
      return SQL_OF[source?.type ?? "real"] ?? "REAL";
    default:
      return "BLOB";
  }
}

/**
 * The layout of a definition over its source columns (already checked).
 * @throws {INVALID_ROLLUP} when the rollup would need more columns than a statement can bind
 */
export function layoutOf(def: RollupDefinition, columns: readonly SourceColumn[]): Layout {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const dims: DimensionColumn[] = def.dimensions.map((d) => {
    const c = byName.get(d) as SourceColumn;
    return {
      column: d,
      name: `d_${d}`,
      ...(c.nullable ? { nullFlag: `dn_${d}` } : {}),
      sqlType: SQL_OF[c.type] ?? "TEXT",
      sourceType: c.type,
    };
  });
  const states = new Map<string, StateColumn>();
  states.set("s_rows", { name: "s_rows", kind: "rows", sqlType: "INTEGER" });
  for (const m of def.measures) {
    const source = m.column === undefined ? undefined : byName.get(m.column);
    for (const s of statesOf(m, source))
      if (!states.has(s.name)) states.set(s.name, { ...s, sqlType: sqlTypeOf(s.kind, source) });
  }
  const keyColumns = dims.flatMap((d) => (d.nullFlag ? [d.name, d.nullFlag] : [d.name]));
  const list = [...states.values()];
  if (2 + keyColumns.length + list.length > 99) {
    throw invalidRollup("definition.measures", "too many dimension and state columns for one statement (at most 97)");
  }
  return {
    dims,
    states: list,
    stateByName: states,
    keyColumns,
    subtractable: list.every((s) => s.kind !== "min" && s.kind !== "max" && s.kind !== "hll" && s.kind !== "kll"),
    sketches: list.some((s) => s.kind === "hll" || s.kind === "kll"),
  };
}

/** The `CREATE TABLE` of a rollup: primary key (bucket, dimensions…), STRICT, WITHOUT ROWID. */
export function createTableSql(name: string, layout: Layout): string {
  const cols = [
    "partition_key TEXT NOT NULL",
    "bucket INTEGER NOT NULL",
    ...layout.dims.flatMap((d) => {
      const out = [`${quoteIdent(d.name)} ${d.sqlType} NOT NULL`];
      if (d.nullFlag) out.push(`${quoteIdent(d.nullFlag)} INTEGER NOT NULL`);
      return out;
    }),
    ...layout.states.map((s) => {
      const notNull =
        s.kind === "min" || s.kind === "max" || s.kind === "hll" || s.kind === "kll" ? "" : " NOT NULL DEFAULT 0";
      return `${quoteIdent(s.name)} ${s.sqlType}${notNull}`;
    }),
  ];
  const key = ["bucket", ...layout.keyColumns].map(quoteIdent).join(", ");
  return `CREATE TABLE ${rollupTable(name)} (${cols.join(", ")}, PRIMARY KEY (${key})) STRICT, WITHOUT ROWID`;
}

/**
 * The secondary index of a rollup: its first dimension, then the bucket, so that a filter on
 * that dimension over a time range reads only its rows (put the most filtered dimension first).
 */
export function createIndexSql(name: string, layout: Layout): string | null {
  const first = layout.dims[0];
  if (!first) return null;
  const cols = [first.name, ...(first.nullFlag ? [first.nullFlag] : []), "bucket"].map(quoteIdent).join(", ");
  return `CREATE INDEX ${quoteIdent(`preagg_r_${name}$by_${first.column}`)} ON ${rollupTable(name)} (${cols})`;
}

/** The state columns of `layout` a query measure can be answered from, or undefined. */
export function statesForQuery(
  layout: Layout,
  m: QueryMeasure,
  source: SourceColumn | undefined,
): StateColumn[] | undefined {
  const agg = m.agg === "stddev" ? "variance" : m.agg;
  if (agg === "countDistinct" || agg === "quantiles") {
    const kind = agg === "countDistinct" ? "hll" : "kll";
    const found = layout.states.filter((s) => s.kind === kind && s.column === m.column);
    // The most precise sketch of the column.
    const best = found.sort((a, b) => (b.param ?? 0) - (a.param ?? 0))[0];
    return best ? [best] : undefined;
  }
  const wanted = statesOf({ agg, column: m.column }, source);
  const out: StateColumn[] = [];
  for (const w of wanted) {
    const s = layout.stateByName.get(w.name);
    if (!s) return undefined;
    out.push(s);
  }
  return out;
}

/** The sentinel stored in a NULL dimension's column (its flag says NULL). */
export function nullSentinel(d: DimensionColumn): number | string {
  return d.sqlType === "TEXT" ? "" : 0;
}
