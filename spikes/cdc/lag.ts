/**
 * The lag part of the cdc spike: the platform under `wrangler dev` (spikes/cdc/wrangler.toml,
 * a local queue with a consumer, `max_batch_timeout` 1 s), one-row writes over HTTP at a fixed
 * rate into a tracked table with a Queue consumer; lag = receive time in the queue handler −
 * `source.ts_ms`. Local workerd timers: a comparison on this machine, not a production claim.
 * @module
 */
import { claimsFor, signToken } from "../../apps/platform/src/auth.ts";
import { quantile } from "../lib/stats.ts";
import { SPIKE_PLANS, SPIKE_SECRET, startDev } from "../lib/wrangler-dev.ts";
import { ORDERS, order, rng } from "./setup.ts";

/**
 * @param seconds how long to write
 * @param perSecond writes per second
 */
export async function lag(seconds: number, perSecond: number) {
  const dev = await startDev({
    config: "spikes/cdc/wrangler.toml",
    vars: { PLANS: SPIKE_PLANS, AUTH_SECRET: SPIKE_SECRET },
  });
  try {
    const tenant = "cdc-lag";
    const token = await signToken(SPIKE_SECRET, claimsFor(tenant, "tenant", 3600));
    const send = async (path: string, method: string, body?: unknown) => {
      const res = await fetch(`${dev.url}/v1/tenants/${tenant}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    await send("/tables", "POST", ORDERS);
    await send("/cdc/tables", "POST", { table: "orders" });
    await send("/cdc/consumers", "POST", { name: "queue", sink: { type: "queue", binding: "CDC_EVENTS" } });
    const random = rng(5);
    const total = seconds * perSecond;
    const started = performance.now();
    const inflight = new Set<Promise<unknown>>();
    let failed = 0;
    let sent = 0;
    for (let i = 0; i < total; i++) {
      // A fixed duration: when the platform takes fewer writes per second than asked, fewer are sent.
      if (performance.now() - started > seconds * 1000) break;
      sent++;
      const due = started + (i * 1000) / perSecond;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      // At most 16 in flight: an open loop past what the DO absorbs measures the queue, not CDC.
      while (inflight.size >= 16) await Promise.race(inflight);
      const p: Promise<unknown> = send("/tables/orders/rows", "POST", { rows: [order(i + 1, random)] })
        .catch(() => {
          failed++;
        })
        .finally(() => inflight.delete(p));
      inflight.add(p);
    }
    await Promise.all(inflight);
    if (failed > 0) console.error(`lag: ${failed} writes failed; wrangler said:\n${dev.output().slice(-2000)}`);
    const writeSeconds = (performance.now() - started) / 1000;
    let lags: number[] = [];
    let stableSince = performance.now();
    while (performance.now() - stableSince < 3000) {
      await new Promise((r) => setTimeout(r, 250));
      const now = ((await (await fetch(`${dev.url}/spike/lags`)).json()) as { lags: number[] }).lags;
      if (now.length !== lags.length) stableSince = performance.now();
      lags = now;
      if (lags.length >= sent - failed) break;
    }
    if (lags.length < sent - failed) {
      const metrics = (await send("/cdc/metrics", "GET")) as { consumers: { deliveredTotal: number }[] };
      console.error(
        `lag: ${lags.length} of ${sent} events reached the handler; CDC delivered ${metrics.consumers[0]?.deliveredTotal} to the queue`,
      );
    }
    const sorted = [...lags].sort((a, b) => a - b);
    return {
      failed,
      writes: sent,
      received: lags.length,
      writesPerS: sent / writeSeconds,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      max: sorted[sorted.length - 1] ?? 0,
    };
  } finally {
    await dev.stop();
  }
}
