/**
 * A change the hook cannot group (an instant the rollup's zone cannot bucket) must neither fail
 * the user's write nor leave the rollup silently short of that row: the rollup starts over
 * (building, so queries read raw rows) and answers equal the raw ones.
 */
import { describe, expect, it } from "vitest";
import { type AnalyticsQuery, rawQuery } from "../src/index.ts";
import { BY_ORIGIN_DAY, fixture, flights, sampleRows } from "./helpers.ts";

const PARIS = {
  ...BY_ORIGIN_DAY,
  name: "by_origin_day_paris",
  timeDimension: { column: "ts", grain: "day", timeZone: "Europe/Paris" },
};
const Q: AnalyticsQuery = {
  table: "flights",
  measures: [{ agg: "count" }, { agg: "sum", column: "dist" }],
  dimensions: ["origin"],
};

describe("pre-agg hook faults", () => {
  it("a row the zone cannot bucket: the write succeeds, the rollup starts over, answers equal raw", async () => {
    const f = fixture();
    flights(f, sampleRows(200));
    f.preAgg.createRollup(PARIS);
    await f.fireWakes();
    expect(f.preAgg.rollup(PARIS.name).status).toBe("built");
    expect((await f.preAgg.query(Q)).meta.source).toBe("rollup");
    // Past Date's range (8.64e15 ms) yet a safe integer: the tables accept it, Intl cannot format it.
    f.tables.insert("flights", [
      { id: 9001, ts: 9_000_000_000_000_000, origin: "SFO", dest: "ORD", delay: 1, dist: 7 },
    ]);
    const answer = await f.preAgg.query(Q);
    expect(answer.rows).toEqual(rawQuery(f.tables, f.sql, Q).rows);
    expect(f.preAgg.rollup(PARIS.name).status).not.toBe("built");
  });
});
