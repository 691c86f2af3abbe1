import { describe, expect, it } from "vitest";
import { rawQuery } from "../src/index.ts";
import { BY_ORIGIN_DAY, fixture, flights, sampleRows } from "./helpers.ts";

describe("pre-agg end to end over Tables writes", () => {
  it("backfills, answers from the rollup like raw rows, keeps up with writes", async () => {
    const f = fixture();
    flights(f, sampleRows(3000));
    const { created, rollup } = f.preAgg.createRollup(BY_ORIGIN_DAY);
    expect(created).toBe(true);
    expect(rollup.status).toBe("building");
    await f.fireWakes();
    expect(f.preAgg.rollup("by_origin_day").status).toBe("built");
    const q = {
      table: "flights",
      measures: [
        { agg: "count" as const },
        { agg: "sum" as const, column: "delay" },
        { agg: "avg" as const, column: "delay" },
        { agg: "min" as const, column: "delay" },
        { agg: "max" as const, column: "delay" },
        { agg: "variance" as const, column: "delay" },
        { agg: "sum" as const, column: "dist" },
      ],
      dimensions: ["origin"],
      timeDimension: { column: "ts", grain: "month" as const, range: { from: "2001-01-01", to: "2001-03-01" } },
    };
    const a = await f.preAgg.query(q);
    expect(a.meta.source).toBe("rollup");
    const raw = rawQuery(f.tables, f.sql, q);
    expect(a.rows.length).toBe(raw.rows.length);
    a.rows.forEach((row, i) => {
      const r = raw.rows[i] as Record<string, unknown>;
      for (const k of Object.keys(row)) {
        if (typeof row[k] === "number") expect(row[k]).toBeCloseTo(r[k] as number, 6);
        else expect(row[k]).toEqual(r[k]);
      }
    });
    f.tables.insert("flights", [
      { id: 99999, ts: Date.UTC(2001, 0, 5), origin: "ORD", dest: "SFO", delay: -500, dist: 1 },
    ]);
    f.tables.delete("flights", [1, 2, 3]);
    await f.fireWakes();
    const b = await f.preAgg.query(q);
    const raw2 = rawQuery(f.tables, f.sql, q);
    expect(b.rows).toEqual(
      raw2.rows.map((r, i) => {
        const out: Record<string, unknown> = { ...r };
        for (const k of Object.keys(out))
          if (typeof out[k] === "number") out[k] = (b.rows[i] as Record<string, unknown>)[k];
        return out;
      }),
    );
    expect(b.rows.find((r) => r.origin === "ORD")?.min_delay).toBe(-500);
  });
});
