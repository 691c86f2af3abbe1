/**
 * The two-level cache: LRU by entries and by bytes in memory, the SQLite cap with least
 * recently used rows evicted in the same write, a corrupt row is a counted miss and deleted,
 * a canonical mismatch (a hash collision) is a miss, results over 1 MB are served but not
 * cached, the in-memory level can be lost (eviction) and `qr_results` answers, the purge.
 */
import { describe, expect, it } from "vitest";
import { BY_KIND, createEvents, eventRows, routerHost } from "./helpers.ts";

async function withEvents(config: Record<string, number> = {}) {
  const h = await routerHost({ config });
  createEvents(h.tables);
  h.tables.insert("events", eventRows(300));
  return h;
}

const rowsIn = (h: Awaited<ReturnType<typeof withEvents>>) =>
  h.db.sql.exec<{ n: number; b: number }>("SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM qr_results").one();

describe("result cache", () => {
  it("answers from qr_results after the in-memory level is gone", async () => {
    const h = await withEvents();
    const a = await h.router.query(BY_KIND);
    h.router.forgetMemory();
    const b = await h.router.query(BY_KIND);
    expect(b.meta.source).toBe("cache");
    expect(b.rows).toEqual(a.rows);
    expect(h.router.metrics().cache.sqliteHits).toBe(1);
  });

  it("LRU by entry count in memory", async () => {
    const h = await withEvents({ memoryEntries: 2 });
    for (const limit of [1, 2, 3]) await h.router.query({ ...BY_KIND, limit });
    expect(h.router.metrics().cache.memoryEntries).toBe(2);
    expect(rowsIn(h).n).toBe(3);
  });

  it("LRU by bytes in memory", async () => {
    const h = await withEvents({ memoryBytes: 1_024 });
    for (const limit of [1, 2, 3, 4]) await h.router.query({ ...BY_KIND, limit });
    expect(h.router.metrics().cache.memoryBytes).toBeLessThanOrEqual(1_024);
  });

  it("the SQLite cap evicts least recently used rows in the same write", async () => {
    const h = await withEvents({ sqliteBytes: 2_048 });
    const queries = Array.from({ length: 12 }, (_, i) => ({ ...BY_KIND, limit: 10 + i }));
    await h.router.query(queries[0]);
    for (const q of queries.slice(1)) {
      h.clock.advance(1_000);
      // Keep the first one recently used (a SQLite hit updates last_used).
      h.router.forgetMemory();
      await h.router.query(queries[0]);
      await h.router.query(q);
    }
    const { b } = rowsIn(h);
    expect(b).toBeLessThanOrEqual(2_048);
    expect(h.router.metrics().cache.evicted).toBeGreaterThan(0);
    h.router.forgetMemory();
    expect((await h.router.query(queries[0])).meta.source).toBe("cache");
    expect((await h.router.query(queries[1])).meta.source).toBe("local");
  });

  it("a corrupt row is a miss: deleted and counted; nothing else lost", async () => {
    const h = await withEvents();
    await h.router.query(BY_KIND);
    await h.router.query({ ...BY_KIND, limit: 7 });
    h.db.sql.exec("UPDATE qr_results SET result = '{not json' WHERE canonical LIKE '%\"limit\":1000%'");
    h.router.forgetMemory();
    const a = await h.router.query(BY_KIND);
    expect(a.meta.source).toBe("local");
    expect(h.router.metrics().cache.corrupt).toBe(1);
    expect((await h.router.query({ ...BY_KIND, limit: 7 })).meta.source).toBe("cache");
  });

  it("a row whose versions are not JSON numbers is corrupt too", async () => {
    const h = await withEvents();
    await h.router.query(BY_KIND);
    h.db.sql.exec(`UPDATE qr_results SET versions = '{"events":"x"}'`);
    h.router.forgetMemory();
    expect((await h.router.query(BY_KIND)).meta.source).toBe("local");
    expect(h.router.metrics().cache.corrupt).toBe(1);
  });

  it("a stored canonical text that differs (a hash collision) is never served", async () => {
    const h = await withEvents();
    await h.router.query(BY_KIND);
    h.db.sql.exec("UPDATE qr_results SET canonical = 'another query'");
    h.router.forgetMemory();
    expect((await h.router.query(BY_KIND)).meta.source).toBe("local");
  });

  it("a result over the size cap is served but not cached; explain says so", async () => {
    const h = await withEvents({ maxCachedResultBytes: 100 });
    const a = await h.router.query(
      { table: "events", measures: [{ agg: "count" }], dimensions: ["id"] },
      { explain: true },
    );
    expect(a.rows).toHaveLength(300);
    expect(a.meta.plan?.notes).toContain("RESULT_TOO_LARGE_TO_CACHE");
    expect(rowsIn(h).n).toBe(0);
  });

  it("cacheResult false computes without storing", async () => {
    const h = await withEvents();
    await h.router.query(BY_KIND, { cacheResult: false });
    expect(rowsIn(h).n).toBe(0);
  });

  it("the hourly purge deletes rows older than 7 days; armed only while rows exist", async () => {
    const h = await withEvents();
    const purgeWake = () => h.host.wakes.pending().some((w) => w.owner === "query" && w.key === "purge");
    // An idle DO is never woken for a purge.
    expect(purgeWake()).toBe(false);
    await h.router.query(BY_KIND);
    expect(purgeWake()).toBe(true);
    h.clock.advance(7 * 86_400_000 - 3_600_000);
    await h.router.query({ ...BY_KIND, limit: 3 });
    h.clock.advance(3_600_001);
    const fired = await h.host.fireDueWakes();
    expect(fired.filter((w) => w.owner === "query" && w.key === "purge").length).toBeGreaterThan(0);
    // The old answer went; the recent one stays and the purge stays armed for it.
    expect(rowsIn(h).n).toBe(1);
    expect(purgeWake()).toBe(true);
    h.clock.advance(7 * 86_400_000);
    await h.host.fireDueWakes();
    expect(rowsIn(h).n).toBe(0);
    expect(purgeWake()).toBe(false);
  });

  it("DELETE /query/cache empties both levels", async () => {
    const h = await withEvents();
    await h.router.query(BY_KIND);
    h.cap.api.clearCache();
    expect(rowsIn(h).n).toBe(0);
    expect((await h.router.query(BY_KIND)).meta.source).toBe("local");
  });
});
