/**
 * The spike's one 10k run inside workerd: the platform under `wrangler dev` (real DO SQLite and
 * alarms), the same data as run.ts (seed 42, 10k × 768, 100 queries), training by the DO's own
 * alarm-delivered wake-ups, queries over HTTP. Recall@10 is checked against the same
 * ground-truth child; latency is the HTTP round trip on 127.0.0.1 (auth, routing, JSON included).
 * Training starts at 5,000 vectors, so it runs on the DO's alarms while the load goes on.
 * Usage: tsx spikes/vector/workerd.ts (not part of `spike:vector`: it needs wrangler dev, ~1 min)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { claimsFor, signToken } from "../../apps/platform/src/auth.ts";
import { printTable } from "../lib/report.ts";
import { summarize } from "../lib/stats.ts";
import { SPIKE_PLANS, SPIKE_SECRET, startDev } from "../lib/wrangler-dev.ts";
import { DIMENSIONS, idOf, Mixture } from "./data.ts";

const N = 10_000;
const Q = 100;
const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "spike-vector-workerd-"));
const truthFile = join(dir, "truth.json");
const r = spawnSync(process.execPath, ["--import", "tsx", join(here, "truth.ts"), String(N), String(Q), truthFile], {
  encoding: "utf8",
});
if (r.status !== 0) throw new Error(r.stderr);
const truth = JSON.parse(readFileSync(truthFile, "utf8")) as string[][];
rmSync(dir, { recursive: true, force: true });

const dev = await startDev({ vars: { PLANS: SPIKE_PLANS } });
try {
  const tenant = `spike-vec-${Date.now().toString(36)}`;
  const token = await signToken(SPIKE_SECRET, claimsFor(tenant, "tenant", 3600));
  const base = `${dev.url}/v1/tenants/${tenant}/vector`;
  const send = async (path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status >= 300) throw new Error(`${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  await send("/indexes", { name: "spike", dimensions: DIMENSIONS, metric: "cosine" });
  const mix = new Mixture();
  let t = performance.now();
  for (let i = 0; i < N; i += 1000) {
    const vectors = Array.from({ length: 1000 }, (_, j) => ({ id: idOf(i + j), values: Array.from(mix.point(i + j)) }));
    await send("/indexes/spike/upsert", { vectors });
  }
  const loadMs = performance.now() - t;
  t = performance.now();
  for (;;) {
    const info = await send("/indexes/spike");
    if (info.mode === "ivf") break;
    if (performance.now() - t > 300_000) throw new Error("training did not finish in 5 minutes");
    await new Promise((res) => setTimeout(res, 250));
  }
  const trainMs = performance.now() - t;
  const times: number[] = [];
  let hits = 0;
  for (let j = 0; j < Q; j++) {
    const q = Array.from(mix.query(j));
    const s = performance.now();
    const res = (await send("/indexes/spike/query", { vector: q, topK: 10 })) as { matches: { id: string }[] };
    times.push(performance.now() - s);
    const want = new Set(truth[j]);
    hits += res.matches.filter((m) => want.has(m.id)).length;
  }
  const s = summarize(times);
  printTable("10k × 768 inside workerd (wrangler dev, HTTP on 127.0.0.1)", [
    {
      "recall@10": (hits / (10 * Q)).toFixed(4),
      "p50 ms": s.p50.toFixed(2),
      "p99 ms": s.p99.toFixed(2),
      "load ms": Math.round(loadMs),
      "ivf ready after last upsert, ms": Math.round(trainMs),
    },
  ]);
  console.log(
    JSON.stringify({
      workerd: { recall_at_10: hits / (10 * Q), p50_ms: s.p50, p99_ms: s.p99, load_ms: loadMs, train_ms: trainMs },
    }),
  );
} finally {
  await dev.stop();
}
