/**
 * Item 1 and the definition faults: every invalid definition is 400 INVALID_ROLLUP naming the
 * path; unknown source 404; the same definition twice is idempotent, another under the name 409
 * ROLLUP_EXISTS; a 33rd rollup 409 ROLLUP_LIMIT; unknown rollup 404; dropping a used table 409
 * TABLE_IN_USE, forced drop takes the rollups along and a new table of the name has none.
 */
import { describe, expect, it } from "vitest";
import { BY_ORIGIN_DAY, fixture, flights } from "./helpers.ts";

const fails = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    const e = err as { code?: string; status?: number; detail?: string };
    return `${e.status} ${e.code} ${e.detail}`;
  }
  return "ok";
};

describe("rollup definitions", () => {
  const f = fixture();
  flights(f, []);
  const def = (patch: Record<string, unknown>) => ({ ...BY_ORIGIN_DAY, name: "x", ...patch });
  const m = (extra: Record<string, unknown>) => ({ measures: [{ name: "m", ...extra }] });

  it.each([
    ["unknown dimension", def({ dimensions: ["carrier"] }), "definition.dimensions[0]"],
    ["unknown measure column", def(m({ agg: "sum", column: "nope" })), "definition.measures[0].column"],
    ["sum of text", def(m({ agg: "sum", column: "origin" })), "definition.measures[0].column"],
    ["quantiles of text", def(m({ agg: "quantiles", column: "dest" })), "definition.measures[0].column"],
    [
      "min of a real is fine, of a blob-less text fine; countDistinct of json refused",
      def({ dimensions: ["dist"] }),
      "ok",
    ],
    [
      "time column not a timestamp",
      def({ timeDimension: { column: "delay", grain: "day" } }),
      "definition.timeDimension.column",
    ],
    [
      "week grain with month partitions",
      def({ timeDimension: { column: "ts", grain: "week" }, partitionGrain: "month" }),
      "definition.partitionGrain",
    ],
    [
      "precision outside 10–16",
      def(m({ agg: "countDistinct", column: "dest", precision: 9 })),
      "definition.measures[0].precision",
    ],
    [
      "33 measures",
      def({ measures: Array.from({ length: 33 }, (_, i) => ({ name: `m${i}`, agg: "count" })) }),
      "definition.measures",
    ],
    ["17 dimensions", def({ dimensions: Array.from({ length: 17 }, () => "origin") }), "definition.dimensions"],
    [
      "bad zone",
      def({ timeDimension: { column: "ts", grain: "day", timeZone: "Mars/Base" } }),
      "definition.timeDimension.timeZone",
    ],
    ["bad name", def({ name: "Bad-Name" }), "definition.name"],
  ])("%s", (_, d, path) => {
    const out = fails(() => f.preAgg.createRollup(d));
    if (path === "ok") expect(out).toBe("ok");
    else expect(out).toMatch(new RegExp(`^400 INVALID_ROLLUP ${path.replace(/[[\].]/g, "\\$&")}`));
  });

  it("refuses a nullable time column", () => {
    f.tables.createTable({
      name: "ev",
      columns: [
        { name: "id", type: "integer" },
        { name: "at", type: "timestamp" },
      ],
      primaryKey: "id",
    });
    expect(
      fails(() =>
        f.preAgg.createRollup({
          ...BY_ORIGIN_DAY,
          name: "y",
          source: "ev",
          measures: [{ name: "n", agg: "count" }],
          dimensions: [],
          timeDimension: { column: "at", grain: "day" },
        }),
      ),
    ).toMatch(/^400 INVALID_ROLLUP definition\.timeDimension\.column: at must be a NOT NULL timestamp/);
  });

  it("answers 404, 409 and idempotent definitions; limits rollups to 32", () => {
    expect(fails(() => f.preAgg.createRollup({ ...BY_ORIGIN_DAY, source: "nope" }))).toMatch(/^404 TABLE_NOT_FOUND/);
    expect(f.preAgg.createRollup(BY_ORIGIN_DAY).created).toBe(true);
    expect(f.preAgg.createRollup(BY_ORIGIN_DAY).created).toBe(false);
    expect(fails(() => f.preAgg.createRollup({ ...BY_ORIGIN_DAY, maintenance: "deferred" }))).toMatch(
      /^409 ROLLUP_EXISTS/,
    );
    expect(fails(() => f.preAgg.rollup("nope"))).toMatch(/^404 ROLLUP_NOT_FOUND/);
    expect(fails(() => f.preAgg.dropRollup("nope"))).toMatch(/^404 ROLLUP_NOT_FOUND/);
    const small = {
      source: "flights",
      measures: [{ name: "n", agg: "count" }],
      timeDimension: { column: "ts", grain: "day" },
    };
    for (let i = f.preAgg.rollups().length; i < 32; i++) f.preAgg.createRollup({ ...small, name: `r${i}` });
    expect(fails(() => f.preAgg.createRollup({ ...small, name: "r_last" }))).toMatch(/^409 ROLLUP_LIMIT/);
  });

  it("vetoes dropping a used table; a forced drop takes its rollups, a new table of the name starts with none", () => {
    expect(fails(() => f.tables.dropTable("flights"))).toMatch(/^409 TABLE_IN_USE .*pre-agg: rollup by_origin_day/);
    f.tables.dropTable("flights", true);
    expect(f.preAgg.rollups().filter((r) => r.source === "flights")).toEqual([]);
    expect(f.sql.exec("SELECT name FROM sqlite_master WHERE name GLOB 'preagg_r_*'").toArray()).toEqual([]);
    flights(f, []);
    expect(f.preAgg.usesOf("flights")).toEqual([]);
  });
});
