/**
 * Checks a parsed query against its table's columns: measures, dimensions, the time column
 * (a `timestamp`, filtered only through `range`), `where` columns and `order` names.
 * @module
 */
import type { Predicate } from "@durable/core";
import type { SourceColumn } from "./definition.ts";
import { invalidQuery } from "./errors.ts";
import type { Grain } from "./grains.ts";
import { type AnalyticsQuery, measureName, parseIso, QUERY_LIMITS, type QueryMeasure } from "./query-schema.ts";

/** A query checked against its table. */
export interface ResolvedQuery {
  query: AnalyticsQuery;
  table: string;
  columns: Map<string, SourceColumn>;
  measures: (QueryMeasure & { name: string })[];
  dimensions: string[];
  time?: { column: string; from?: number; to?: number; grain?: Grain; zone: string; explicitZone: boolean };
  where?: Predicate;
  whereColumns: string[];
  limit: number;
}

const NUMERIC = new Set(["integer", "real"]);
const ORDERED = new Set(["integer", "real", "timestamp", "text"]);
const DIMENSION = new Set(["integer", "real", "text", "boolean", "timestamp"]);

/** Every column a predicate names. */
export function predicateColumns(p: Predicate, out: Set<string> = new Set()): Set<string> {
  if ("and" in p) for (const c of p.and) predicateColumns(c, out);
  else if ("or" in p) for (const c of p.or) predicateColumns(c, out);
  else if ("not" in p) predicateColumns(p.not, out);
  else out.add(p.col);
  return out;
}

/**
 * Resolves `query` over the table's columns.
 * @throws {INVALID_QUERY} 400 with the path
 */
export function resolveQuery(query: AnalyticsQuery, columns: readonly SourceColumn[]): ResolvedQuery {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const measures = query.measures.map((m, i) => {
    const path = `query.measures[${i}].column`;
    if (m.column !== undefined) {
      const c = byName.get(m.column);
      if (!c) throw invalidQuery(path, `unknown column ${m.column}`);
      const agg = m.agg;
      const ok =
        agg === "count" || agg === "countDistinct"
          ? c.type !== "blob" && c.type !== "json"
          : agg === "min" || agg === "max"
            ? ORDERED.has(c.type)
            : NUMERIC.has(c.type);
      if (!ok) throw invalidQuery(path, `${agg} cannot take ${m.column}, a ${c.type} column`);
    }
    return { ...m, name: measureName(m) };
  });
  const names = new Set<string>();
  measures.forEach((m, i) => {
    if (names.has(m.name)) throw invalidQuery(`query.measures[${i}]`, `the output name ${m.name} repeats (use as)`);
    names.add(m.name);
  });
  const dimensions = query.dimensions ?? [];
  dimensions.forEach((d, i) => {
    const c = byName.get(d);
    if (!c) throw invalidQuery(`query.dimensions[${i}]`, `unknown column ${d}`);
    if (!DIMENSION.has(c.type)) throw invalidQuery(`query.dimensions[${i}]`, `${d} is a ${c.type} column`);
  });
  let time: ResolvedQuery["time"];
  if (query.timeDimension) {
    const t = query.timeDimension;
    const c = byName.get(t.column);
    if (!c) throw invalidQuery("query.timeDimension.column", `unknown column ${t.column}`);
    if (c.type !== "timestamp")
      throw invalidQuery("query.timeDimension.column", `${t.column} is a ${c.type} column, not a timestamp`);
    if (dimensions.includes(t.column)) throw invalidQuery("query.dimensions", `${t.column} is the time dimension`);
    time = {
      column: t.column,
      ...(t.range ? { from: parseIso(t.range.from) as number, to: parseIso(t.range.to) as number } : {}),
      ...(t.grain ? { grain: t.grain } : {}),
      zone: t.timeZone ?? "UTC",
      explicitZone: t.timeZone !== undefined,
    };
  }
  const whereColumns = query.where ? [...predicateColumns(query.where)] : [];
  for (const col of whereColumns) {
    if (time && col === time.column)
      throw invalidQuery("query.where", `${col} is the time column: filter it through timeDimension.range`);
    if (!byName.has(col)) throw invalidQuery("query.where", `unknown column ${col}`);
  }
  const outputs = new Set([...dimensions, ...names, ...(time?.grain ? [time.column] : [])]);
  query.order?.forEach((o, i) => {
    if (!outputs.has(o.by))
      throw invalidQuery(`query.order[${i}].by`, `${o.by} is not a dimension or measure of the query`);
  });
  return {
    query,
    table: query.table,
    columns: byName,
    measures,
    dimensions,
    ...(time ? { time } : {}),
    ...(query.where ? { where: query.where } : {}),
    whereColumns,
    limit: query.limit ?? QUERY_LIMITS.defaultLimit,
  };
}
