/**
 * The `query` capability inside the real TenantDO: routes and error bodies, token scopes, a
 * write over `POST /tables/:name/rows` then a query (stale at once, then the write), the cache
 * surviving eviction through `qr_results`, settings, explain and metrics.
 */
import { abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { claimsFor, signToken } from "../src/auth.ts";
import { call, jsonInit, jsonOf, SECRET, tokenFor, uniqueTenant } from "./helpers.ts";
import { BY_KIND, events, tenantWithEvents } from "./query-fixture.ts";

type Answer = { rows: Record<string, unknown>[]; meta: Record<string, unknown> };

describe("query routes", () => {
  it("answer live, then from the cache with its age; explain and metrics", async () => {
    const { api } = await tenantWithEvents(300);
    const first = (await jsonOf(await api("/query", jsonInit("POST", { query: BY_KIND })))) as unknown as Answer;
    expect(first.meta).toMatchObject({ source: "local", budgetMs: 300_000, stale: false });
    expect(first.rows.reduce((n, r) => n + Number(r.count), 0)).toBe(300);
    const second = (await jsonOf(await api("/query", jsonInit("POST", { query: BY_KIND })))) as unknown as Answer;
    expect(second.meta.source).toBe("cache");
    expect(second.rows).toEqual(first.rows);
    const explain = await jsonOf(await api("/query/explain", jsonInit("POST", { query: BY_KIND })));
    expect((explain.plan as { chosen: string }).chosen).toBe("cache");
    const metrics = await jsonOf(await api("/query/metrics"));
    expect(metrics.bySource).toMatchObject({ cache: 1, local: 1 });
    expect((await api("/query/cache", { method: "DELETE" })).status).toBe(204);
    const third = (await jsonOf(await api("/query", jsonInit("POST", { query: BY_KIND })))) as unknown as Answer;
    expect(third.meta.source).toBe("local");
  });

  it("every bad input has its status and code in the JSON error body", async () => {
    const { api } = await tenantWithEvents(10);
    const code = async (path: string, body: unknown, method = "POST") => {
      const res = await api(path, jsonInit(method, body));
      return `${res.status} ${(await jsonOf(res)).error?.code}`;
    };
    expect(await code("/query", { query: BY_KIND, routing: { freshness: "hourly" } })).toBe("400 UNKNOWN_FRESHNESS");
    expect(await code("/query", { query: BY_KIND, routing: { maxStalenessMs: -5 } })).toBe("400 INVALID_STALENESS");
    expect(await code("/query", { query: BY_KIND, routing: { freshness: "fresh", maxStalenessMs: 1 } })).toBe(
      "400 CONFLICTING_STALENESS",
    );
    expect(await code("/query", { query: { ...BY_KIND, table: "nope" } })).toBe("404 TABLE_NOT_FOUND");
    expect(await code("/query", { query: { ...BY_KIND, dimensions: ["nope"] } })).toBe("400 UNKNOWN_FIELD");
    expect(await code("/query", { query: { ...BY_KIND, where: { col: "amount", op: "=", value: "x" } } })).toBe(
      "400 INVALID_PREDICATE",
    );
    expect(await code("/query", { query: { ...BY_KIND, measures: [{ agg: "median" }] } })).toBe("400 INVALID_QUERY");
    expect(await code("/query", { query: { table: "events", measures: [] } })).toBe("400 EMPTY_QUERY");
    expect(await code("/query", { query: { ...BY_KIND, limit: 20_000 } })).toBe("400 INVALID_LIMIT");
    expect(
      await code("/query", { query: { ...BY_KIND, measures: Array.from({ length: 21 }, () => ({ agg: "count" })) } }),
    ).toBe("413 QUERY_TOO_LARGE");
    expect(await code("/query", { query: BY_KIND, join: { type: "cross", table: "events", on: ["id", "id"] } })).toBe(
      "400 UNSUPPORTED_JOIN",
    );
    expect(await code("/query/shards/events", { count: 1_001 }, "PUT")).toBe("400 TOO_MANY_TARGETS");
    expect(await code("/query/settings", { defaultFreshness: "weekly" }, "PUT")).toBe("400 UNKNOWN_FRESHNESS");
  });

  it("refuse a missing token (401), a foreign tenant's or platform token (403), writes with a read-only token (403)", async () => {
    const { tenant } = await tenantWithEvents(5);
    const path = `/v1/tenants/${tenant}/query`;
    expect((await call(path, jsonInit("POST", { query: BY_KIND }))).status).toBe(401);
    expect((await call(path, jsonInit("POST", { query: BY_KIND }, await tokenFor(uniqueTenant("x"))))).status).toBe(
      403,
    );
    expect((await call(path, jsonInit("POST", { query: BY_KIND }, await tokenFor("*", "platform")))).status).toBe(403);
    // A read-only token may query and explain, not change the cache, shards or settings.
    const readOnly = await signToken(SECRET, { ...claimsFor(tenant, "tenant", 3600), scopes: ["read"] });
    expect((await call(path, jsonInit("POST", { query: BY_KIND }, readOnly))).status).toBe(200);
    expect((await call(`${path}/explain`, jsonInit("POST", { query: BY_KIND }, readOnly))).status).toBe(200);
    expect((await call(`${path}/cache`, { method: "DELETE", token: readOnly })).status).toBe(403);
    expect((await call(`${path}/shards/events`, jsonInit("PUT", { count: 2 }, readOnly))).status).toBe(403);
    expect((await call(`${path}/settings`, jsonInit("PUT", { platformAggregation: true }, readOnly))).status).toBe(403);
  });

  it("a write over HTTP makes the entry stale at once; the next answer includes it", async () => {
    const { api } = await tenantWithEvents(60);
    const ask = async () =>
      (await jsonOf(await api("/query", jsonInit("POST", { query: BY_KIND })))) as unknown as Answer;
    const before = await ask();
    expect((await api("/tables/events/rows", jsonInit("POST", { rows: events(1_000, 6) }))).status).toBe(200);
    const stale = await ask();
    expect(stale.meta).toMatchObject({ source: "cache", stale: true, revalidating: true });
    expect(stale.rows).toEqual(before.rows);
    let after = await ask();
    for (let i = 0; i < 20 && after.rows.reduce((n, r) => n + Number(r.count), 0) !== 66; i++) {
      await new Promise((r) => setTimeout(r, 20));
      after = await ask();
    }
    expect(after.meta.source).toBe("cache");
    expect(after.rows.reduce((n, r) => n + Number(r.count), 0)).toBe(66);
  });

  it("the cache survives eviction through qr_results", async () => {
    const { api } = await tenantWithEvents(40);
    const first = (await jsonOf(await api("/query", jsonInit("POST", { query: BY_KIND })))) as unknown as Answer;
    expect(first.meta.source).toBe("local");
    await abortAllDurableObjects();
    const again = (await jsonOf(await api("/query", jsonInit("POST", { query: BY_KIND })))) as unknown as Answer;
    expect(again.meta.source).toBe("cache");
    expect(again.rows).toEqual(first.rows);
    const metrics = await jsonOf(await api("/query/metrics"));
    expect((metrics.cache as { sqliteHits: number }).sqliteHits).toBe(1);
  });

  it("the tenant's default freshness applies to requests that name none", async () => {
    const { api } = await tenantWithEvents(5);
    const res = await api("/query/settings", jsonInit("PUT", { defaultFreshness: "fresh" }));
    expect(res.status).toBe(200);
    expect(await jsonOf(res)).toMatchObject({ defaultFreshness: "fresh", platformAggregation: false });
    const a = (await jsonOf(await api("/query", jsonInit("POST", { query: BY_KIND })))) as unknown as Answer;
    expect(a.meta.budgetMs).toBe(30_000);
  });
});
