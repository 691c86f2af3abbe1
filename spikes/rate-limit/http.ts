/**
 * The HTTP part: `wrangler dev` on 127.0.0.1, sequential `POST /v1/tenants/:t/rate-limit/check`
 * against `GET /health` in the same run. `startDev` raises the gate's `free` plan (`SPIKE_PLANS`)
 * so the spike measures decisions, not 429s.
 * @module
 */
import { claimsFor, signToken } from "../../apps/platform/src/auth.ts";
import { runLoad } from "../lib/http-load.ts";
import { type Summary, summarize } from "../lib/stats.ts";
import { SPIKE_SECRET, startDev } from "../lib/wrangler-dev.ts";

/** Latencies of `total` sequential checks and health calls. */
export async function httpPart(total: number): Promise<{ check: Summary; health: Summary; statuses: string }> {
  const dev = await startDev();
  try {
    const token = await signToken(SPIKE_SECRET, claimsFor("rl-bench", "tenant", 3600));
    const check = (i: number) =>
      new Request(`${dev.url}/v1/tenants/rl-bench/rate-limit/check`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ key: `user:${i % 100}` }),
      });
    const health = () => new Request(`${dev.url}/health`);
    await runLoad(Math.min(100, total), 1, check);
    await runLoad(Math.min(100, total), 1, health);
    const h = await runLoad(total, 1, health);
    const c = await runLoad(total, 1, check);
    if (Object.keys(c.statuses).some((s) => s !== "200")) {
      throw new Error(`check answered ${JSON.stringify(c.statuses)}`);
    }
    return { check: summarize(c.latenciesMs), health: summarize(h.latenciesMs), statuses: JSON.stringify(c.statuses) };
  } finally {
    await dev.stop();
  }
}
