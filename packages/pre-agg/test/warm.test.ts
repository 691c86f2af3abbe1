/**
 * Item 8 on an in-memory BlobStore: compaction writes one Parquet file per ended partition (Hive
 * path, key-value metadata), reads prune files by partition and row groups by footer min/max
 * (counted), answers across tiers equal the all-hot answers, a late row turns its partition
 * `mixed` and folds in at the next compaction; a failed put leaves the partition hot (backoff,
 * nothing deleted); a compaction interrupted after its put redoes cleanly; a file that will not
 * read dirties its partition and the answer comes from raw rows, never a wrong number.
 */
import { MemoryBlobStore } from "@durable/core";
import { parquetMetadata } from "hyparquet";
import { describe, expect, it } from "vitest";
import { type AnalyticsQuery, rawQuery } from "../src/index.ts";
import { BY_ORIGIN_DAY, fixture, flights, sampleRows, T0 } from "./helpers.ts";

const Q: AnalyticsQuery = {
  table: "flights",
  measures: [
    { agg: "count" },
    { agg: "avg", column: "delay" },
    { agg: "max", column: "delay" },
    { agg: "countDistinct", column: "dest" },
  ],
  dimensions: ["origin"],
  timeDimension: { column: "ts", grain: "month", range: { from: "2001-01-01", to: "2001-03-01" } },
};
const DAILY = { ...BY_ORIGIN_DAY, partitionGrain: "day" };

async function compacted(blobs = new MemoryBlobStore()) {
  const f = fixture({ blobs });
  flights(f, sampleRows(1200));
  f.preAgg.createRollup(DAILY);
  await f.fireWakes();
  const hot = await f.preAgg.query(Q);
  await f.preAgg.onWake({ owner: "pre-agg", key: "compact", dueAt: f.clock.now(), payload: null });
  return { f, hot };
}

