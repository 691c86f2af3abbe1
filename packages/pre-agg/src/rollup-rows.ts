/**
 * SQL over one rollup's table: the upsert that merges a group (one statement; sketches merged
 * in JS first), reading a group's stored sketches, and the partition bookkeeping.
 * @module
 */
import type { Sql, SqlBinding, SqlValue } from "@durable/core";
import { cellFromStored, cellToBinding, type Group, mergeStates, type StateCell } from "./accumulator.ts";
import { type Layout, nullSentinel, rollupTable } from "./layout.ts";
import type { Rollup } from "./registry.ts";
import { quoteIdent } from "./sql-names.ts";

const statements = new WeakMap<Layout, { upsert: string; select: string | null; del: string; keyWhere: string }>();

function mergeExpr(kind: string, c: string, companionOf?: string): string {
  const x = `excluded.${c}`;
  switch (kind) {
    case "min":
      return `CASE WHEN ${x} IS NULL THEN ${c} WHEN ${c} IS NULL OR ${x} < ${c} THEN ${x} ELSE ${c} END`;
    case "max":
      return `CASE WHEN ${x} IS NULL THEN ${c} WHEN ${c} IS NULL OR ${x} > ${c} THEN ${x} ELSE ${c} END`;
    case "hll":
    case "kll":
      return `coalesce(${x}, ${c})`;
    case "fsumc":
    case "fsqc": {
      const s = companionOf as string;
      const xs = `excluded.${s}`;
      return `${c} + ${x} + CASE WHEN abs(${s}) >= abs(${xs}) THEN (${s} - (${s} + ${xs})) + ${xs} ELSE (${xs} - (${s} + ${xs})) + ${s} END`;
    }
    default:
      return `${c} + ${x}`;
  }
}

/** The statements of a layout (built once). */
export function statementsOf(rollup: Rollup) {
  const layout = rollup.layout;
  const cached = statements.get(layout);
  if (cached) return cached;
  const table = rollupTable(rollup.name);
  const key = ["bucket", ...layout.keyColumns].map(quoteIdent);
  const states = layout.states.map((s) => quoteIdent(s.name));
  const cols = ["partition_key", ...key, ...states];
  const sets = layout.states.map((s, i) => {
    const c = states[i] as string;
    const companion = s.kind === "fsumc" || s.kind === "fsqc" ? states[i - 1] : undefined;
    return `${c} = ${mergeExpr(s.kind, c, companion)}`;
  });
  const keyWhere = key.map((k) => `${k} = ?`).join(" AND ");
  const sketches = layout.states.filter((s) => s.kind === "hll" || s.kind === "kll").map((s) => quoteIdent(s.name));
  const out = {
    upsert: `INSERT INTO ${table} (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")}) ON CONFLICT (${key.join(", ")}) DO UPDATE SET ${sets.join(", ")} RETURNING s_rows`,
    select: sketches.length ? `SELECT ${sketches.join(", ")} FROM ${table} WHERE ${keyWhere}` : null,
    del: `DELETE FROM ${table} WHERE ${keyWhere}`,
    keyWhere,
  };
  statements.set(layout, out);
  return out;
}

/** The key bindings of a group: bucket, then each dimension (sentinel and flag when NULL). */
export function keyBindings(layout: Layout, g: Pick<Group, "bucket" | "dims">): SqlBinding[] {
  const out: SqlBinding[] = [g.bucket];
  layout.dims.forEach((d, i) => {
    const v = g.dims[i] ?? null;
    out.push(v === null ? nullSentinel(d) : v);
    if (d.nullFlag) out.push(v === null ? 1 : 0);
  });
  return out;
}

/** What merging one group did to its partition: +1 a new row, −1 a row gone, 0 otherwise. */
export type RowDelta = -1 | 0 | 1;

/**
 * Merges a group into the rollup's table in one statement (sketch states read and merged in
 * JS first). A group whose row count reaches 0 is deleted.
 * @throws when a stored sketch does not decode (the caller marks the partition dirty)
 */
