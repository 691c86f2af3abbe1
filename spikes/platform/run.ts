/**
 * Spike `platform`: what does routing a request through auth and the tenant's DO cost, next to
 * a Worker-only response and next to a bare Worker → DO doing the same one-row SQLite read with
 * no platform code? Same run (one wrangler dev, the spike-only config in fixture/), same
 * keep-alive client, on 127.0.0.1.
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

/**
 * Token verification in-process: a token seen for the first time (HMAC-SHA-256 over
 * crypto.subtle), and a token the isolate verified before (the cache a client's next requests hit).
 */
async function authOverheadUs(): Promise<{
  first: ReturnType<typeof summarize>;
  cached: ReturnType<typeof summarize>;
}> {
  const tokens: string[] = [];
  for (let i = 0; i < verifyRounds + 200; i++) {
    tokens.push(await signToken(SPIKE_SECRET, { ...claimsFor("bench", "tenant", 3600), sub: `tenant:bench:${i}` }));
  }
  for (const token of tokens.slice(0, 200)) await verifyToken(SPIKE_SECRET, token);
  const first: number[] = [];
  for (const token of tokens.slice(200)) {
    const t0 = performance.now();
    await verifyToken(SPIKE_SECRET, token);
    first.push((performance.now() - t0) * 1000);
  }
  const cached: number[] = [];
  const again = tokens[tokens.length - 1] as string;
  for (let i = 0; i < verifyRounds; i++) {
    const t0 = performance.now();
    await verifyToken(SPIKE_SECRET, again);
    cached.push((performance.now() - t0) * 1000);
  }
  return { first: summarize(first), cached: summarize(cached) };
}

const dev = await startDev({ config: "spikes/platform/fixture/wrangler.toml" });
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
  const bare = () => new Request(`${dev.url}/bare/k`);
  const makers = { direct, routed, bare };

  const rows: Record<string, string | number>[] = [];
  const results: Record<string, ReturnType<typeof summarize> & { rps: number }> = {};
  for (const concurrency of [1, 16]) {
    // Alternate the order per concurrency so neither path always runs on a warmer process.
    const order = concurrency === 1 ? (["direct", "bare", "routed"] as const) : (["routed", "bare", "direct"] as const);
    for (const kind of order) {
      const make = makers[kind];
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
  printTable(
    "Worker-only (/health), bare Worker → DO (one SQLite read), and Worker → auth → TenantDO (scope, quota, route) → response (GET meta)",
    rows,
  );
  printTable("Token verify in-process (HMAC-SHA-256, crypto.subtle), µs", [
    { token: "first seen", rounds: verifyRounds, p50: round(authUs.first.p50, 1), p99: round(authUs.first.p99, 1) },
    { token: "seen before", rounds: verifyRounds, p50: round(authUs.cached.p50, 1), p99: round(authUs.cached.p99, 1) },
  ]);
  const get = (k: string) =>
    results[k] ??
    (() => {
      throw new Error(`missing ${k}`);
    })();
  const ratio = get("routed_16").p50 / get("direct_16").p50;
  const overBare = get("routed_16").p50 / get("bare_16").p50;
  console.log(
    `\noverhead_vs_bare_do (p50 routed / p50 bare DO at concurrency 16) = ${round(overBare, 2)} (target ≤ 1.3)`,
  );
  console.log(`tenant_overhead_ratio (p50 routed / p50 /health at concurrency 16) = ${round(ratio, 2)} (reported)`);
  printMetrics("platform", quick, {
    direct_p50_ms: round(get("direct_1").p50, 3),
    routed_p50_ms: round(get("routed_1").p50, 3),
    routed_p99_ms: round(get("routed_1").p99, 3),
    auth_overhead_us: round(authUs.first.p99, 1),
    routed_rps_16: round(get("routed_16").rps, 0),
    tenant_overhead_ratio: round(ratio, 2),
    bare_p50_ms: round(get("bare_1").p50, 3),
    overhead_vs_bare_do: round(overBare, 2),
  });
} finally {
  await dev.stop();
}
