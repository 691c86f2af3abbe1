/**
 * Bad input: every case of the list with its status and stable code, through the
 * capability's API (what the routes and RPC call); nothing stored is lost.
 */
import { errorCodeOf, errorResponse, PREDICATE_LIMITS } from "@durable/core";
import { describe, expect, it } from "vitest";
import { isQueryRouterErrorCode, QR_ERRORS } from "../src/index.ts";
import { BY_KIND, createEvents, eventRows, routerHost } from "./helpers.ts";

async function fixture() {
  const h = await routerHost();
  createEvents(h.tables);
  h.tables.insert("events", eventRows(50));
  await h.cap.api.query({ query: BY_KIND });
  return h;
}

async function refusal(p: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeDefined();
  const res = errorResponse(err);
  const body = (await res.json()) as { error: { code: string; message: string } };
  return { status: res.status, code: body.error.code, message: body.error.message };
}

const inList = (n: number) => ({ col: "amount", op: "in", values: Array.from({ length: n }, (_, i) => i) });
const deep = (d: number): unknown => (d === 1 ? { col: "amount", op: "=", value: 1 } : { not: deep(d - 1) });

const cases: [string, unknown, number, string][] = [
  ["unknown level", { query: BY_KIND, routing: { freshness: "hourly" } }, 400, "UNKNOWN_FRESHNESS"],
  ["negative staleness", { query: BY_KIND, routing: { maxStalenessMs: -1 } }, 400, "INVALID_STALENESS"],
  ["fractional staleness", { query: BY_KIND, routing: { maxStalenessMs: 1.5 } }, 400, "INVALID_STALENESS"],
  ["non-finite staleness", { query: BY_KIND, routing: { maxStalenessMs: "Infinity" } }, 400, "INVALID_STALENESS"],
  ["staleness over 7 d", { query: BY_KIND, routing: { maxStalenessMs: 604_800_001 } }, 400, "INVALID_STALENESS"],
  ["both given", { query: BY_KIND, routing: { freshness: "fresh", maxStalenessMs: 5 } }, 400, "CONFLICTING_STALENESS"],
  ["unknown table", { query: { ...BY_KIND, table: "nope" } }, 404, "TABLE_NOT_FOUND"],
  [
    "unknown measure column",
    { query: { ...BY_KIND, measures: [{ agg: "sum", column: "nope" }] } },
    400,
    "UNKNOWN_FIELD",
  ],
  ["unknown dimension", { query: { ...BY_KIND, dimensions: ["nope"] } }, 400, "UNKNOWN_FIELD"],
  [
    "where on an unknown column",
    { query: { ...BY_KIND, where: { col: "nope", op: "=", value: 1 } } },
    400,
    "INVALID_PREDICATE",
  ],
  [
    "where with a bad op",
    { query: { ...BY_KIND, where: { col: "amount", op: "~", value: 1 } } },
    400,
    "INVALID_PREDICATE",
  ],
  [
    "where with a wrong-typed value",
    { query: { ...BY_KIND, where: { col: "amount", op: "=", value: "x" } } },
    400,
    "INVALID_PREDICATE",
  ],
  [
    "a shape the schema refuses",
    { query: { ...BY_KIND, measures: [{ agg: "median", column: "amount" }] } },
    400,
    "INVALID_QUERY",
  ],
  ["an unknown body field", { query: BY_KIND, extra: 1 }, 400, "INVALID_QUERY"],
  ["no measures, no dimensions", { query: { table: "events", measures: [] } }, 400, "EMPTY_QUERY"],
  ["limit 0", { query: { ...BY_KIND, limit: 0 } }, 400, "INVALID_LIMIT"],
  ["limit over 10,000", { query: { ...BY_KIND, limit: 10_001 } }, 400, "INVALID_LIMIT"],
  ["fractional limit", { query: { ...BY_KIND, limit: 2.5 } }, 400, "INVALID_LIMIT"],
  [
    "21 measures",
    { query: { ...BY_KIND, measures: Array.from({ length: 21 }, () => ({ agg: "count" })) } },
    413,
    "QUERY_TOO_LARGE",
  ],
  [
    "11 dimensions",
    { query: { ...BY_KIND, dimensions: Array.from({ length: 11 }, (_, i) => `d${i}`) } },
    413,
    "QUERY_TOO_LARGE",
  ],
  [
    "in list of 1,001",
    { query: { ...BY_KIND, where: inList(PREDICATE_LIMITS.maxInValues + 1) } },
    413,
    "QUERY_TOO_LARGE",
  ],
  ["depth 17", { query: { ...BY_KIND, where: deep(17) } }, 413, "QUERY_TOO_LARGE"],
  [
    "65 leaves",
    { query: { ...BY_KIND, where: { and: Array.from({ length: 65 }, () => ({ col: "amount", op: "=", value: 1 })) } } },
    413,
    "QUERY_TOO_LARGE",
  ],
  [
    "a body over 64 KB",
    { query: { ...BY_KIND, where: { col: "kind", op: "=", value: "x".repeat(70_000) } } },
    413,
    "QUERY_TOO_LARGE",
  ],
  [
    "join type full",
    { query: BY_KIND, join: { type: "full", table: "events", on: ["id", "id"] } },
    400,
    "UNSUPPORTED_JOIN",
  ],
];

