/**
 * Maintenance on the tables write path (item 4): rows of one write are grouped by (bucket,
 * dimensions) in memory and merged with one statement per group, inside the write's
 * transaction; a deferred rollup appends the grouped partial states to `preagg_deltas`
 * instead. Deletes subtract where states allow it, else mark the partition dirty (rebuilt from
 * the source on a wake-up). A rollup's own trouble never fails the write: its partition turns
 * dirty, or the rollup is disabled.
 * @module
 */
import { compareText, type Sql, type SqlRow, type SqlValue } from "@durable/core";
import { addValues, encodeStates, GroupAccumulator, groupKey } from "./accumulator.ts";
import type { Rollup } from "./registry.ts";
import { mergeGroups, readPartitions, touchPartition } from "./rollup-rows.ts";
import { bucketStart, nextBucket, partitionKeyOf } from "./time-buckets.ts";

/** A hot partition over this many rollup rows disables its rollup (ROLLUP_TOO_LARGE). */
export const MAX_HOT_PARTITION_ROWS = 200_000;

/** Compares two source keys in SQLite's order (numbers before text before blobs). */
export function compareKeys(a: readonly SqlValue[], b: readonly SqlValue[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    if (typeof x === "number" && typeof y === "number") return x - y;
    if (typeof x === "number") return -1;
    if (typeof y === "number") return 1;
    if (typeof x === "string" && typeof y === "string") {
      const c = compareText(x, y);
      if (c !== 0) return c;
      continue;
    }
    if (typeof x === "string") return -1;
    if (typeof y === "string") return 1;
    const p = new Uint8Array(x as ArrayBuffer);
    const q = new Uint8Array(y as ArrayBuffer);
    for (let k = 0; k < Math.min(p.length, q.length); k++)
      if (p[k] !== q[k]) return (p[k] as number) - (q[k] as number);
    if (p.length !== q.length) return p.length - q.length;
  }
  return 0;
}

/** Buckets and partitions of one rollup, memoized per instant. */
export class Bucketer {
  readonly #partitionOf = new Map<number, number>();
  constructor(readonly rollup: Rollup) {}

  bucket(ms: number): number {
    const t = this.rollup.def.timeDimension;
    return bucketStart(ms, t.grain, t.timeZone);
  }

