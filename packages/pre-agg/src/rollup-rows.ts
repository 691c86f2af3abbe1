/**
 * SQL over one rollup's table: the upsert that merges a group (one statement; sketches merged
 * in JS first), reading a group's stored sketches, and the partition bookkeeping.
 * @module
 */
import type { Sql, SqlBinding, SqlRow, SqlValue } from "@durable/core";
import { cellFromStored, cellToBinding, type Group, mergeStates, type StateCell } from "./accumulator.ts";
import { type Layout, nullSentinel, rollupTable } from "./layout.ts";
import type { Rollup } from "./registry.ts";
import { quoteIdent } from "./sql-names.ts";

const statements = new WeakMap<
  Layout,
  {
    upsert: string;
    upsertReturning: string;
    upsertMany: (n: number) => string;
    perStatement: number;
    probe: string;
    keyNames: string[];
    sketches: boolean;
    del: string;
    keyWhere: string;
  }
>();

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
  const tuple = `(${cols.map(() => "?").join(", ")})`;
  const conflict = ` ON CONFLICT (${key.join(", ")}) DO UPDATE SET ${sets.join(", ")}`;
  const upsert = `INSERT INTO ${table} (${cols.join(", ")}) VALUES ${tuple}${conflict}`;
  // Groups are distinct keys, so several fit one multi-row upsert (within DO SQLite's 100 bindings).
  const perStatement = Math.max(1, Math.floor(99 / cols.length));
  const multi = new Map<number, string>();
  const upsertMany = (n: number): string => {
    let text = multi.get(n);
    if (!text) {
      text = `INSERT INTO ${table} (${cols.join(", ")}) VALUES ${new Array(n).fill(tuple).join(", ")}${conflict}`;
      multi.set(n, text);
    }
    return text;
  };
  const out = {
    upsert,
    upsertMany,
    perStatement,
    upsertReturning: `${upsert} RETURNING s_rows`,
    probe: `SELECT ${[...key, ...sketches].join(", ")} FROM json_each(?) AS j CROSS JOIN ${table} WHERE ${key.map((k, i) => `${k} = json_extract(j.value, '$[${i}]')`).join(" AND ")}`,
    keyNames: ["bucket", ...layout.keyColumns],
    sketches: sketches.length > 0,
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

/**
 * Merges the groups of one partition into the rollup's table: one statement reads the stored
 * rows of every group (by key tuples through `json_each`, each a primary-key probe), then
 * multi-row upserts (several distinct groups per statement; sketch states merged in JS first).
 * A removal runs alone with RETURNING: a group whose row count reaches 0 is deleted.
 * @returns the change in the partition's row count
 * @throws when a stored sketch does not decode (the caller marks the partition dirty)
 */
export function mergeGroups(sql: Sql, rollup: Rollup, partitionKey: string, groups: readonly Group[]): number {
  const layout = rollup.layout;
  const st = statementsOf(rollup);
  const keys = groups.map((g) => keyBindings(layout, g));
  const existing = new Map<string, SqlRow>();
  for (const row of sql.exec(st.probe, JSON.stringify(keys.map((k) => k.map(jsonable))))) {
    existing.set(JSON.stringify(st.keyNames.map((k) => jsonable(row[k] ?? null))), row);
  }
  let delta = 0;
  let pending: SqlBinding[][] = [];
  const flush = () => {
    if (pending.length > 0) sql.exec(st.upsertMany(pending.length), ...pending.flat());
    pending = [];
  };
  groups.forEach((g, gi) => {
    const key = keys[gi] as SqlBinding[];
    const stored = existing.get(JSON.stringify(key.map(jsonable)));
    const cells: StateCell[] = g.states;
    if (st.sketches && stored && !g.negative) {
      layout.states.forEach((s, i) => {
        if (s.kind !== "hll" && s.kind !== "kll") return;
        const merged = [cellFromStored(s, stored[s.name] as SqlValue)];
        mergeStates({ ...layout, states: [s] }, merged, [cells[i] as StateCell]);
        cells[i] = merged[0] as StateCell;
      });
    }
    const bindings: SqlBinding[] = [partitionKey, ...key];
    layout.states.forEach((s, i) => {
      const keepStored = g.negative && (s.kind === "hll" || s.kind === "kll" || s.kind === "min" || s.kind === "max");
      bindings.push(keepStored ? null : cellToBinding(s, cells[i] ?? null));
    });
    if (!g.negative) {
      pending.push(bindings);
      if (pending.length === st.perStatement) flush();
      if (!stored) delta++;
      return;
    }
    const rows = sql.exec(st.upsertReturning, ...bindings).one().s_rows as number;
    if (rows <= 0) {
      sql.exec(st.del, ...key);
      if (stored) delta--;
    } else if (!stored) delta++;
  });
  flush();
  return delta;
}

function jsonable(v: unknown): unknown {
  return typeof v === "bigint" ? Number(v) : v;
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
