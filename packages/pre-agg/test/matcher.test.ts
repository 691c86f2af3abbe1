/**
 * Item 6: a table-driven test of every reason code, week versus month, range alignment, zones
 * and DST (days of 23 and 25 hours), the cheapest choice with its tie-breaks, and the 409 of
 * `rollupOnly` when nothing matches.
 */
import { describe, expect, it } from "vitest";
import { type AnalyticsQuery, bucketStart, nextBucket, rawQuery } from "../src/index.ts";
import { fixture, flights, sampleRows } from "./helpers.ts";

const base = {
  source: "flights",
  measures: [
    { name: "n", agg: "count" },
    { name: "d", agg: "sum", column: "delay" },
  ],
};
const ROLLUPS = [
  { ...base, name: "hourly", dimensions: ["origin"], timeDimension: { column: "ts", grain: "hour" } },
  { ...base, name: "daily", dimensions: ["origin"], timeDimension: { column: "ts", grain: "day" } },
  { ...base, name: "weekly", dimensions: ["origin"], timeDimension: { column: "ts", grain: "week" } },
  {
    ...base,
    name: "ny_daily",
    dimensions: ["origin"],
    timeDimension: { column: "ts", grain: "day", timeZone: "America/New_York" },
  },
  { ...base, name: "routes", dimensions: ["origin", "dest"], timeDimension: { column: "ts", grain: "day" } },
];

async function setup() {
  const f = fixture();
  flights(f, sampleRows(1500));
  for (const r of ROLLUPS) f.preAgg.createRollup(r);
  await f.fireWakes();
  f.preAgg.createRollup({ ...base, name: "late", timeDimension: { column: "ts", grain: "day" } });
  return f;
}

const q = (patch: Partial<AnalyticsQuery>): AnalyticsQuery => ({
  table: "flights",
  measures: [{ agg: "count" }, { agg: "avg", column: "delay" }],
  dimensions: ["origin"],
  timeDimension: { column: "ts", grain: "month", range: { from: "2001-01-01", to: "2001-03-01" } },
  ...patch,
});

describe("matcher", async () => {
  const f = await setup();
  const reasons = (query: AnalyticsQuery) =>
    Object.fromEntries(f.preAgg.explain(query).candidates.map((c) => [c.rollup, c.reasons.join(",") || "CHOSEN"]));

  it.each([
    [
      "month from hour/day, not from week; zone of ny_daily differs",
      q({}),
      {
        hourly: "HIGHER_COST",
        daily: "CHOSEN",
        weekly: "GRAIN_NOT_MULTIPLE,TIME_RANGE_NOT_ALIGNED",
        ny_daily: "TIMEZONE_MISMATCH",
        late: "MISSING_DIMENSION,NOT_BUILT",
      },
    ],
    [
      "week from hour and day; week from week",
      q({ timeDimension: { column: "ts", grain: "week", range: { from: "2001-01-01", to: "2001-02-05" } } }),
      { weekly: "CHOSEN", daily: "HIGHER_COST" },
    ],
    [
      "unaligned range",
      q({ timeDimension: { column: "ts", grain: "hour", range: { from: "2001-01-01T00:30:00Z", to: "2001-01-02" } } }),
      { hourly: "TIME_RANGE_NOT_ALIGNED", daily: "GRAIN_NOT_MULTIPLE,TIME_RANGE_NOT_ALIGNED" },
    ],
    [
      "missing measure",
      q({ measures: [{ agg: "countDistinct", column: "dest" }] }),
      { hourly: "MISSING_MEASURE", routes: "MISSING_MEASURE" },
    ],
    ["missing dimension", q({ dimensions: ["dest"] }), { hourly: "MISSING_DIMENSION", routes: "CHOSEN" }],
    [
      "filter on a non-dimension",
      q({ where: { col: "dest", op: "=", value: "SFO" } }),
      { hourly: "MISSING_FILTER_DIMENSION", routes: "CHOSEN" },
    ],
    [
      "zone matches",
      q({
        timeDimension: {
          column: "ts",
          grain: "day",
          timeZone: "America/New_York",
          range: { from: "2001-01-01T05:00:00Z", to: "2001-02-01T05:00:00Z" },
        },
      }),
      { ny_daily: "CHOSEN", daily: "TIMEZONE_MISMATCH", hourly: "TIMEZONE_MISMATCH" },
    ],
  ])("%s", (_, query, expected) => {
    expect(reasons(query)).toMatchObject(expected);
  });

  it("chooses the cheapest match and answers like the raw rows; rollupOnly refuses a miss with 409", async () => {
    const e = f.preAgg.explain(q({}));
    const costs = Object.fromEntries(e.candidates.map((c) => [c.rollup, c.costUs]));
    expect(costs.daily).toBeLessThan(costs.hourly as number);
    expect(e.chosen).toBe("daily");
    expect(e.candidates.find((c) => c.rollup === "daily")?.estimatedRows).toBeGreaterThan(0);
    const a = await f.preAgg.query(q({}));
    expect(a.meta).toMatchObject({ source: "rollup", rollup: e.chosen });
    expect(a.rows).toEqual(rawQuery(f.tables, f.sql, q({})).rows);
    await expect(f.preAgg.query(q({ dimensions: ["dist"] }), { rollupOnly: true })).rejects.toThrow(
      /NO_MATCHING_ROLLUP/,
    );
    expect((await f.preAgg.query(q({ dimensions: ["dist"] }))).meta.source).toBe("raw");
  });

  it("buckets DST days as 23 and 25 hours, and a zoned rollup answers like the raw rows", async () => {
    const zone = "America/New_York";
    const spring = bucketStart(Date.parse("2001-04-01T12:00:00Z"), "day", zone);
    expect(nextBucket(spring, "day", zone) - spring).toBe(23 * 3_600_000);
    const fall = bucketStart(Date.parse("2001-10-28T12:00:00Z"), "day", zone);
    expect(nextBucket(fall, "day", zone) - fall).toBe(25 * 3_600_000);
    expect(new Date(bucketStart(Date.parse("2001-03-01T03:00:00Z"), "month", zone)).toISOString()).toBe(
      "2001-02-01T05:00:00.000Z",
    );
    const zq = q({ timeDimension: { column: "ts", grain: "week", timeZone: zone } });
    const a = await f.preAgg.query(zq);
    expect(a.meta.rollup).toBe("ny_daily");
    expect(a.rows).toEqual(rawQuery(f.tables, f.sql, zq).rows);
  });
});