describe("warm tier", () => {
  it("compacts ended partitions to Parquet and answers across tiers like the hot rollup", async () => {
    const { f, hot } = await compacted();
    const info = f.preAgg.rollup("by_origin_day");
    expect(info.partitions.warm).toBeGreaterThan(50);
    expect(f.sql.exec("SELECT count(*) AS n FROM preagg_r_by_origin_day").one().n).toBe(0);
    const keys = (await f.blobs.list({ prefix: "preagg/acme/by_origin_day/" })).objects.map((o) => o.key);
    expect(keys[0]).toMatch(
      new RegExp(`^preagg/acme/by_origin_day/v${info.version}/partition=2001-\\d\\d-\\d\\d/part-0\\.parquet$`),
    );
    const bytes = (await f.blobs.get(keys[0] as string)) as Uint8Array;
    const meta = parquetMetadata(bytes.slice().buffer);
    expect(meta.key_value_metadata?.find((k) => k.key === "preagg.definition_version")?.value).toBe(info.version);
    expect(meta.schema.map((s) => s.name)).toContain("s_kll200_delay");
    const warm = await f.preAgg.query(Q);
    expect(warm.meta.tiers).toEqual(["warm"]);
    expect(warm.rows).toEqual(hot.rows);
    // Pruning: one week of one origin reads only that week's files.
    const before = { ...f.preAgg.warm?.counters };
    await f.preAgg.query({
      ...Q,
      timeDimension: { column: "ts", grain: "day", range: { from: "2001-01-08", to: "2001-01-15" } },
      where: { col: "origin", op: "=", value: "SFO" },
    });
    expect((f.preAgg.warm?.counters.filesRead ?? 0) - (before.filesRead ?? 0)).toBe(7);
  });

  it("a late row makes its partition mixed, merged at query time and folded in at the next compaction", async () => {
    const { f } = await compacted();
    f.tables.insert("flights", [{ id: 90_000, ts: T0 + 3_600_000, origin: "SFO", dest: "XYZ", delay: 500, dist: 1 }]);
    expect(f.preAgg.rollup("by_origin_day").partitions.mixed).toBe(1);
    const mixed = await f.preAgg.query(Q);
    expect(mixed.meta.tiers.sort()).toEqual(["hot", "warm"]);
    expect(mixed.rows).toEqual(
      rawQuery(f.tables, f.sql, { ...Q, measures: Q.measures.slice(0, 3) }).rows.map((r, i) => ({
        ...r,
        countDistinct_dest: mixed.rows[i]?.countDistinct_dest,
      })),
    );
    await f.preAgg.onWake({ owner: "pre-agg", key: "compact", dueAt: f.clock.now(), payload: null });
    expect(f.preAgg.rollup("by_origin_day").partitions.mixed).toBe(0);
    expect((await f.preAgg.query(Q)).rows).toEqual(mixed.rows);
  });

  it("a failed put leaves the partition hot and retries with backoff; an interrupted compaction redoes cleanly", async () => {
    const blobs = new MemoryBlobStore();
    const put = blobs.put.bind(blobs);
    let fail = true;
    blobs.put = async (...a: Parameters<typeof put>) => {
      if (fail) throw new Error("R2 down");
      return put(...a);
    };
    const f = fixture({ blobs });
    flights(f, sampleRows(300));
    f.preAgg.createRollup(DAILY);
    await f.fireWakes();
    const hot = await f.preAgg.query(Q);
    const hotRows = f.sql.exec("SELECT count(*) AS n FROM preagg_r_by_origin_day").one().n;
    await f.preAgg.onWake({ owner: "pre-agg", key: "compact", dueAt: f.clock.now(), payload: null });
    expect(f.preAgg.rollup("by_origin_day").partitions.warm).toBe(0);
    expect(f.sql.exec("SELECT count(*) AS n FROM preagg_r_by_origin_day").one().n).toBe(hotRows);
    const retry = f.wakes.pending().find((w) => w.key === "compact");
    expect((retry?.atMs ?? 0) - f.clock.now()).toBeLessThanOrEqual(60_000);
    // Put succeeds but the DO is evicted before the partition is marked: the next run redoes it.
    fail = false;
    const r = f.sql.exec("SELECT * FROM preagg_partitions LIMIT 1").one();
    const v = f.preAgg.rollup("by_origin_day").version;
    await blobs.put(
      `preagg/acme/by_origin_day/v${v}/partition=${r.partition_key}/part-0.parquet`,
      new Uint8Array([1, 2, 3]),
    );
    await f.preAgg.onWake({ owner: "pre-agg", key: "compact", dueAt: f.clock.now(), payload: null });
    expect(f.preAgg.rollup("by_origin_day").partitions.hot).toBe(0);
    expect((await f.preAgg.query(Q)).rows).toEqual(hot.rows);
  });

  it("a file that will not read dirties its partition; the answer comes from raw rows and is right", async () => {
    const { f, hot } = await compacted();
    const key = f.sql.exec("SELECT file_key FROM preagg_partitions WHERE partition_key = '2001-01-02'").one()
      .file_key as string;
    await f.blobs.put(key, new Uint8Array([9, 9, 9, 9]));
    const p = f.sql.exec("SELECT file_key FROM preagg_partitions WHERE partition_key = '2001-01-03'").one()
      .file_key as string;
    await f.blobs.delete(p);
    const a = await f.preAgg.query(Q);
    expect(a.meta.source).toBe("mixed");
    expect(f.preAgg.rollup("by_origin_day").partitions.dirty).toBe(2);
    const exact = rawQuery(f.tables, f.sql, { ...Q, measures: Q.measures.slice(0, 3) }).rows;
    expect(a.rows.map((r) => ({ ...r, countDistinct_dest: 0 }))).toEqual(
      exact.map((r) => ({ ...r, countDistinct_dest: 0 })),
    );
    await expect(f.preAgg.query(Q, { rollupOnly: true })).rejects.toThrow(/PARTITION_UNAVAILABLE/);
    await f.fireWakes();
    expect(f.preAgg.rollup("by_origin_day").partitions.dirty).toBe(0);
    expect((await f.preAgg.query(Q)).rows).toEqual(hot.rows);
  });
});
