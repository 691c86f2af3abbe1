/**
 * Fan-out inside workerd: 10 shard DOs (real TenantDOs named `<tenant>:shard-<i>`) with one
 * dead (strict 503 FANOUT_FAILED naming it; partial 200 with coverage, never cached); consent
 * enforced in the target DO; the platform route over consenting tenants only, for platform
 * tokens only, aggregates only.
 */
import { describe, expect, it } from "vitest";
import { call, jsonInit, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";
import { BY_KIND, fillShards, queryTarget, tenantWithEvents } from "./query-fixture.ts";

type Answer = {
  rows: Record<string, unknown>[];
  meta: Record<string, unknown> & { partial?: { coverage: unknown; errors: { target: string; code: string }[] } };
};

describe("fan-out over shard DOs", () => {
  it("10 shards: merged answer; one dead shard fails strict queries and shows in partial ones", async () => {
    const { tenant, api } = await tenantWithEvents(0);
    await fillShards(tenant, 10, 30, [7]);
    expect((await api("/query/shards/events", jsonInit("PUT", { count: 10 }))).status).toBe(200);
    const strict = await api("/query", jsonInit("POST", { query: BY_KIND }));
    expect(strict.status).toBe(503);
    const err = await jsonOf(strict);
    expect(err.error.code).toBe("FANOUT_FAILED");
    expect(err.error.message).toContain(`${tenant}:shard-7 [TABLE_NOT_FOUND]`);
    const res = await api("/query", jsonInit("POST", { query: BY_KIND, routing: { allowPartial: true } }));
    expect(res.status).toBe(200);
    const partial = (await jsonOf(res)) as unknown as Answer;
    expect(partial.meta.source).toBe("fanout");
    expect(partial.meta.partial?.coverage).toEqual({ succeeded: 9, attempted: 10 });
    expect(partial.meta.partial?.errors[0]).toMatchObject({ target: `${tenant}:shard-7`, code: "TABLE_NOT_FOUND" });
    expect(partial.rows.reduce((n, r) => n + Number(r.count), 0)).toBe(270);
    // Never cached: the next partial answer is computed again.
    const again = (await jsonOf(
      await api("/query", jsonInit("POST", { query: BY_KIND, routing: { allowPartial: true } })),
    )) as unknown as Answer;
    expect(again.meta.source).toBe("fanout");
  });

  it("all shards alive: exact totals, then cached", async () => {
    const { tenant, api } = await tenantWithEvents(0);
    await fillShards(tenant, 4, 25);
    await api("/query/shards/events", jsonInit("PUT", { count: 4 }));
    const a = (await jsonOf(await api("/query", jsonInit("POST", { query: BY_KIND })))) as unknown as Answer;
    expect(a.rows.reduce((n, r) => n + Number(r.count), 0)).toBe(100);
    const sum = a.rows.reduce((n, r) => n + Number(r.sum_amount), 0);
    expect(sum).toBe(Array.from({ length: 100 }, (_, i) => i % 50).reduce((x, y) => x + y, 0));
    const b = (await jsonOf(await api("/query", jsonInit("POST", { query: BY_KIND })))) as unknown as Answer;
    expect(b.meta.source).toBe("cache");
  });
});

describe("joins across DOs", () => {
  it("a sharded left side gets the small local right side broadcast to every shard over RPC", async () => {
    const { tenant, api } = await tenantWithEvents(0);
    await fillShards(tenant, 3, 30);
    await api("/query/shards/events", jsonInit("PUT", { count: 3 }));
    const kinds = {
      name: "kinds",
      columns: [
        { name: "kind", type: "text", nullable: false },
        { name: "label", type: "text" },
      ],
      primaryKey: "kind",
    };
    expect((await api("/tables", jsonInit("POST", kinds))).status).toBe(201);
    const labels = [
      { kind: "click", label: "engagement" },
      { kind: "view", label: "engagement" },
    ];
    expect((await api("/tables/kinds/rows", jsonInit("POST", { rows: labels }))).status).toBe(200);
    const body = {
      query: { table: "events", measures: [{ agg: "count" }], dimensions: ["kinds.label"] },
      join: { type: "inner", table: "kinds", on: ["kind", "kind"] },
      routing: { explain: true },
    };
    const res = await api("/query", jsonInit("POST", body));
    expect(res.status).toBe(200);
    const a = (await jsonOf(res)) as unknown as Answer & { meta: { plan: { join: { strategy: string } } } };
    expect(a.meta.source).toBe("fanout");
    expect(a.meta.plan.join.strategy).toBe("broadcast");
    // 90 events, a third each click, view, buy: "buy" has no label and drops out of the inner join.
    expect(a.rows).toEqual([{ "kinds.label": "engagement", count: 60 }]);
  });
});

describe("platform aggregation", () => {
  it("only consenting tenants are aggregated; consent is re-checked in the target DO", async () => {
    const yes = await tenantWithEvents(30, "qp");
    const no = await tenantWithEvents(30, "qp");
    // Consent is enforced in the target DO itself, whatever a caller asks.
    const direct = await queryTarget(no.tenant, no.tenant).qrPlatformPartial(BY_KIND, Date.now() + 5_000);
    expect(direct).toMatchObject({ error: { code: "CONSENT_REQUIRED", status: 403 } });
    expect((await yes.api("/query/settings", jsonInit("PUT", { platformAggregation: true }))).status).toBe(200);
    const listed = await queryTarget("_platform", "platform").consentingTenants();
    expect(listed).toContain(yes.tenant);
    expect(listed).not.toContain(no.tenant);
    const platform = await tokenFor("*", "platform");
    const res = await call("/v1/platform/query", jsonInit("POST", { query: BY_KIND }, platform));
    expect(res.status).toBe(200);
    const body = (await jsonOf(res)) as unknown as Answer & { tenants: number };
    expect(body.tenants).toBeGreaterThanOrEqual(1);
    expect(body.rows.reduce((n, r) => n + Number(r.count), 0) % 30).toBe(0);
    // Withdrawing consent: the registry forgets the tenant.
    await yes.api("/query/settings", jsonInit("PUT", { platformAggregation: false }));
    expect(await queryTarget("_platform", "platform").consentingTenants()).not.toContain(yes.tenant);
  });

  it("a tenant token is 403; raw rows are 400 AGGREGATES_ONLY; no token is 401", async () => {
    const t = uniqueTenant("qp");
    const tenantToken = await tokenFor(t);
    expect((await call("/v1/platform/query", jsonInit("POST", { query: BY_KIND }, tenantToken))).status).toBe(403);
    expect((await call("/v1/platform/query", jsonInit("POST", { query: BY_KIND }))).status).toBe(401);
    const platform = await tokenFor("*", "platform");
    const raw = await call("/v1/platform/query", jsonInit("POST", { query: BY_KIND, rows: true }, platform));
    expect(raw.status).toBe(400);
    expect((await jsonOf(raw)).error.code).toBe("AGGREGATES_ONLY");
    const noMeasures = await call(
      "/v1/platform/query",
      jsonInit("POST", { query: { table: "events", measures: [], dimensions: ["kind"] } }, platform),
    );
    expect((await jsonOf(noMeasures)).error.code).toBe("AGGREGATES_ONLY");
  });
});
