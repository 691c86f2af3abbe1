/**
 * Source order and every explain reason with a real PreAgg and CostEstimator: cache within
 * budget → a built rollup within budget → live; NO_MATCHING_ROLLUP, ROLLUP_NOT_BUILT, the
 * matcher's own reasons, ROLLUP_TOO_OLD (a refresh requested, never built inline),
 * REALTIME_REQUIRED, CACHE_MISS / CACHE_TOO_OLD, ROLLUP_UNREADABLE (skipped, markDirty).
 */
import { PlatformError } from "@durable/core";
import { describe, expect, it } from "vitest";
import { QueryRouter } from "../src/index.ts";
import { BY_KIND, createEvents, eventRows, routerHost } from "./helpers.ts";

const BY_KIND_DAY = {
  name: "by_kind_day",
  source: "events",
  measures: [
    { name: "n", agg: "count" },
    { name: "amount_sum", agg: "sum", column: "amount" },
  ],
  dimensions: ["kind"],
  timeDimension: { column: "at", grain: "day" },
};

async function withRollup(maintenance: "incremental" | "deferred" = "incremental", build = true) {
  const h = await routerHost();
  createEvents(h.tables);
  h.tables.insert("events", eventRows(2_000));
  h.preAgg.createRollup({ ...BY_KIND_DAY, maintenance });
  if (build) await h.host.fireDueWakes();
  return h;
}

const reasonsOf = (plan: { candidates: { source: string; name?: string; reasons: string[] }[] }, source: string) =>
  plan.candidates.filter((c) => c.source === source).flatMap((c) => c.reasons);

