/**
 * Spike `platform`: what does routing a request through auth and the tenant's DO cost, next to
 * a Worker-only response? Same run, same keep-alive client, wrangler dev on 127.0.0.1.
 * Run: npm run spike:platform [-- --quick]
 */
import { claimsFor, signToken, verifyToken } from "../../apps/platform/src/auth.ts";
import { runLoad } from "../lib/http-load.ts";
import { isQuick, printMetrics, printTable } from "../lib/report.ts";
import { round, summarize } from "../lib/stats.ts";
import { SPIKE_SECRET, startDev } from "../lib/wrangler-dev.ts";

const quick = isQuick();
const total = quick ? 300 : 1000;
const warmup = quick ? 50 : 200;
const verifyRounds = quick ? 2000 : 20000;

async function authOverheadUs(): Promise<ReturnType<typeof summarize>> {
  const token = await signToken(SPIKE_SECRET, claimsFor("bench", "tenant", 3600));
  for (let i = 0; i < 200; i++) await verifyToken(SPIKE_SECRET, token);
  const samples: number[] = [];
  for (let i = 0; i < verifyRounds; i++) {
    const t0 = performance.now();
    await verifyToken(SPIKE_SECRET, token);
    samples.push((performance.now() - t0) * 1000);
  }
  return summarize(samples);
}

const dev = await startDev();
try {
  const token = await signToken(SPIKE_SECRET, claimsFor("bench", "tenant", 3600));
  const auth = { authorization: `Bearer ${token}` };
  const put = await fetch(`${dev.url}/v1/tenants/bench/meta/k`, {
    method: "PUT",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ value: { hello: "world" } }),
  });
  if (put.status !== 200) throw new Error(`setup PUT failed: ${put.status} ${await put.text()}`);
  const direct = () => new Request(`${dev.url}/health`);
  const routed = () => new Request(`${dev.url}/v1/tenants/bench/meta/k`, { headers: auth });

  const rows: Record<string, string | number>[] = [];
  const results: Record<string, ReturnType<typeof summarize> & { rps: number }> = {};
  for (const concurrency of [1, 16]) {
    // Alternate the order per concurrency so neither path always runs on a warmer process.
    const order = concurrency === 1 ? (["direct", "routed"] as const) : (["routed", "direct"] as const);
    for (const kind of order) {
      const make = kind === "direct" ? direct : routed;
      await runLoad(warmup, concurrency, make);
      const load = await runLoad(total, concurrency, make);
      const bad = Object.entries(load.statuses).filter(([s]) => s !== "200");
      if (bad.length > 0) throw new Error(`${kind} c=${concurrency}: non-200 answers ${JSON.stringify(bad)}`);
      const s = summarize(load.latenciesMs);
      results[`${kind}_${concurrency}`] = { ...s, rps: load.rps };
      rows.push({
        path: kind,
        concurrency,
        requests: total,
        p50_ms: round(s.p50, 3),
        p95_ms: round(s.p95, 3),
        p99_ms: round(s.p99, 3),
        rps: round(load.rps, 0),
      });
    }
  }
  const authUs = await authOverheadUs();
  printTable("Worker-only (/health) vs Worker → auth → rate-limit gate → TenantDO → response (GET meta)", rows);
  printTable("Token verify in-process (HMAC-SHA-256, crypto.subtle), µs", [
    { rounds: verifyRounds, p50: round(authUs.p50, 1), p99: round(authUs.p99, 1), max: round(authUs.max, 1) },
  ]);
  const get = (k: string) =>
    results[k] ??
    (() => {
      throw new Error(`missing ${k}`);
    })();
  const ratio = get("routed_16").p50 / get("direct_16").p50;
  console.log(
    `\ntenant_overhead_ratio (p50 routed / p50 direct at concurrency 16) = ${round(ratio, 2)} (target ≤ 1.5)`,
  );
  printMetrics("platform", quick, {
    direct_p50_ms: round(get("direct_1").p50, 3),
    routed_p50_ms: round(get("routed_1").p50, 3),
    routed_p99_ms: round(get("routed_1").p99, 3),
    auth_overhead_us: round(authUs.p99, 1),
    routed_rps_16: round(get("routed_16").rps, 0),
    tenant_overhead_ratio: round(ratio, 2),
  });
} finally {
  await dev.stop();
}
