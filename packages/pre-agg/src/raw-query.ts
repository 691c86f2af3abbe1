/**
 * The raw path: the query as a GROUP BY over the source table's stored rows, exact in every
 * measure (COUNT(DISTINCT) by a set, quantiles by nearest rank like DuckDB's `quantile_disc`).
 * It is what a query no rollup matches falls back to, and the "live local SQL" of the query
 * router: rows are filtered in SQL (time range and `where`, values bound by the table's
 * resolver) and grouped in one pass over a cursor, so zones and grains bucket exactly as the
 * rollups do.
 * @module
 */
import { compilePredicate, type Sql, type SqlBinding, type SqlValue } from "@durable/core";
import { storageTable, type Tables } from "@durable/tables";
import { PREAGG } from "./errors.ts";
import { finishRows, type OutputKey } from "./output.ts";
import { type AnalyticsQuery, parseAnalyticsQuery } from "./query-schema.ts";
import { type ResolvedQuery, resolveQuery } from "./resolve.ts";
import { quoteIdent } from "./sql-names.ts";
import { type StateOps, stateOps } from "./states/index.ts";
import { compareStored } from "./states/sketches.ts";
import { bucketStart } from "./time-buckets.ts";
import type { QueryResult } from "./types.ts";

/** Options of {@link rawQuery}. */
export interface RawQueryOptions {
  /** Most source rows read (default 5,000,000; more → 413 SCAN_TOO_LARGE). */
  maxScanRows?: number;
  /** Epoch ms of the answer's `asOf` (default now). */
  now?: number;
}

/** Source rows a raw answer may read. */
export const MAX_RAW_SCAN_ROWS = 5_000_000;

/** An exact per-measure accumulator. */
interface Exact {
  add(state: unknown, v: SqlValue): unknown;
  init(): unknown;
  finalize(state: unknown): string | number | null;
}

function exactFor(m: ResolvedQuery["measures"][number], integer: boolean): Exact {
  if (m.agg === "countDistinct") {
    return {
      init: () => new Set<SqlValue>(),
      add: (s, v) => (v === null ? s : (s as Set<SqlValue>).add(v)),
      finalize: (s) => (s as Set<SqlValue>).size,
    };
  }
  if (m.agg === "quantiles") {
    const q = m.q ?? 0.5;
    return {
      init: () => [] as (number | string)[],
      add: (s, v) => {
        if (v !== null) (s as (number | string)[]).push(v as number | string);
        return s;
      },
      finalize: (s) => {
        const list = (s as (number | string)[]).sort(compareStored);
        if (list.length === 0) return null;
        return list[Math.max(0, Math.ceil(q * list.length) - 1)] as number | string;
      },
    };
  }
  const agg = m.agg === "stddev" ? "variance" : m.agg;
  const ops: StateOps<unknown> = stateOps(agg, { integer });
  return {
    init: () => ops.init(),
    add: (s, v) => ops.add(s, m.agg === "count" && m.column === undefined ? 1 : (v as number | string | null)),
    finalize: (s) => {
      const v = ops.finalize(s);
      return m.agg === "stddev" && typeof v === "number" ? Math.sqrt(v) : v;
    },
  };
}

/** The SQL filter of a resolved query over the source rows (time range and `where`). */
export function rawFilter(rq: ResolvedQuery, resolve: Parameters<typeof compilePredicate>[1]["resolve"]) {
  const parts: string[] = [];
  const bindings: SqlBinding[] = [];
  if (rq.time?.from !== undefined) {
    parts.push(`${quoteIdent(rq.time.column)} >= ? AND ${quoteIdent(rq.time.column)} < ?`);
    bindings.push(rq.time.from, rq.time.to as number);
  }
  if (rq.where) {
    const c = compilePredicate(rq.where, { resolve });
    parts.push(`(${c.sql})`);
    bindings.push(...c.bindings);
  }
  return { sql: parts.length ? parts.join(" AND ") : "1", bindings };
}