describe("source choice", () => {
  it("a built rollup within budget answers, with the live answer's numbers; then the cache", async () => {
    const h = await withRollup();
    const a = await h.router.query(BY_KIND);
    expect(a.meta).toMatchObject({ source: "rollup", rollup: "by_kind_day" });
    const live = await h.router.query(BY_KIND, { freshness: "realtime", cacheResult: false });
    expect(live.meta.source).toBe("local");
    expect(a.rows).toEqual(live.rows);
    const b = await h.router.query(BY_KIND);
    expect(b.meta).toMatchObject({ source: "cache", rollup: "by_kind_day" });
  });

  it("explain lists cache, every rollup and live with estimates; runs nothing", async () => {
    const h = await withRollup();
    const plan = await h.router.explain(BY_KIND);
    expect(plan.chosen).toBe("rollup");
    expect(reasonsOf(plan, "cache")).toEqual(["CACHE_MISS"]);
    const rollup = plan.candidates.find((c) => c.source === "rollup");
    expect(rollup).toMatchObject({ name: "by_kind_day", verdict: "chosen" });
    expect(rollup?.costUs).toBeGreaterThan(0);
    const local = plan.candidates.find((c) => c.source === "local");
    expect(local?.estimatedRows).toBeGreaterThan(0);
    expect(local?.costUs).toBeGreaterThan(0);
    expect(local?.method).toBeTypeOf("string");
    expect(h.router.computations).toBe(0);
    await h.router.query(BY_KIND);
    expect(reasonsOf(await h.router.explain(BY_KIND), "cache")).toEqual(["CACHE_HIT"]);
    h.clock.advance(300_001);
    expect(reasonsOf(await h.router.explain(BY_KIND), "cache")).toEqual(["CACHE_TOO_OLD"]);
  });

  it("NO_MATCHING_ROLLUP without rollups; the matcher's reason for a mismatch", async () => {
    const h = await routerHost();
    createEvents(h.tables);
    h.tables.insert("events", eventRows(100));
    expect(reasonsOf(await h.router.explain(BY_KIND), "rollup")).toContain("NO_MATCHING_ROLLUP");
    h.preAgg.createRollup(BY_KIND_DAY);
    await h.host.fireDueWakes();
    const plan = await h.router.explain({ ...BY_KIND, dimensions: ["region"] });
    expect(reasonsOf(plan, "rollup")).toContain("MISSING_DIMENSION");
    expect(plan.chosen).toBe("local");
  });

  it("ROLLUP_NOT_BUILT while building: live answers", async () => {
    const h = await withRollup("incremental", false);
    const plan = await h.router.explain(BY_KIND);
    expect(reasonsOf(plan, "rollup")).toContain("ROLLUP_NOT_BUILT");
    expect((await h.router.query(BY_KIND)).meta.source).toBe("local");
  });

  it("REALTIME_REQUIRED skips cache and rollups", async () => {
    const h = await withRollup();
    const plan = await h.router.explain(BY_KIND, { freshness: "realtime" });
    expect(reasonsOf(plan, "cache")).toEqual(["REALTIME_REQUIRED"]);
    expect(reasonsOf(plan, "rollup")).toEqual(["REALTIME_REQUIRED"]);
    expect(plan.chosen).toBe("local");
  });

  it("ROLLUP_TOO_OLD: a deferred rollup past budget is not used; a refresh is requested", async () => {
    const h = await withRollup("deferred");
    h.tables.insert("events", eventRows(10, 50_000));
    h.clock.advance(40_000);
    const plan = await h.router.explain(BY_KIND, { freshness: "fresh" });
    expect(reasonsOf(plan, "rollup")).toContain("ROLLUP_TOO_OLD");
    const requested: string[] = [];
    const spy = { ...portOf(h), requestRefresh: (name: string) => void requested.push(name) };
    const router = new QueryRouter({ ...depsOf(h), rollups: spy });
    router.start();
    const a = await router.query(BY_KIND, { freshness: "fresh" });
    expect(a.meta.source).toBe("local");
    expect(requested).toEqual(["by_kind_day"]);
    // With a wider budget the rollup (its asOf 40 s old) is fine.
    router.clearCache();
    expect((await router.query(BY_KIND, { freshness: "dashboard", cacheResult: false })).meta.source).toBe("rollup");
  });

  it("ROLLUP_UNREADABLE: the rollup is skipped, reported with markDirty, live answers", async () => {
    const h = await withRollup();
    const dirty: [string, string][] = [];
    const broken = {
      ...portOf(h),
      query: async () => {
        throw new PlatformError("STATE_CORRUPT", "state of partition=2026-11 does not decode", { status: 500 });
      },
      markDirty: (name: string, partition: string) => void dirty.push([name, partition]),
    };
    const router = new QueryRouter({ ...depsOf(h), rollups: broken });
    router.start();
    const a = await router.query(BY_KIND, { explain: true });
    expect(a.meta.source).toBe("local");
    expect(dirty).toEqual([["by_kind_day", "2026-11"]]);
    expect(a.meta.plan?.candidates.find((c) => c.name === "by_kind_day")?.reasons).toEqual(["ROLLUP_UNREADABLE"]);
  });
});

function depsOf(h: Awaited<ReturnType<typeof routerHost>>) {
  return {
    sql: h.db.sql,
    transactionSync: h.db.transactionSync,
    clock: h.clock,
    wake: { set: () => {}, cancel: () => {} },
    background: h.host.background,
    tenant: () => "acme",
    tables: h.tables,
    rollups: h.preAgg,
    estimator: h.estimator,
  };
}

/** The real PreAgg behind the router's rollup port (a test replaces one method at a time). */
function portOf(h: Awaited<ReturnType<typeof routerHost>>) {
  const p = h.preAgg;
  return {
    explain: (q: Parameters<typeof p.explain>[0]) => p.explain(q),
    query: (q: Parameters<typeof p.query>[0], o?: Parameters<typeof p.query>[1]) => p.query(q, o),
    requestRefresh: (name: string) => p.requestRefresh(name),
    markDirty: (name: string, partition: string) => p.markDirty(name, partition),
  };
}