  partition(bucket: number): number {
    let p = this.#partitionOf.get(bucket);
    if (p === undefined) {
      const t = this.rollup.def;
      p = bucketStart(bucket, t.partitionGrain, t.timeDimension.timeZone);
      if (this.#partitionOf.size > 10_000) this.#partitionOf.clear();
      this.#partitionOf.set(bucket, p);
    }
    return p;
  }

  partitionKey(start: number): string {
    return partitionKeyOf(start, this.rollup.def.partitionGrain, this.rollup.def.timeDimension.timeZone);
  }

  partitionEnd(start: number): number {
    return nextBucket(start, this.rollup.def.partitionGrain, this.rollup.def.timeDimension.timeZone);
  }
}

/** Whether two rows hold the same values in every column the rollup reads. */
function sameForRollup(r: Rollup, a: SqlRow, b: SqlRow): boolean {
  if (a[r.def.timeDimension.column] !== b[r.def.timeDimension.column]) return false;
  for (const d of r.def.dimensions) if (a[d] !== b[d]) return false;
  for (const s of r.layout.states) if (s.column !== undefined && a[s.column] !== b[s.column]) return false;
  return true;
}

/**
 * Adds rows into an accumulator: `sign` 1 adds, −1 removes. Only rows whose source key is at
 * or before `cursor` count while the rollup is building (the backfill reads the rest).
 */
export function accumulate(
  r: Rollup,
  acc: GroupAccumulator,
  bucketer: Bucketer,
  rows: readonly SqlRow[],
  sign: 1 | -1,
) {
  const time = r.def.timeDimension.column;
  const dims = r.def.dimensions;
  const stateCols = r.layout.states.map((s) => s.column);
  const values: SqlValue[] = new Array(stateCols.length);
  const gate = r.status === "building" ? r.cursor : undefined;
  for (const row of rows) {
    if (gate !== undefined) {
      if (
        gate === null ||
        compareKeys(
          r.sourceKey.map((k) => row[k] ?? null),
          gate,
        ) > 0
      )
        continue;
    }
    const bucket = bucketer.bucket(row[time] as number);
    const dimValues = dims.map((d) => row[d] ?? null);
    const g = acc.group(bucket, dimValues, bucketer.partition(bucket));
    for (let i = 0; i < stateCols.length; i++) {
      const c = stateCols[i];
      values[i] = c === undefined ? 1 : (row[c] ?? null);
    }
    addValues(r.layout, g.states, values, sign);
    if (sign < 0) g.negative = true;
  }
}

/** Groups of a change for one rollup (no-op update pairs skipped). */
export function groupChange(
  r: Rollup,
  bucketer: Bucketer,
  change: { inserted: SqlRow[]; updated: [SqlRow, SqlRow][]; deleted: SqlRow[] },
): GroupAccumulator {
  const acc = new GroupAccumulator(r.layout);
  const pairs = change.updated.filter(([b, a]) => !sameForRollup(r, b, a));
  accumulate(r, acc, bucketer, change.deleted, -1);
  accumulate(
    r,
    acc,
    bucketer,
    pairs.map((p) => p[0]),
    -1,
  );
  accumulate(r, acc, bucketer, change.inserted, 1);
  accumulate(
    r,
    acc,
    bucketer,
    pairs.map((p) => p[1]),
    1,
  );
  return acc;
}

/** What applying groups did. */
export interface ApplyOutcome {
  /** Partitions that turned dirty. */
  dirtied: string[];
  /** Set when a hot partition outgrew its limit. */
  tooLarge?: string;
}

/**
 * Merges groups into the rollup's table and its partition rows. A partition that is dirty is
 * left alone (its rebuild reads the source); a removal from a partition whose states cannot
 * subtract, or from a warm one, turns it dirty.
 */
export function applyGroups(sql: Sql, r: Rollup, bucketer: Bucketer, acc: GroupAccumulator): ApplyOutcome {
  const byPartition = new Map<number, typeof acc.groups extends Map<string, infer G> ? G[] : never>();
  for (const g of acc.groups.values()) {
    if (g.states[0] === 0 && !g.negative) continue;
    let list = byPartition.get(g.partition);
    if (!list) {
      list = [];
      byPartition.set(g.partition, list);
    }
    list.push(g);
  }
  const keys = [...byPartition.keys()].map((p) => bucketer.partitionKey(p));
  const known = new Map(readPartitions(sql, r.name, keys).map((p) => [p.key, p]));
  const out: ApplyOutcome = { dirtied: [] };
  for (const [start, groups] of byPartition) {
    const key = bucketer.partitionKey(start);
    const p = known.get(key);
    let dirty = p?.dirty === true;
    const negative = groups.some((g) => g.negative);
    if (!dirty && negative && (!r.layout.subtractable || (p !== undefined && p.tier !== "hot"))) {
      dirty = true;
      out.dirtied.push(key);
    }
    let rows = 0;
    let minBucket: number | null = null;
    let maxBucket: number | null = null;
    if (!dirty) {
      try {
        rows += mergeGroups(sql, r, key, groups);
      } catch (err) {
        console.error(
          JSON.stringify({
            level: "warn",
            event: "pre-agg group merge failed",
            rollup: r.name,
            partition: key,
            error: String(err),
          }),
        );
        dirty = true;
        out.dirtied.push(key);
      }
      for (const g of groups) {
        if (minBucket === null || g.bucket < minBucket) minBucket = g.bucket;
        if (maxBucket === null || g.bucket > maxBucket) maxBucket = g.bucket;
      }
    }
    const after = touchPartition(
      sql,
      r.name,
      { key, start, end: bucketer.partitionEnd(start) },
      { rows, dirty, minBucket, maxBucket },
    );
    if (after.hotRows > r.maxHotRows) out.tooLarge = key;
  }
  return out;
}

/** Appends the groups of a deferred rollup to `preagg_deltas` (a removal that cannot subtract dirties its partition). */
export function appendDeltas(
  sql: Sql,
  r: Rollup,
  bucketer: Bucketer,
  acc: GroupAccumulator,
  now: number,
): ApplyOutcome {
  const out: ApplyOutcome = { dirtied: [] };
  const dirtied = new Set<number>();
  for (const g of acc.groups.values()) {
    if (g.negative && !r.layout.subtractable && !dirtied.has(g.partition)) {
      dirtied.add(g.partition);
      const key = bucketer.partitionKey(g.partition);
      touchPartition(
        sql,
        r.name,
        { key, start: g.partition, end: bucketer.partitionEnd(g.partition) },
        { rows: 0, dirty: true, minBucket: null, maxBucket: null },
      );
      out.dirtied.push(key);
    }
  }
  for (const g of acc.groups.values()) {
    if (dirtied.has(g.partition) || (g.states[0] === 0 && !g.negative)) continue;
    sql.exec(
      "INSERT INTO preagg_deltas (rollup, partition_key, bucket, dims, states, written_at) VALUES (?, ?, ?, ?, ?, ?)",
      r.name,
      bucketer.partitionKey(g.partition),
      g.bucket,
      JSON.stringify({ d: g.dims, neg: g.negative }),
      encodeStates(r.layout, g.states),
      now,
    );
  }
  return out;
}

export { groupKey };
