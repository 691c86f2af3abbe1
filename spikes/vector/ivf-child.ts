/**
 * Child process doing nothing else: load (batches of 1,000 upserts, training wake-ups between
 * batches), finish training, then IVF queries, sampling heapUsed + arrayBuffers after every
 * batch, chunk and query. Prints one JSON line. The SQLite file stays for the parent's exact
 * baseline on the same index.
 * Usage: tsx ivf-child.ts <n> <queries> <db file> <truth.json>
 */
import { readFileSync } from "node:fs";
import { ManualClock } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { TestHost } from "@durable/core/testing";
import { createVectorStore, vectorCapability } from "@durable/vector";
import { summarize } from "../lib/stats.ts";
import { DIMENSIONS, idOf, Mixture } from "./data.ts";

const [n, q, file, truthFile] = [
  Number(process.argv[2]),
  Number(process.argv[3]),
  String(process.argv[4]),
  String(process.argv[5]),
];
let peak = 0;
let phase = "load";
const phases: Record<string, number> = {};
const sample = () => {
  const m = process.memoryUsage();
  const used = m.heapUsed + m.arrayBuffers;
  peak = Math.max(peak, used);
  phases[phase] = Math.max(phases[phase] ?? 0, used / (1024 * 1024));
};
sample();

const db = openSqlite(file);
const host = new TestHost({ sql: db.sql, transactionSync: db.transactionSync, clock: new ManualClock(0) });
const cap = host.use(vectorCapability((ports) => createVectorStore(ports)));
await host.start();
const store = cap.store;
await store.create({ name: "spike", dimensions: DIMENSIONS, metric: "cosine" });
const index = store.index("spike");
const mix = new Mixture();

let upsertMs = 0;
let trainMs = 0;
let chunks = 0;
const runWakes = async () => {
  for (let due = host.wakes.takeDue(0); due.length > 0; due = host.wakes.takeDue(0)) {
    for (const w of due) {
      phase = "train";
      const t = performance.now();
      await host.composition.deliverWake({ owner: w.owner, key: w.key, dueAt: 0, payload: null });
      trainMs += performance.now() - t;
      chunks++;
      sample();
    }
  }
};
for (let i = 0; i < n; i += 1000) {
  const batch = Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({
    id: idOf(i + j),
    values: mix.point(i + j),
  }));
  phase = "load";
  const t = performance.now();
  await index.upsert(batch);
  upsertMs += performance.now() - t;
  sample();
  await runWakes();
}
await runWakes();
const info = await index.describe();
const generation = db.sql
  .exec<{ generation: number; trained_count: number }>("SELECT generation, trained_count FROM vec_indexes")
  .one();
const nlist = db.sql.exec<{ n: number }>("SELECT count(*) AS n FROM vec_centroids WHERE list_id >= 0").one().n;

phase = "query";
const truth = JSON.parse(readFileSync(truthFile, "utf8")) as string[][];
const queries = Array.from({ length: q }, (_, j) => mix.query(j));
const local = store.local("spike");
if (!local) throw new Error("local backend expected");
const sweep: Record<string, { recall: number; p50: number; p99: number; lists: number }> = {};
for (const nprobe of [16, 4, 8, 32]) {
  const times: number[] = [];
  let hits = 0;
  let lists = 0;
  for (const [j, query] of queries.entries()) {
    const trace = { mode: "exact" as const, listsScanned: 0 } as { mode: string; listsScanned: number };
    const t = performance.now();
    const r = local.querySync(query, { topK: 10, nprobe }, trace as never);
    times.push(performance.now() - t);
    sample();
    lists += trace.listsScanned;
    const want = new Set(truth[j]);
    hits += r.matches.filter((m) => want.has(m.id)).length;
  }
  const s = summarize(times);
  sweep[String(nprobe)] = { recall: hits / (10 * q), p50: s.p50, p99: s.p99, lists: lists / q };
}
sample();
// Live memory at the end (what the cache and the process really hold), when gc is exposed.
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const live = process.memoryUsage();
const cacheBytes = (store.ctx.cache as { bytes: number }).bytes;
db.close();
console.log(
  JSON.stringify({
    n,
    info,
    generation,
    nlist,
    upsert_per_s: n / (upsertMs / 1000),
    train_ms: trainMs,
    train_chunks: chunks,
    sweep,
    peak_heap_mb: peak / (1024 * 1024),
    phase_peaks_mb: phases,
    live_after_gc_mb: gc ? (live.heapUsed + live.arrayBuffers) / (1024 * 1024) : null,
    cache_mb: cacheBytes / (1024 * 1024),
  }),
);
