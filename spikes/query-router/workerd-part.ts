/**
 * The workerd half of the spike: under `wrangler dev` on 127.0.0.1 (spike-only config in
 * fixture/), a coordinator DO fans out to 10 shard DOs answering after 5 + i ms (i = 0..8) and
 * one after 40 ms, compared in the same run with the 10 calls made one after another and with
 * each target called alone; plus rounds with an 11th, dead target (200 ms timeout, partial on).
 * Timings are taken inside the coordinator DO.
 * @module
 */
import type { DevServer } from "../lib/wrangler-dev.ts";

/** The shards' answer delays, ms: 5 + i for nine of them, 40 for the slowest. */
export const DELAYS = [5, 6, 7, 8, 9, 10, 11, 12, 13, 40];

async function get(dev: DevServer, params: Record<string, string>): Promise<Record<string, unknown>> {
  const res = await fetch(`${dev.url}/?${new URLSearchParams(params)}`);
  if (res.status !== 200)
    throw new Error(`${params.mode}: ${res.status} ${await res.text()}\n${dev.output().slice(-2000)}`);
  return (await res.json()) as Record<string, unknown>;
}

/** What the rounds measured, ms. */
export interface WorkerdResult {
  fanout: number[];
  sequential: number[];
  single: number[][];
  dead: number[];
  deadCoverage: string;
  groups: number;
}

/** Runs `rounds` rounds (the order of the three measurements rotates per round). */
export async function runWorkerd(dev: DevServer, rounds: number): Promise<WorkerdResult> {
  const delays = JSON.stringify(DELAYS);
  const out: WorkerdResult = {
    fanout: [],
    sequential: [],
    single: DELAYS.map(() => []),
    dead: [],
    deadCoverage: "",
    groups: 0,
  };
  // Warm every DO and the code paths.
  for (let i = 0; i < 3; i++) await get(dev, { mode: "fanout", delays });
  for (let r = 0; r < rounds; r++) {
    const steps = [
      async () => {
        const a = await get(dev, { mode: "fanout", delays });
        if (a.succeeded !== DELAYS.length) throw new Error(`fan-out lost targets: ${JSON.stringify(a)}`);
        out.groups = a.groups as number;
        out.fanout.push(a.ms as number);
      },
      async () => out.sequential.push((await get(dev, { mode: "sequential", delays })).ms as number),
      async () => {
        for (let t = 0; t < DELAYS.length; t++)
          out.single[t]?.push((await get(dev, { mode: "single", delays, target: String(t) })).ms as number);
      },
    ];
    for (let k = 0; k < steps.length; k++) await (steps[(k + r) % steps.length] as () => Promise<void>)();
  }
  const deadDelays = JSON.stringify([...DELAYS, 60_000]);
  const codes = new Set<string>();
  for (let r = 0; r < Math.max(5, Math.floor(rounds / 10)); r++) {
    const a = await get(dev, { mode: "fanout", delays: deadDelays, timeoutMs: "200" });
    out.dead.push(a.ms as number);
    codes.add(`${a.succeeded}/${a.attempted} ${(a.errors as string[]).join(",")}`);
  }
  out.deadCoverage = [...codes].join("; ");
  return out;
}
