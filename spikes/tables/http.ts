/**
 * The HTTP half of spike `tables`: the same batches through the Worker, auth and the tenant's
 * DO under `wrangler dev` on 127.0.0.1. Each round uses a fresh tenant and stays far below the
 * per-tenant request gate (≤ 45 requests per tenant).
 * @module
 */
import { claimsFor, signToken } from "../../apps/platform/src/auth.ts";
import { median, round, type Summary, summarize } from "../lib/stats.ts";
import { SPIKE_SECRET, startDev } from "../lib/wrangler-dev.ts";
import { FLIGHTS_TABLE, type Flight } from "./flights.ts";

/** Results over HTTP. */
export interface HttpResult {
  insertRowsPerS: number;
  scanPage: Summary;
  rows: Record<string, string | number>[];
}

async function send(url: string, token: string, method: string, body?: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Loads `flights` over HTTP in batches of 1,000 and pages through them, `rounds` times. */
export async function runHttp(all: Flight[], quick: boolean): Promise<HttpResult> {
  const flights = quick ? all.slice(0, 10_000) : all;
  const rounds = quick ? 1 : 3;
  const dev = await startDev();
  try {
    const rates: number[] = [];
    const batchMs: number[] = [];
    const pageMs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const tenant = `spike-tables-${Date.now().toString(36)}-${r}`;
      const token = await signToken(SPIKE_SECRET, claimsFor(tenant, "tenant", 3600));
      const base = `${dev.url}/v1/tenants/${tenant}/tables`;
      await send(base, token, "POST", FLIGHTS_TABLE);
      const start = performance.now();
      for (let i = 0; i < flights.length; i += 1000) {
        const t0 = performance.now();
        await send(`${base}/flights/rows`, token, "POST", { rows: flights.slice(i, i + 1000), mode: "insert" });
        batchMs.push(performance.now() - t0);
      }
      rates.push((flights.length / (performance.now() - start)) * 1000);
      let cursor: string | null = null;
      let seen = 0;
      do {
        const t0 = performance.now();
        const page = (await send(
          `${base}/flights/rows?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
          token,
          "GET",
        )) as { rows: unknown[]; cursor: string | null };
        pageMs.push(performance.now() - t0);
        seen += page.rows.length;
        cursor = page.cursor;
      } while (cursor);
      if (seen !== flights.length) throw new Error(`paged ${seen} rows, expected ${flights.length}`);
    }
    const b = summarize(batchMs);
    const p = summarize(pageMs);
    return {
      insertRowsPerS: median(rates),
      scanPage: p,
      rows: [
        {
          what: "insert 1,000 rows",
          n: b.n,
          "p50 ms": round(b.p50),
          "p95 ms": round(b.p95),
          "p99 ms": round(b.p99),
          "rows/s": Math.round(median(rates)),
        },
        {
          what: "scan page of 1,000",
          n: p.n,
          "p50 ms": round(p.p50),
          "p95 ms": round(p.p95),
          "p99 ms": round(p.p99),
          "rows/s": Math.round((1000 / p.p50) * 1000),
        },
      ],
    };
  } finally {
    await dev.stop();
  }
}
