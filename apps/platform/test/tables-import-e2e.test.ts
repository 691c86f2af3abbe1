/**
 * The end-to-end step "loading flights by import", over HTTP only: the 10,000 flights of
 * tables-e2e written as CSV, imported with `create=infer&key=id`, read back by pages through
 * `POST /query`: every row exactly once, in key order, values intact (the inferred types:
 * timestamp dates, integer delays, text origins).
 */
import { describe, expect, it } from "vitest";
import { call, jsonInit, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";

const ORIGINS = ["SFO", "LAX", "JFK", "SEA", "ORD"];
const row = (id: number) => ({
  id,
  date: 978_307_200_000 + id * 60_000,
  delay: ((id * 7) % 120) - 10,
  origin: ORIGINS[id % 5] as string,
});

describe("end to end: flights by import", () => {
  it("imports 10,000 flights from CSV with an inferred table and reads them back by pages", async () => {
    const tenant = uniqueTenant("e2ei");
    const token = await tokenFor(tenant);
    const base = `/v1/tenants/${tenant}/tables`;
    const lines = ["id,date,delay,origin"];
    for (let id = 1; id <= 10_000; id++) {
      const r = row(id);
      lines.push(`${r.id},${new Date(r.date).toISOString()},${r.delay},${r.origin}`);
    }
    const res = await call(`${base}/flights/import?create=infer&key=id`, {
      method: "POST",
      body: lines.join("\n"),
      headers: { "content-type": "text/csv" },
      token,
    });
    const result = await jsonOf(res);
    expect(res.status).toBe(200);
    expect(result).toMatchObject({ inserted: 10_000, totalErrors: 0 });
    expect((result.created as { spec: unknown }).spec).toEqual({
      name: "flights",
      columns: [
        { name: "id", type: "integer", nullable: false },
        { name: "date", type: "timestamp", nullable: false },
        { name: "delay", type: "integer", nullable: false },
        { name: "origin", type: "text", nullable: false },
      ],
      primaryKey: ["id"],
    });
    const seen: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page = await jsonOf(
        await call(`${base}/flights/query`, jsonInit("POST", { limit: 1000, ...(cursor ? { cursor } : {}) }, token)),
      );
      seen.push(...(page.rows as unknown[]));
      cursor = page.cursor as string | null;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 10_000 }, (_, i) => row(i + 1)));
  });
});