export function mergeGroup(sql: Sql, rollup: Rollup, partitionKey: string, g: Group): RowDelta {
  const layout = rollup.layout;
  const st = statementsOf(rollup);
  const key = keyBindings(layout, g);
  const cells: StateCell[] = g.states;
  if (st.select && !g.negative) {
    const existing = sql.exec(st.select, ...key).toArray()[0];
    if (existing) {
      const stored = layout.states.map((s) =>
        s.kind === "hll" || s.kind === "kll" ? cellFromStored(s, existing[s.name] as SqlValue) : (0 as StateCell),
      );
      const sketchOnly = layout.states.map((s, i) =>
        s.kind === "hll" || s.kind === "kll" ? cells[i] : 0,
      ) as StateCell[];
      mergeStates(layout, stored, sketchOnly);
      layout.states.forEach((s, i) => {
        if (s.kind === "hll" || s.kind === "kll") cells[i] = stored[i] as StateCell;
      });
    }
  }
  const bindings: SqlBinding[] = [partitionKey, ...key];
  layout.states.forEach((s, i) => {
    const c = cells[i] ?? null;
    // A removal carries no sketch or extreme: NULL keeps the stored one.
    bindings.push(
      g.negative && (s.kind === "hll" || s.kind === "kll" || s.kind === "min" || s.kind === "max")
        ? null
        : cellToBinding(s, c),
    );
  });
  const rows = sql.exec(st.upsert, ...bindings).one().s_rows as number;
  const delta = g.states[0] as number;
  const existed = rows !== delta;
  if (rows <= 0) {
    sql.exec(st.del, ...key);
    return existed ? -1 : 0;
  }
  return existed ? 0 : 1;
}

/** A partition row as the hook and the queries read it. */
export interface PartitionRow {
  key: string;
  start: number;
  end: number;
  tier: "hot" | "warm" | "mixed";
  hotRows: number;
  warmRows: number;
  bytes: number;
  dirty: boolean;
  fileKey: string | null;
  fileEtag: string | null;
  generation: number;
  minBucket: number | null;
  maxBucket: number | null;
  compactFailures: number;
}

/** Reads partition rows of a rollup (all, or the given keys). */
export function readPartitions(sql: Sql, rollup: string, keys?: string[]): PartitionRow[] {
  const rows =
    keys === undefined
      ? sql.exec("SELECT * FROM preagg_partitions WHERE rollup = ? ORDER BY start_ms", rollup).toArray()
      : keys.length === 0
        ? []
        : sql
            .exec(
              `SELECT * FROM preagg_partitions WHERE rollup = ? AND partition_key IN (SELECT value FROM json_each(?))`,
              rollup,
              JSON.stringify(keys),
            )
            .toArray();
  return rows.map((r) => ({
    key: r.partition_key as string,
    start: r.start_ms as number,
    end: r.end_ms as number,
    tier: r.tier as PartitionRow["tier"],
    hotRows: r.hot_rows as number,
    warmRows: r.warm_rows as number,
    bytes: r.bytes as number,
    dirty: r.dirty === 1,
    fileKey: (r.file_key as string | null) ?? null,
    fileEtag: (r.file_etag as string | null) ?? null,
    generation: r.generation as number,
    minBucket: (r.min_bucket as number | null) ?? null,
    maxBucket: (r.max_bucket as number | null) ?? null,
    compactFailures: r.compact_failures as number,
  }));
}

/** Adds a partition (hot, empty) or changes its counters; a warm one with new hot rows turns mixed. */
export function touchPartition(
  sql: Sql,
  rollup: string,
  p: { key: string; start: number; end: number },
  change: { rows: number; dirty: boolean; minBucket: number | null; maxBucket: number | null },
): { hotRows: number } {
  const r = sql
    .exec(
      `INSERT INTO preagg_partitions (rollup, partition_key, start_ms, end_ms, tier, hot_rows, dirty, min_bucket, max_bucket)
       VALUES (?, ?, ?, ?, 'hot', ?, ?, ?, ?)
       ON CONFLICT (rollup, partition_key) DO UPDATE SET hot_rows = hot_rows + excluded.hot_rows,
         dirty = max(dirty, excluded.dirty),
         tier = CASE WHEN tier = 'warm' AND hot_rows + excluded.hot_rows > 0 THEN 'mixed' ELSE tier END,
         min_bucket = min(coalesce(min_bucket, excluded.min_bucket), coalesce(excluded.min_bucket, min_bucket)),
         max_bucket = max(coalesce(max_bucket, excluded.max_bucket), coalesce(excluded.max_bucket, max_bucket))
       RETURNING hot_rows`,
      rollup,
      p.key,
      p.start,
      p.end,
      change.rows,
      change.dirty ? 1 : 0,
      change.minBucket,
      change.maxBucket,
    )
    .one();
  return { hotRows: r.hot_rows as number };
}
