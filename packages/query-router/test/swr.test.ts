/**
 * Stale-while-revalidate with a fake clock: each band (fresh < 50 %, revalidate 50–100 %,
 * expired > 100 %), single-flight (50 concurrent misses → 1 computation), the 5-refresh cap
 * and stale-if-error (the old entry served within budget with refreshError; past budget 503).
 */
import { errorCodeOf } from "@durable/core";
import { describe, expect, it } from "vitest";
import { BY_KIND, createEvents, eventRows, routerHost } from "./helpers.ts";

async function withEvents() {
  const h = await routerHost();
  createEvents(h.tables);
  h.tables.insert("events", eventRows(500));
  return h;
}

describe("SWR bands", () => {
  it("serves fresh entries, revalidates in the second half, recomputes past the budget", async () => {
    const h = await withEvents();
    const first = await h.router.query(BY_KIND, { maxStalenessMs: 10_000 });
    expect(first.meta.source).toBe("local");
    expect(h.router.computations).toBe(1);

    h.clock.advance(4_999);
    const fresh = await h.router.query(BY_KIND, { maxStalenessMs: 10_000 });
    expect(fresh.meta).toMatchObject({ source: "cache", ageMs: 4_999, stale: false, revalidating: false });
    expect(h.router.computations).toBe(1);

    h.clock.advance(1);
    const revalidating = await h.router.query(BY_KIND, { maxStalenessMs: 10_000 });
    expect(revalidating.meta).toMatchObject({ source: "cache", ageMs: 5_000, stale: true, revalidating: true });
    await h.host.background.settled();
    expect(h.router.computations).toBe(2);
    expect(h.router.metrics().refreshes.started).toBe(1);

    // The refresh stored a new entry computed at the refresh's time.
    const after = await h.router.query(BY_KIND, { maxStalenessMs: 10_000 });
    expect(after.meta).toMatchObject({ source: "cache", ageMs: 0, stale: false });

    h.clock.advance(10_001);
    const expired = await h.router.query(BY_KIND, { maxStalenessMs: 10_000 });
    expect(expired.meta.source).toBe("local");
    expect(expired.meta.ageMs).toBe(0);
    expect(h.router.metrics().violations).toBe(0);
  });

  it("realtime skips the cache and never reports an age", async () => {
    const h = await withEvents();
    await h.router.query(BY_KIND);
    const rt = await h.router.query(BY_KIND, { freshness: "realtime" });
    expect(rt.meta).toMatchObject({ source: "local", budgetMs: 0, ageMs: 0 });
  });

  it("the tenant's default level applies when the request names none", async () => {
    const h = await withEvents();
    h.router.updateSettings({ defaultFreshness: "fresh" });
    const a = await h.router.query(BY_KIND);
    expect(a.meta.budgetMs).toBe(30_000);
    expect((await h.router.query(BY_KIND, { freshness: "daily" })).meta.budgetMs).toBe(86_400_000);
  });
});

describe("single-flight and the refresh cap", () => {
  it("50 concurrent misses run one computation", async () => {
    const h = await withEvents();
    const answers = await Promise.all(Array.from({ length: 50 }, () => h.router.query(BY_KIND)));
    expect(h.router.computations).toBe(1);
    expect(new Set(answers.map((a) => JSON.stringify(a.rows))).size).toBe(1);
  });

  it("at most 5 refreshes run at once; extra ones are skipped and counted", async () => {
    const h = await withEvents();
    const queries = Array.from({ length: 8 }, (_, i) => ({ ...BY_KIND, limit: 100 + i }));
    for (const q of queries) await h.router.query(q, { maxStalenessMs: 1_000 });
    h.clock.advance(600);
    const served = await Promise.all(queries.map((q) => h.router.query(q, { maxStalenessMs: 1_000 })));
    expect(served.filter((a) => a.meta.revalidating)).toHaveLength(5);
    expect(served.every((a) => a.meta.source === "cache" && a.meta.stale)).toBe(true);
    const m = h.router.metrics().refreshes;
    expect(m.started).toBe(5);
    expect(m.skipped).toBe(3);
    await h.host.background.settled();
    expect(h.router.metrics().refreshes.active).toBe(0);
  });
});

describe("stale-if-error", () => {
  it("keeps and serves the old entry within budget with refreshError; 503 past budget", async () => {
    const h = await withEvents();
    await h.router.query(BY_KIND, { maxStalenessMs: 10_000 });
    // The source goes away: the table is renamed under the router's feet (raw SQL, no events).
    h.db.sql.exec('ALTER TABLE "t_events" RENAME TO "t_events_gone"');
    h.clock.advance(6_000);
    const stale = await h.router.query(BY_KIND, { maxStalenessMs: 10_000 });
    expect(stale.meta).toMatchObject({ source: "cache", revalidating: true });
    await h.host.background.settled();
    expect(h.router.metrics().refreshes.failed).toBe(1);

    const again = await h.router.query(BY_KIND, { maxStalenessMs: 10_000 });
    expect(again.meta.source).toBe("cache");
    expect(again.meta.refreshError).toBeTypeOf("string");
    // Within the 5 s back-off no new refresh starts.
    expect(again.meta.revalidating).toBe(false);
    expect(again.rows).toEqual(stale.rows);

    h.clock.advance(4_001);
    const err = await h.router.query(BY_KIND, { maxStalenessMs: 10_000 }).catch((e: unknown) => e);
    expect(errorCodeOf(err)).toBe("SOURCE_UNAVAILABLE");
    expect((err as { status: number }).status).toBe(503);
  });
});
