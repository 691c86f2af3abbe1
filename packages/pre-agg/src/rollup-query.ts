/**
 * Answers a query from a rollup: hot rows by SQL (grouped in SQL when no sketch is needed),
 * warm partitions from their Parquet files, dirty partitions from the source rows of their
 * time range, and — for a lambda answer — the unfolded deltas; all merged as states, then
 * finalized.
 * @module
 */
import {
  compilePredicate,
  evaluatePredicate,
  type ResolvedColumn,
  type Sql,
  type SqlBinding,
  type SqlValue,
} from "@durable/core";
import type { HyperLogLog, KllSketch } from "@durable/cost-estimator";
import { storageTable, type Tables } from "@durable/tables";
import { addValues, cellFromStored, decodeStates, emptyCell, mergeStates, type StateCell } from "./accumulator.ts";
import { type Layout, rollupTable, type StateColumn, statesForQuery } from "./layout.ts";
import { finishRows, type OutputKey } from "./output.ts";
import type { Rollup } from "./registry.ts";
import type { ResolvedQuery } from "./resolve.ts";
import type { PartitionRow } from "./rollup-rows.ts";
import { sqlBucketExpr } from "./sql-buckets.ts";
import { quoteIdent } from "./sql-names.ts";
import { sampleVariance } from "./states/additive.ts";
import { bucketStart, nextBucket } from "./time-buckets.ts";
import type { QueryResult, Tier } from "./types.ts";

/** A hot partition whose stored states did not decode: the caller marks it dirty and asks again. */
export class UnreadablePartition extends Error {
  constructor(
    readonly partitionKey: string,
    cause: unknown,
  ) {
    super(`partition ${partitionKey} does not decode`, { cause });
  }
}

/** A stored rollup row as the warm tier hands it back. */
export interface StoredGroup {
  bucket: number;
  /** Every rollup dimension, stored form (NULL restored). */
  dims: SqlValue[];
  /** Cells by state column name. */
  cells: Record<string, SqlValue | Uint8Array | bigint>;
}

/** Reads a warm partition's rows (pruned by bucket range and dimension filters). */
export interface WarmRows {
  read(r: Rollup, p: PartitionRow, filter: { from?: number; to?: number; rq: ResolvedQuery }): Promise<StoredGroup[]>;
}

/** What a rollup answer needs. */
export interface RollupAnswerContext {
  sql: Sql;
  tables: Tables;
  warm?: WarmRows;
  asOf: number;
  lambda: boolean;
  /** Called for a warm partition that failed to read (the caller marks it dirty). */
  onUnreadable?(r: Rollup, p: PartitionRow, error: unknown): void;
}

function subLayout(r: Rollup, rq: ResolvedQuery): { layout: Layout; per: StateColumn[][] } {
  const per = rq.measures.map(
    (m) => statesForQuery(r.layout, m, m.column ? rq.columns.get(m.column) : undefined) ?? [],
  );
  const names = new Set(["s_rows", ...per.flat().map((s) => s.name)]);
  const states = r.layout.states.filter((s) => names.has(s.name));
  return { layout: { ...r.layout, states, stateByName: new Map(states.map((s) => [s.name, s])) }, per };
}

/** The predicate resolver over a rollup's dimension columns (values converted as the source's). */
export function rollupResolver(r: Rollup, tables: Tables) {
  const codec = tables.rows.codec(r.def.source);
  return (col: string): ResolvedColumn => {
    const d = r.layout.dims.find((x) => x.column === col);
    const src = codec.resolve(col);
    if (!d) return src;
    const sql = d.nullFlag
      ? `(CASE WHEN ${quoteIdent(d.nullFlag)} = 1 THEN NULL ELSE ${quoteIdent(d.name)} END)`
      : quoteIdent(d.name);
    return { sql, text: src.text, bind: src.bind };
  };
}

function finalizeMeasure(
  m: ResolvedQuery["measures"][number],
  cols: StateColumn[],
  layout: Layout,
  cells: StateCell[],
) {
  const at = (s: StateColumn | undefined) => (s ? cells[layout.states.indexOf(s)] : null);
  const first = cols[0];
  switch (m.agg) {
    case "count":
      return Number(at(first));
    case "min":
    case "max":
      return at(first) as number | string | null;
    case "countDistinct":
      return Math.round((at(first) as HyperLogLog).estimate());
    case "quantiles":
      return (at(first) as KllSketch).quantile(m.q ?? 0.5) as number | string | null;
    default: {
      const n = Number(at(cols[0]));
      const integer = cols[1]?.kind === "isum";
      const s = at(cols[1]) as number | bigint;
      const c = integer ? 0 : (at(cols[2]) as number);
      if (m.agg === "sum") {
        if (n <= 0) return null;
        if (typeof s === "bigint")
          return s >= BigInt(Number.MIN_SAFE_INTEGER) && s <= BigInt(Number.MAX_SAFE_INTEGER)
            ? Number(s)
            : s.toString();
        return s + c;
      }
      if (m.agg === "avg") return n <= 0 ? null : (Number(s) + c) / n;
      const qi = integer ? 2 : 3;
      const v = sampleVariance(
        { n, s, c, q: at(cols[qi]) as number | bigint, qc: integer ? 0 : (at(cols[qi + 1]) as number) },
        integer,
      );
      return m.agg === "stddev" && v !== null ? Math.sqrt(v) : v;
    }
  }
}

