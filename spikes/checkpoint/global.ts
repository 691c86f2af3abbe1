/**
 * Global checkpoints over `n` account DOs (`<tenant>` coordinates, `<tenant>:p1..` take part),
 * 10,000 keys each, with transfers running over the FIFO channels the whole time: the latency
 * from trigger to the committed global manifest, then the invariant of every completed epoch
 * (captured balances + recorded channel state = the total), and `recover()` back to the total.
 * @module
 */
import { summarize } from "../lib/stats.ts";
import type { Call } from "./client.ts";

const KEYS = 10_000;
const BALANCE = 1000;

interface EpochInfo {
  status: string;
  manifest: { participants: Record<string, string> } | null;
}

/** What {@link globalRun} measured. */
export interface GlobalResult {
  participants: number;
  /** p50 of epochs taken before the transfers start (a diagnostic). */
  idleP50: number;
  epochs: number;
  completed: number;
  aborted: number;
  p50: number;
  p95: number;
  max: number;
  transfers: number;
  checkedEpochs: number;
  violations: number;
  recoveredTotal: number;
  expectedTotal: number;
}

/** Waits until no DO has unacked channel messages; returns the live total. */
async function quiesce(call: Call, names: string[]): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const totals = await Promise.all(
      names.map((n) => call<{ live: number; inFlight: number; pending: Record<string, number> }>(n, "totals")),
    );
    if (totals.every((t) => Object.keys(t.pending).length === 0)) return totals.reduce((s, t) => s + t.live, 0);
    await Promise.all(names.map((n) => call(n, "flush")));
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("channels did not drain");
}

/** Captured balances plus recorded channel state of completed epoch `epoch` equal `total`. */
async function consistent(call: Call, tenant: string, epoch: number, total: number): Promise<boolean> {
  const info = await call<EpochInfo>(tenant, "epoch", epoch);
  if (info.status !== "completed" || !info.manifest) return false;
  let sum = 0;
  for (const [name, snapshotId] of Object.entries(info.manifest.participants)) {
    const c = await call<{ balance: number; channel: number }>(name, "captured", epoch, snapshotId);
    sum += c.balance + c.channel;
  }
  return sum === total;
}

/**
 * @param call the spike Worker
 * @param tenant a fresh tenant id
 * @param n DOs (the coordinator included)
 * @param epochs measured global checkpoints (after one warm-up)
 * @param idleEpochs epochs before the transfers start (a diagnostic, not a metric)
 */
export async function globalRun(
  call: Call,
  tenant: string,
  n: number,
  epochs: number,
  idleEpochs: number,
): Promise<GlobalResult> {
  const names = [tenant, ...Array.from({ length: n - 1 }, (_, i) => `${tenant}:p${i + 1}`)];
  for (const name of names) await call(name, "seed", BALANCE);
  await call(tenant, "register", names.slice(1));
  const expectedTotal = n * KEYS * BALANCE;
  await call(tenant, "globalOnce", 60_000); // warm-up: first captures, code paths
  const idle: number[] = [];
  for (let i = 0; i < idleEpochs; i++) {
    const r = await call<{ status: string; ms: number }>(tenant, "globalOnce", 60_000);
    if (r.status === "completed") idle.push(r.ms);
  }
  // Transfers keep running: 4 loops, each a batch of 5 transfers from a random DO at a time.
  let running = true;
  let transfers = 0;
  const loops = Array.from({ length: 4 }, async () => {
    while (running) {
      const from = names[Math.floor(Math.random() * n)] as string;
      await call(
        from,
        "transfers",
        5,
        names.filter((x) => x !== from),
      );
      transfers += 5;
    }
  });
  const times: number[] = [];
  let aborted = 0;
  let violations = 0;
  let checkedEpochs = 0;
  try {
    for (let i = 0; i < epochs; i++) {
      const r = await call<{ epoch: number; status: string; ms: number }>(tenant, "globalOnce", 60_000);
      if (r.status !== "completed") {
        aborted++;
        continue;
      }
      times.push(r.ms);
      // Checked before the next trigger: a participant keeps its capture of the latest completed epoch.
      if (!(await consistent(call, tenant, r.epoch, expectedTotal))) violations++;
      checkedEpochs++;
    }
  } finally {
    running = false;
    await Promise.all(loops);
  }
  const live = await quiesce(call, names);
  if (live !== expectedTotal) violations++;
  await call(tenant, "recover");
  const recoveredTotal = await quiesce(call, names);
  if (recoveredTotal !== expectedTotal) violations++;
  const s = summarize(times);
  return {
    participants: n,
    idleP50: summarize(idle).p50,
    epochs,
    completed: times.length,
    aborted,
    p50: s.p50,
    p95: s.p95,
    max: s.max,
    transfers,
    checkedEpochs,
    violations,
    recoveredTotal,
    expectedTotal,
  };
}