/**
 * Groups the raw rows of `rq` into output groups and calls `each` per group.
 * @throws {SCAN_TOO_LARGE} 413 past `maxScanRows`
 */
export function rawGroups(
  tables: Tables,
  sql: Sql,
  rq: ResolvedQuery,
  maxScanRows: number,
  extra?: { sql: string; bindings: SqlBinding[] },
) {
  const codec = tables.rows.codec(rq.table);
  const filter = rawFilter(rq, codec.resolve);
  const cols = new Set<string>([...rq.dimensions, ...rq.measures.flatMap((m) => (m.column ? [m.column] : []))]);
  if (rq.time?.grain) cols.add(rq.time.column);
  const select = cols.size ? [...cols].map(quoteIdent).join(", ") : "1 AS one";
  const where = extra ? `${filter.sql} AND ${extra.sql}` : filter.sql;
  const cursor = sql.exec(
    `SELECT ${select} FROM ${storageTable(rq.table)} WHERE ${where}`,
    ...filter.bindings,
    ...(extra?.bindings ?? []),
  );
  const accs = rq.measures.map((m) => exactFor(m, rq.columns.get(m.column ?? "")?.type === "integer"));
  const groups = new Map<string, { key: OutputKey; states: unknown[] }>();
  const grain = rq.time?.grain;
  let read = 0;
  for (const row of cursor) {
    if (++read > maxScanRows) {
      throw PREAGG.error(
        "SCAN_TOO_LARGE",
        `the raw answer reads more than ${maxScanRows} rows; define a rollup or narrow the query`,
      );
    }
    const bucket = grain ? bucketStart(row[rq.time?.column as string] as number, grain, rq.time?.zone) : null;
    const dims = rq.dimensions.map((d) => (row[d] ?? null) as number | string | null);
    const k = `${bucket}|${JSON.stringify(dims)}`;
    let g = groups.get(k);
    if (!g) {
      g = { key: { bucket, dims }, states: accs.map((a) => a.init()) };
      groups.set(k, g);
    }
    const states = g.states;
    rq.measures.forEach((m, i) => {
      states[i] = (accs[i] as Exact).add(states[i], m.column ? (row[m.column] ?? null) : 1);
    });
  }
  return { groups, accs, read };
}

/**
 * Answers `query` from the source table's rows (the live local SQL path).
 * @throws {INVALID_QUERY} · {INVALID_PREDICATE} 400 · {TABLE_NOT_FOUND} 404 · {SCAN_TOO_LARGE} · {RESULT_TOO_LARGE} 413
 */
export function rawQuery(tables: Tables, sql: Sql, query: AnalyticsQuery, o: RawQueryOptions = {}): QueryResult {
  const q = parseAnalyticsQuery(query);
  const info = tables.describeTable(q.table);
  return rawAnswer(tables, sql, resolveQuery(q, info.columns), o);
}

/** {@link rawQuery} over a resolved query. */
export function rawAnswer(tables: Tables, sql: Sql, rq: ResolvedQuery, o: RawQueryOptions = {}): QueryResult {
  const { groups, accs } = rawGroups(tables, sql, rq, o.maxScanRows ?? MAX_RAW_SCAN_ROWS);
  // A query without dimensions and time grain answers one row, also over no rows (SQL's aggregate).
  if (groups.size === 0 && rq.dimensions.length === 0 && !rq.time?.grain) {
    groups.set("", { key: { bucket: null, dims: [] }, states: accs.map((a) => a.init()) });
  }
  const keyed = [...groups.values()].map((g) => ({
    key: g.key,
    values: Object.fromEntries(rq.measures.map((m, i) => [m.name, (accs[i] as Exact).finalize(g.states[i])])),
  }));
  const now = o.now ?? Date.now();
  return {
    rows: finishRows(rq, keyed),
    meta: { source: "raw", tiers: ["raw"], watermark: null, asOf: now, lambda: false },
  };
}