/** Answers `rq` from rollup `r` over its partitions `parts` (already cut to the range). */
export async function rollupAnswer(
  ctx: RollupAnswerContext,
  rq: ResolvedQuery,
  r: Rollup,
  parts: PartitionRow[],
): Promise<QueryResult> {
  const { layout, per } = subLayout(r, rq);
  const groups = new Map<string, { key: OutputKey; cells: StateCell[] }>();
  const qgrain = rq.time?.grain;
  const zone = r.def.timeDimension.timeZone;
  const qbuckets = new Map<number, number>();
  const dimIndex = rq.dimensions.map((d) => r.def.dimensions.indexOf(d));
  const target = (bucket: number, dims: readonly SqlValue[]) => {
    let qb: number | null = null;
    if (qgrain) {
      qb = qbuckets.get(bucket) ?? bucketStart(bucket, qgrain, zone);
      qbuckets.set(bucket, qb);
    }
    let k = String(qb);
    for (const i of dimIndex) {
      const v = dims[i] ?? null;
      k += v === null ? "|~" : typeof v === "number" ? `|${v}` : `|${JSON.stringify(v)}`;
    }
    let g = groups.get(k);
    if (!g) {
      const qd = dimIndex.map((i) => (dims[i] ?? null) as number | string | null);
      g = { key: { bucket: qb, dims: qd }, cells: layout.states.map(emptyCell) };
      groups.set(k, g);
    }
    return g.cells;
  };
  const from = rq.time?.from;
  const to = rq.time?.to;
  const tiers = new Set<Tier>();
  const dirty = parts.filter((p) => p.dirty);
  const dirtyKeys = new Set(dirty.map((p) => p.key));
  const resolve = rollupResolver(r, ctx.tables);

  // Hot rows (clean partitions; mixed ones keep hot rows next to their file).
  const hotParts = parts.filter((p) => !p.dirty && p.hotRows !== 0);
  if (hotParts.length > 0) {
    tiers.add("hot");
    const where: string[] = ["partition_key IN (SELECT value FROM json_each(?))"];
    const bindings: SqlBinding[] = [JSON.stringify(hotParts.map((p) => p.key))];
    if (from !== undefined) {
      where.push("bucket >= ? AND bucket < ?");
      bindings.push(from, to as number);
    }
    if (rq.where) {
      const c = compilePredicate(rq.where, { resolve });
      where.push(`(${c.sql})`);
      bindings.push(...c.bindings);
    }
    const dimSql = rq.dimensions.map((d, i) => `${resolve(d).sql} AS ${quoteIdent(`k${i}`)}`);
    const sketches = layout.states.some((s) => s.kind === "hll" || s.kind === "kll");
    const stateSql = layout.states.map((s) => {
      const c = quoteIdent(s.name);
      if (sketches) return c;
      if (s.kind === "min") return `MIN(${c}) AS ${c}`;
      if (s.kind === "max") return `MAX(${c}) AS ${c}`;
      if (s.kind === "isum" || s.kind === "isq") return `CAST(SUM(${c}) AS TEXT) AS ${c}`;
      return `SUM(${c}) AS ${c}`;
    });
    // Without sketches SQLite groups to the answer's groups: by the query's bucket when SQL can
    // compute it (UTC), by the rollup's bucket otherwise, or by nothing without a time grain.
    const bucketSql = sketches ? "bucket" : !qgrain ? "0" : (sqlBucketExpr("bucket", qgrain, zone) ?? "bucket");
    const keys = [...(qgrain || sketches ? ['"b"'] : []), ...dimSql.map((_, i) => quoteIdent(`k${i}`))];
    const group = sketches || keys.length === 0 ? "" : ` GROUP BY ${keys.join(", ")}`;
    const text = `SELECT ${sketches ? "partition_key, " : ""}${bucketSql} AS "b"${dimSql.map((d) => `, ${d}`).join("")}${stateSql.map((s) => `, ${s}`).join("")} FROM ${rollupTable(r.name)} WHERE ${where.join(" AND ")}${group}`;
    const dims: SqlValue[] = new Array(r.def.dimensions.length).fill(null);
    for (const row of ctx.sql.exec(text, ...bindings)) {
      rq.dimensions.forEach((_, i) => {
        dims[dimIndex[i] as number] = row[`k${i}`] ?? null;
      });
      let cells: StateCell[];
      try {
        cells = layout.states.map((s) => cellFromStored(s, row[s.name]));
      } catch (err) {
        throw new UnreadablePartition(row.partition_key as string, err);
      }
      mergeStates(layout, target(row.b as number, dims), cells);
    }
  }

  // Warm files.
  for (const p of parts) {
    if (p.dirty || !p.fileKey || !ctx.warm) continue;
    try {
      const rows = await ctx.warm.read(r, p, { ...(from !== undefined ? { from, to } : {}), rq });
      tiers.add("warm");
      for (const row of rows) {
        if (from !== undefined && (row.bucket < from || row.bucket >= (to as number))) continue;
        if (
          rq.where &&
          evaluatePredicate(
            rq.where,
            (c) => (row.dims[r.def.dimensions.indexOf(c)] ?? null) as SqlBinding,
            (c, v) => resolve(c).bind(v),
          ) !== true
        )
          continue;
        mergeStates(
          layout,
          target(row.bucket, row.dims),
          layout.states.map((s) => cellFromStored(s, row.cells[s.name] as SqlValue)),
        );
      }
    } catch (err) {
      ctx.onUnreadable?.(r, p, err);
      dirty.push(p);
      dirtyKeys.add(p.key);
    }
  }

  // Dirty partitions: the source rows of their time range.
  if (dirty.length > 0) {
    tiers.add("raw");
    const codec = ctx.tables.rows.codec(r.def.source);
    const time = quoteIdent(r.def.timeDimension.column);
    const stateCols = layout.states.map((s) => s.column);
    const values: SqlValue[] = new Array(stateCols.length);
    for (const p of dirty) {
      const lo = Math.max(p.start, from ?? p.start);
      const hi = Math.min(p.end, to ?? p.end);
      const where = [`${time} >= ? AND ${time} < ?`];
      const bindings: SqlBinding[] = [lo, hi];
      if (rq.where) {
        const c = compilePredicate(rq.where, { resolve: codec.resolve });
        where.push(`(${c.sql})`);
        bindings.push(...c.bindings);
      }
      for (const row of ctx.sql.exec(
        `SELECT * FROM ${storageTable(r.def.source)} WHERE ${where.join(" AND ")}`,
        ...bindings,
      )) {
        const bucket = bucketStart(row[r.def.timeDimension.column] as number, r.def.timeDimension.grain, zone);
        for (let i = 0; i < stateCols.length; i++) {
          const c = stateCols[i];
          values[i] = c === undefined ? 1 : (row[c] ?? null);
        }
        addValues(
          layout,
          target(
            bucket,
            r.def.dimensions.map((d) => row[d] ?? null),
          ),
          values,
          1,
        );
      }
    }
  }

  // Lambda: deltas not folded yet.
  if (ctx.lambda && r.def.maintenance === "deferred") {
    const full = r.layout;
    const idx = layout.states.map((s) => full.states.indexOf(s));
    const bindings: SqlBinding[] = [r.name];
    let text = "SELECT partition_key, bucket, dims, states FROM preagg_deltas WHERE rollup = ?";
    if (from !== undefined) {
      text += " AND bucket >= ? AND bucket < ?";
      bindings.push(from, to as number);
    }
    for (const d of ctx.sql.exec(text, ...bindings)) {
      if (dirtyKeys.has(d.partition_key as string)) continue;
      tiers.add("delta");
      const { d: dims } = JSON.parse(d.dims as string) as { d: SqlValue[] };
      if (
        rq.where &&
        evaluatePredicate(
          rq.where,
          (c) => (dims[r.def.dimensions.indexOf(c)] ?? null) as SqlBinding,
          (c, v) => resolve(c).bind(v),
        ) !== true
      )
        continue;
      const all = decodeStates(full, d.states as ArrayBuffer);
      mergeStates(
        layout,
        target(d.bucket as number, dims),
        idx.map((i) => all[i] as StateCell),
      );
    }
  }

  if (groups.size === 0 && rq.dimensions.length === 0 && !qgrain) target(0, []);
  const rowsAt = layout.states.findIndex((s) => s.kind === "rows");
  const keyed = [...groups.values()]
    .filter((g) => (rq.dimensions.length === 0 && !qgrain) || Number(g.cells[rowsAt]) !== 0)
    .map((g) => ({
      key: g.key,
      values: Object.fromEntries(
        rq.measures.map((m, i) => [m.name, finalizeMeasure(m, per[i] as StateColumn[], layout, g.cells)]),
      ),
    }));
  let watermark: number | null = null;
  for (const p of parts)
    if (p.maxBucket !== null)
      watermark = Math.max(watermark ?? 0, nextBucket(p.maxBucket, r.def.timeDimension.grain, zone));
  const source = tiers.has("raw") ? "mixed" : "rollup";
  return {
    rows: finishRows(rq, keyed),
    meta: {
      source,
      rollup: r.name,
      tiers: [...tiers],
      watermark,
      asOf: ctx.asOf,
      lambda: ctx.lambda && r.def.maintenance === "deferred",
    },
  };
}