describe("bad input", () => {
  for (const [name, body, status, code] of cases) {
    it(`${name} → ${status} ${code}`, async () => {
      const h = await fixture();
      const r = await refusal(h.cap.api.query(body));
      expect(r).toMatchObject({ status, code });
      // The same refusal from explain, and nothing cached is lost.
      expect((await refusal(h.cap.api.explainQuery(body))).code).toBe(code);
      expect((await h.cap.api.query({ query: BY_KIND })).meta.source).toBe("cache");
    });
  }

  it("UNKNOWN_FIELD names the path", async () => {
    const h = await fixture();
    const r = await refusal(
      h.cap.api.query({ query: { ...BY_KIND, measures: [{ agg: "count" }, { agg: "max", column: "nope" }] } }),
    );
    expect(r.message).toContain("query.measures[1].column");
  });

  it("an ISO date and its epoch ms are one query (one cache entry)", async () => {
    const h = await fixture();
    const iso = { ...BY_KIND, where: { col: "at", op: ">=", value: "2026-11-01T00:00:00Z" } };
    const ms = { ...BY_KIND, where: { col: "at", op: ">=", value: Date.UTC(2026, 10, 1) } };
    expect((await h.router.query(iso)).meta.source).toBe("local");
    expect((await h.router.query(ms)).meta.source).toBe("cache");
  });

  it("settings: an unknown level is UNKNOWN_FRESHNESS; the change is kept", async () => {
    const h = await fixture();
    expect((await refusal(h.cap.api.updateSettings({ defaultFreshness: "hourly" }))).code).toBe("UNKNOWN_FRESHNESS");
    await h.cap.api.updateSettings({ defaultFreshness: "daily", platformAggregation: true });
    h.router.start();
    expect(h.router.settings()).toEqual({ defaultFreshness: "daily", platformAggregation: true });
  });

  it("consent: a tenant that did not consent refuses platform parts with 403 CONSENT_REQUIRED", async () => {
    const h = await fixture();
    // A target's refusal is a returned value (not logged as an exception in the target).
    expect(h.cap.api.qrPlatformPartial(BY_KIND, Date.now() + 1_000)).toEqual({
      error: { code: "CONSENT_REQUIRED", status: 403, message: expect.stringContaining("consent") },
    });
    await h.cap.api.updateSettings({ platformAggregation: true });
    const part = h.cap.api.qrPlatformPartial(BY_KIND, Date.now() + 1_000);
    expect("groups" in part && part.groups.length).toBeGreaterThan(0);
  });

  it("the codes are exported with a type guard and statuses", () => {
    expect(isQueryRouterErrorCode("FANOUT_FAILED")).toBe(true);
    expect(isQueryRouterErrorCode("NOPE")).toBe(false);
    expect(QR_ERRORS.statuses.QUERY_TOO_LARGE).toBe(413);
    expect(errorCodeOf(QR_ERRORS.error("CONSENT_REQUIRED", "x"))).toBe("CONSENT_REQUIRED");
  });
});
