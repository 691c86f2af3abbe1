/**
 * The console's view-model functions in Node: sizes, durations, ages, lag and metric formatting
 * at their unit boundaries, the benchmark bars' scaling (linear, log past a 20× span, zero
 * targets) and the DAG graph's columns. Property tests generate the edges (rounding into the next
 * unit, huge spans, zeros) on purpose.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LOG_SPAN, meets, scaleBar } from "../public/js/chart-scale.js";
import { depths } from "../public/js/dag-graph.js";
import {
  formatAge,
  formatBytes,
  formatCount,
  formatDuration,
  formatLag,
  formatMetric,
  formatPercent,
  formatTime,
} from "../public/js/format.js";

describe("formatBytes", () => {
  it("uses binary units with one decimal and carries a rounded 1024 into the next unit", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1,023 B");
    expect(formatBytes(1024)).toBe("1.0 KiB");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(1024 * 1024 - 1)).toBe("1.0 MiB");
    expect(formatBytes(5 * 1024 ** 3)).toBe("5.0 GiB");
    expect(formatBytes(3 * 1024 ** 5)).toBe("3072.0 TiB");
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, null, undefined]) expect(formatBytes(bad)).toBe("–");
  });

  it("property: never prints 1024.0 of a unit below TiB, and the number parses back within 5%", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1024, max: 2 ** 50 }), (n) => {
        const text = formatBytes(n);
        expect(text).not.toMatch(/^1024\.0 (KiB|MiB|GiB)$/);
        const [num, unit] = text.split(" ") as [string, string];
        const factor = 1024 ** ["B", "KiB", "MiB", "GiB", "TiB"].indexOf(unit);
        expect(Math.abs(Number(num) * factor - n) / n).toBeLessThan(0.05);
      }),
    );
  });
});

describe("durations, ages and lag", () => {
  it("formats durations at each boundary", () => {
    expect(formatDuration(0)).toBe("0 ms");
    expect(formatDuration(999)).toBe("999 ms");
    expect(formatDuration(1000)).toBe("1.0 s");
    expect(formatDuration(59_999)).toBe("59.9 s");
    expect(formatDuration(60_000)).toBe("1 min 0 s");
    expect(formatDuration(3_599_999)).toBe("59 min 59 s");
    expect(formatDuration(3_600_000)).toBe("1 h 0 min");
    expect(formatDuration(86_400_000 + 3 * 3_600_000)).toBe("1 d 3 h");
    expect(formatDuration(-1)).toBe("–");
    expect(formatDuration(null)).toBe("–");
  });

  it("says ago for the past, in for the future, never for none", () => {
    const now = Date.UTC(2026, 11, 4, 12);
    expect(formatAge(now - 4_200, now)).toBe("4.2 s ago");
    expect(formatAge(now, now)).toBe("0 ms ago");
    expect(formatAge(now + 185_000, now)).toBe("in 3 min 5 s");
    expect(formatAge(null, now)).toBe("never");
  });

  it("shows lag in events and time behind, and caught up as 0 events", () => {
    expect(formatLag(0, 0)).toBe("0 events");
    expect(formatLag(-3, 10)).toBe("0 events");
    expect(formatLag(1, 250)).toBe("1 event · 250 ms behind");
    expect(formatLag(1204, 3200)).toBe("1,204 events · 3.2 s behind");
    expect(formatLag(5, null)).toBe("5 events");
    expect(formatLag(undefined, 5)).toBe("–");
  });

  it("property: a duration's text is monotone in its unit order (longer never reads as a smaller unit)", () => {
    const rank = (t: string) =>
      t.endsWith(" ms")
        ? 0
        : t.endsWith(" s") && !t.includes("min")
          ? 1
          : t.includes(" h")
            ? t.includes(" d ")
              ? 4
              : 3
            : 2;
    fc.assert(
      fc.property(fc.nat(10 * 86_400_000), fc.nat(10 * 86_400_000), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(rank(formatDuration(lo))).toBeLessThanOrEqual(rank(formatDuration(hi)));
      }),
    );
  });
});

describe("numbers", () => {
  it("formats counts, metrics, percentages and times", () => {
    expect(formatCount(20000)).toBe("20,000");
    expect(formatCount(2.6)).toBe("3");
    expect(formatMetric(231072)).toBe("231,072");
    expect(formatMetric(1.55)).toBe("1.55");
    expect(formatMetric(0.00417)).toBe("0.00417");
    expect(formatMetric(17.4163)).toBe("17.416");
    expect(formatMetric(0)).toBe("0");
    expect(formatPercent(0.5)).toBe("50.0%");
    expect(formatPercent(1.7)).toBe("100%");
    expect(formatPercent(null)).toBe("–");
    expect(formatTime(Date.UTC(2026, 11, 4, 9, 5, 7))).toBe("2026-12-04 09:05:07 UTC");
  });
});

describe("scaleBar", () => {
  it("draws both on one linear axis up to 1.2× the larger", () => {
    const bar = scaleBar(1.55, { metric: "overhead", op: "<=", value: 1.3 });
    expect(bar).toEqual({ scale: "linear", measured: 1.55 / (1.55 * 1.2), target: 1.3 / (1.55 * 1.2), met: false });
    expect(scaleBar(0.627, { metric: "r", op: ">=", value: 0.5 }).met).toBe(true);
  });

  it("switches to log past a 20× span so a 36× miss keeps the target visible", () => {
    const bar = scaleBar(3594, { metric: "estimate_p99_us", op: "<=", value: 100 });
    expect(bar.scale).toBe("log");
    expect(bar.met).toBe(false);
    expect(bar.target).toBeGreaterThan(0.15);
    expect(bar.measured).toBeGreaterThan(bar.target);
    expect(bar.measured).toBeLessThanOrEqual(1);
    expect(scaleBar(20, { metric: "x", op: ">=", value: 1 }).scale).toBe("linear");
    expect(LOG_SPAN).toBe(20);
  });

  it("puts zero against a zero target at the start, met; zero against a positive target is an empty bar", () => {
    expect(scaleBar(0, { metric: "lost_events", op: "<=", value: 0 })).toEqual({
      scale: "linear",
      measured: 0,
      target: 0,
      met: true,
    });
    expect(scaleBar(3, { metric: "lost_events", op: "<=", value: 0 })).toMatchObject({
      measured: 1 / 1.2,
      target: 0,
      met: false,
    });
    expect(scaleBar(0, { metric: "rps", op: ">=", value: 100 })).toMatchObject({ measured: 0, met: false });
  });

  it("property: positions stay in [0, 1], order is kept, and met agrees with the comparison", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        fc.constantFrom(">=" as const, "<=" as const),
        (measured, value, op) => {
          const target = { metric: "m", op, value };
          const bar = scaleBar(measured, target);
          for (const p of [bar.measured, bar.target]) expect(p >= 0 && p <= 1).toBe(true);
          if (measured > value) expect(bar.measured).toBeGreaterThanOrEqual(bar.target);
          if (measured < value) expect(bar.measured).toBeLessThanOrEqual(bar.target);
          expect(bar.met).toBe(meets(measured, target));
          expect(bar.met).toBe(op === ">=" ? measured >= value : measured <= value);
        },
      ),
    );
  });
});

describe("the DAG graph's columns", () => {
  it("places each task one column after its deepest dependency; unknown deps and cycles do not loop", () => {
    const d = depths([
      { id: "extract", dependsOn: [] },
      { id: "clean", dependsOn: ["extract"] },
      { id: "enrich", dependsOn: ["extract"] },
      { id: "load", dependsOn: ["clean", "enrich", "missing"] },
      { id: "report", dependsOn: ["load", "extract"] },
    ]);
    expect(Object.fromEntries(d)).toEqual({ extract: 0, clean: 1, enrich: 1, load: 2, report: 3 });
    const cyclic = depths([
      { id: "a", dependsOn: ["b"] },
      { id: "b", dependsOn: ["a"] },
    ]);
    expect(cyclic.size).toBe(2);
  });
});

describe("vector index facts", () => {
  it("reads training and IVF progress from whatever the route nests", async () => {
    const { flattenIndex, ivfProgress, trainingProgress } = await import("../public/js/views/vector.js");
    const flat = flattenIndex({
      name: "docs",
      config: { ivfThreshold: 16, dimensions: 8 },
      vectorCount: 4,
      mode: "exact",
    });
    expect(flat).toMatchObject({ name: "docs", ivfThreshold: 16, dimensions: 8, vectorCount: 4 });
    expect(ivfProgress(flat)).toBe(0.25);
    expect(ivfProgress({ ...flat, vectorCount: 40 })).toBe(1);
    expect(ivfProgress({ ...flat, mode: "ivf" })).toBe(1);
    expect(ivfProgress({ mode: "exact" })).toBeNull();
    expect(trainingProgress({ training: { progress: 0.4 } })).toBe(0.4);
    expect(trainingProgress({ training: { done: 3, total: 12 } })).toBe(0.25);
    expect(trainingProgress({ training: { done: 3, total: 0 } })).toBeNull();
    expect(trainingProgress({})).toBeNull();
  });
});
