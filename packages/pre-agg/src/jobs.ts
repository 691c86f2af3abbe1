/**
 * The wake-up work of a rollup: the backfill (50,000 source rows per wake-up in primary-key
 * order, with core's keyset helpers), the rebuild of a dirty partition from the source by time
 * range, and the fold of a deferred rollup's deltas. Each runs in one transaction, so an
 * eviction between wake-ups resumes where the last commit left, counting nothing twice.
 * @module
 */
import { keysetAfter, keysetOrderBy, type Sql, type SqlBinding, type SqlValue } from "@durable/core";
import { storageTable } from "@durable/tables";
import { decodeStates, GroupAccumulator, mergeStates } from "./accumulator.ts";
import { rollupTable } from "./layout.ts";
import { type ApplyOutcome, accumulate, applyGroups, Bucketer } from "./maintainer.ts";
import type { Registry, Rollup } from "./registry.ts";
import { type PartitionRow, readPartitions } from "./rollup-rows.ts";
import { quoteIdent } from "./sql-names.ts";

/** Source rows read per backfill wake-up. */
export const BACKFILL_BATCH_ROWS = 50_000;

/** The rollup as the hook sees it once built (no cursor gate). */
const ungated = (r: Rollup): Rollup => ({ ...r, status: "built" });

/**
 * Reads the next batch of source rows after the cursor and merges them.
 * @returns whether the backfill finished, and what applying did
 */
export function backfillStep(sql: Sql, registry: Registry, r: Rollup, now: number, batch = BACKFILL_BATCH_ROWS) {
  const spec = { direction: "asc" as const, keys: r.sourceKey.map(quoteIdent) };
  const after = r.cursor ? keysetAfter(spec, r.cursor as (string | number | null)[]) : null;
  const rows = sql
    .exec(
      `SELECT * FROM ${storageTable(r.def.source)}${after ? ` WHERE ${after.sql}` : ""} ORDER BY ${keysetOrderBy(spec)} LIMIT ?`,
      ...((after?.bindings ?? []) as SqlBinding[]),
      batch,
    )
    .toArray();
  const bucketer = new Bucketer(r);
  const acc = new GroupAccumulator(r.layout);
  accumulate(ungated(r), acc, bucketer, rows, 1);
  const outcome = applyGroups(sql, r, bucketer, acc);
  const last = rows[rows.length - 1];
  const cursor: SqlValue[] | null = last ? r.sourceKey.map((k) => last[k] ?? null) : r.cursor;
  registry.setCursor(r.name, cursor, rows.length);
  const done = rows.length < batch;
  if (done)
    registry.setStatus(
      r.name,
      outcome.tooLarge ? "disabled" : "built",
      outcome.tooLarge ? tooLarge(outcome.tooLarge) : null,
      now,
    );
  return { done, outcome, rows: rows.length };
}

/** The error text of a rollup disabled for a partition's size. */
export const tooLarge = (key: string) => `ROLLUP_TOO_LARGE: partition ${key} outgrew its hot row limit`;

/**
 * Rebuilds one partition from the source rows of its time range (a dirty partition, or one
 * whose warm file failed): its hot rows, deltas and file reference are replaced in one go.
 * @returns the warm file that is no longer referenced, and what applying did
 */
export function rebuildPartition(
  sql: Sql,
  r: Rollup,
  p: PartitionRow,
  now: number,
): { orphan: string | null; outcome: ApplyOutcome } {
  sql.exec(`DELETE FROM ${rollupTable(r.name)} WHERE bucket >= ? AND bucket < ?`, p.start, p.end);
  sql.exec("DELETE FROM preagg_deltas WHERE rollup = ? AND partition_key = ?", r.name, p.key);
  sql.exec(
    `UPDATE preagg_partitions SET dirty = 0, tier = 'hot', hot_rows = 0, warm_rows = 0, bytes = 0, file_key = NULL,
       file_etag = NULL, min_bucket = NULL, max_bucket = NULL WHERE rollup = ? AND partition_key = ?`,
    r.name,
    p.key,
  );
  if (p.fileKey) sql.exec("INSERT OR IGNORE INTO preagg_trash (file_key, added_at) VALUES (?, ?)", p.fileKey, now);
  const time = quoteIdent(r.def.timeDimension.column);
  const rows = sql
    .exec(`SELECT * FROM ${storageTable(r.def.source)} WHERE ${time} >= ? AND ${time} < ?`, p.start, p.end)
    .toArray();
  const bucketer = new Bucketer(r);
  const acc = new GroupAccumulator(r.layout);
  accumulate(r, acc, bucketer, rows, 1);
  return { orphan: p.fileKey, outcome: applyGroups(sql, r, bucketer, acc) };
}

/** Rebuilds every dirty partition of a rollup. @returns how many */
export function rebuildDirty(sql: Sql, r: Rollup, now: number): { rebuilt: number; tooLarge?: string } {
  let rebuilt = 0;
  let large: string | undefined;
  for (const p of readPartitions(sql, r.name)) {
    if (!p.dirty) continue;
    const { outcome } = rebuildPartition(sql, r, p, now);
    large ??= outcome.tooLarge;
    rebuilt++;
  }
  return large ? { rebuilt, tooLarge: large } : { rebuilt };
}

/**
 * Folds a deferred rollup's deltas into its table and deletes them, in the caller's
 * transaction. A delta that does not decode dirties its partition.
 * @returns how many deltas were folded
 */
export function fold(sql: Sql, r: Rollup): { folded: number; outcome: ApplyOutcome } {
  const deltas = sql
    .exec("SELECT id, partition_key, bucket, dims, states FROM preagg_deltas WHERE rollup = ? ORDER BY id", r.name)
    .toArray();
  const bucketer = new Bucketer(r);
  const acc = new GroupAccumulator(r.layout);
  const broken = new Set<string>();
  for (const d of deltas) {
    try {
      const states = decodeStates(r.layout, d.states as ArrayBuffer);
      const { d: dims, neg } = JSON.parse(d.dims as string) as { d: SqlValue[]; neg: boolean };
      const g = acc.group(d.bucket as number, dims, bucketer.partition(d.bucket as number));
      mergeStates(r.layout, g.states, states);
      if (neg) g.negative = true;
    } catch {
      broken.add(d.partition_key as string);
    }
  }
  for (const key of broken)
    sql.exec("UPDATE preagg_partitions SET dirty = 1 WHERE rollup = ? AND partition_key = ?", r.name, key);
  if (deltas.length > 0)
    sql.exec("DELETE FROM preagg_deltas WHERE rollup = ? AND id <= ?", r.name, deltas[deltas.length - 1]?.id as number);
  const outcome = applyGroups(sql, r, bucketer, acc);
  outcome.dirtied.push(...broken);
  return { folded: deltas.length, outcome };
}
