/**
 * Spike: at 50k × 768 (quick: 10k), does IVF reach ≥ 0.95 recall@10 at ≥ 5× the exact scan's
 * speed within 100 MB of heap, and how near is the exact scan to memory bandwidth?
 *
 * 1. A child computes the ground truth by exact search in memory (truth.ts).
 * 2. A child doing nothing else loads (batches of 1,000; training wake-ups between batches),
 *    trains and runs IVF queries at nprobe 16 (default), 4, 8 and 32, sampling its heap
 *    (ivf-child.ts). It leaves the SQLite file behind.
 * 3. Here: the exact flat search on the same index (same file, `exact: true`), and the
 *    in-memory scans: the exact block scorer and a plain Float32Array sum over one 10k × 768
 *    array (median of 20), and int8 vs float32 scoring.
 * Usage: npm run spike:vector [-- --quick]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ManualClock, type Sql } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { createVectorStore } from "@durable/vector";
import { isQuick, printMetrics, printTable } from "../lib/report.ts";
import { summarize } from "../lib/stats.ts";
import { DIMENSIONS, Mixture } from "./data.ts";
import { scanBench } from "./scans.ts";
import { streamingSql } from "./streaming-sql.ts";

const quick = isQuick();
const N = quick ? 10_000 : 50_000;
const Q = quick ? 100 : 500;
const EXACT_QUERIES = 20;
const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "spike-vector-"));
const started = performance.now();

function child(script: string, args: string[], flags: string[] = []): string {
  const r = spawnSync(process.execPath, [...flags, "--import", "tsx", join(here, script), ...args], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr}`);
  return r.stdout.trim().split("\n").at(-1) ?? "";
}

try {
  console.log(`vector spike: ${N} × ${DIMENSIONS}, ${Q} queries, cosine (${quick ? "quick" : "full"})`);
  const truthFile = join(dir, "truth.json");
  let t = performance.now();
  child("truth.ts", [String(N), String(Q), truthFile]);
  const truthMs = performance.now() - t;
  const dbFile = join(dir, "spike.sqlite");
  t = performance.now();
  // --expose-gc only lets the child report its live memory after its last query (gc runs once, after the peak is taken).
  const ivf = JSON.parse(child("ivf-child.ts", [String(N), String(Q), dbFile, truthFile], ["--expose-gc"]));
  const childMs = performance.now() - t;

  // The exact flat search on the same index, through the same store: over the core adapter
  // (materializes every row) and over a streaming cursor (as a DO's); the baseline is the faster.
  const db = openSqlite(dbFile);
  const wake = { set: () => {}, cancel: () => {} };
  const mix = new Mixture();
  const exactOver = (sql: Sql) => {
    const store = createVectorStore({ sql, transactionSync: db.transactionSync, clock: new ManualClock(0), wake });
    const local = store.local("spike");
    if (!local) throw new Error("local");
    const times: number[] = [];
    for (let j = 0; j < EXACT_QUERIES; j++) {
      const q = mix.query(j);
      const s = performance.now();
      local.querySync(q, { topK: 10, exact: true });
      times.push(performance.now() - s);
    }
    return summarize(times);
  };
  const exactAdapter = exactOver(db.sql);
  const exact = exactOver(streamingSql(db.db));
  db.close();

  // In memory: one 10k × 768 array.
  const n10 = 10_000;
  const data = new Float32Array(n10 * DIMENSIONS);
  for (let i = 0; i < n10; i++) {
    mix.point(i, data, i * DIMENSIONS);
    let s = 0;
    for (let j = 0; j < DIMENSIONS; j++) s += (data[i * DIMENSIONS + j] as number) ** 2;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < DIMENSIONS; j++) data[i * DIMENSIONS + j] = (data[i * DIMENSIONS + j] as number) * inv;
  }
  const scans = scanBench(data, n10, DIMENSIONS, mix.query(0));

  const d16 = ivf.sweep["16"];
  printTable(
    `IVF (nlist ${ivf.nlist}, generation ${ivf.generation.generation}, trained on ${ivf.generation.trained_count}) vs exact, topK 10`,
    ["4", "8", "16", "32"].map((k) => ({
      nprobe: k,
      "recall@10": ivf.sweep[k].recall.toFixed(4),
      "p50 ms": ivf.sweep[k].p50.toFixed(2),
      "p99 ms": ivf.sweep[k].p99.toFixed(2),
      "lists scanned": ivf.sweep[k].lists.toFixed(1),
      "speedup vs exact p50": (exact.p50 / ivf.sweep[k].p50).toFixed(1),
    })),
  );
  printTable(`exact flat search on the same index (SQLite, ${EXACT_QUERIES} queries, ms)`, [
    { cursor: "streamed (baseline)", p50: exact.p50.toFixed(1), p99: exact.p99.toFixed(1), max: exact.max.toFixed(1) },
    {
      cursor: "core adapter (materialized)",
      p50: exactAdapter.p50.toFixed(1),
      p99: exactAdapter.p99.toFixed(1),
      max: exactAdapter.max.toFixed(1),
    },
    {
      cursor: `in-memory kernel × ${N / 10_000} (no SQL)`,
      p50: ((scans.exactMs * N) / 10_000).toFixed(1),
      p99: "",
      max: "",
    },
  ]);
  printTable("in-memory scans, 10k × 768 (median of 20)", [
    {
      scan: "exact block scorer (float32, cosine)",
      ms: scans.exactMs.toFixed(2),
      "GB/s": scans.exact_scan_gbps.toFixed(2),
    },
    { scan: "plain Float32Array sum", ms: scans.sumMs.toFixed(2), "GB/s": scans.sum_gbps.toFixed(2) },
    { scan: "top-10 on float32 (dotAt)", ms: scans.f32Ms.toFixed(2), "GB/s": "" },
    { scan: "top-10 on int8 codes (dotInt8At)", ms: scans.int8Ms.toFixed(2), "GB/s": "" },
  ]);
  printTable("load and training (child process)", [
    {
      "upsert/s": Math.round(ivf.upsert_per_s),
      "train ms": Math.round(ivf.train_ms),
      "train chunks": ivf.train_chunks,
      "peak heap MB": ivf.peak_heap_mb.toFixed(1),
      "load/train/query MB": ["load", "train", "query"].map((p) => (ivf.phase_peaks_mb[p] ?? 0).toFixed(0)).join("/"),
      "live after gc MB": ivf.live_after_gc_mb?.toFixed(1) ?? "",
      "cache MB": ivf.cache_mb.toFixed(1),
      "truth ms": Math.round(truthMs),
      "child ms": Math.round(childMs),
      "total s": ((performance.now() - started) / 1000).toFixed(1),
    },
  ]);
  printMetrics("vector", quick, {
    recall_at_10: Number(d16.recall.toFixed(4)),
    query_p50_ms: Number(d16.p50.toFixed(3)),
    query_p99_ms: Number(d16.p99.toFixed(3)),
    speedup_vs_exact: Number((exact.p50 / d16.p50).toFixed(2)),
    exact_scan_gbps: Number(scans.exact_scan_gbps.toFixed(3)),
    bandwidth_ratio: Number((scans.exact_scan_gbps / scans.sum_gbps).toFixed(3)),
    upsert_per_s: Math.round(ivf.upsert_per_s),
    peak_heap_mb: Number(ivf.peak_heap_mb.toFixed(1)),
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
