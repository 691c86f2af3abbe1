/**
 * The in-process part of the cdc spike on the Node adapter: the writer's cost of capture
 * (tracked vs untracked inserts, alternating order, median of rounds), delivery through
 * `pull`/`commit` with full envelopes, and the Parquet sink over `FsBlobStore`, each file read
 * back with hyparquet and DuckDB and compared with the pull output.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChangeEvent } from "@durable/cdc";
import { FsBlobStore } from "@durable/core/node";
import { parquetReadObjects } from "hyparquet";
import { median, nowMs, round } from "../lib/stats.ts";
import { ORDERS, openHost, order, rng } from "./setup.ts";

/** The sizes of one run. */
export interface Workload {
  inserts: number;
  updates: number;
  deletes: number;
  rounds: number;
}

const CALL = 100;

/** Tracked vs untracked insert throughput, alternating which goes first. */
export async function writeCost(w: Workload) {
  const tracked: number[] = [];
  const untracked: number[] = [];
  for (let round = 0; round < w.rounds; round++) {
    const { tables, cdc } = await openHost();
    tables.createTable(ORDERS);
    tables.createTable({ ...ORDERS, name: "plain" });
    cdc.track("orders");
    const run = (table: string) => {
      const random = rng(42);
      const started = nowMs();
      for (let i = 0; i < w.inserts; i += CALL) {
        tables.insert(
          table,
          Array.from({ length: CALL }, (_, j) => order(i + j + 1, random)),
        );
      }
      return (w.inserts * 1000) / (nowMs() - started);
    };
    const order2 = round % 2 === 0 ? ["orders", "plain"] : ["plain", "orders"];
    for (const t of order2) (t === "orders" ? tracked : untracked).push(run(t));
  }
  const trackedRate = median(tracked);
  const untrackedRate = median(untracked);
  return { trackedRate, untrackedRate, ratio: trackedRate / untrackedRate };
}

/** Compact identity of an event for comparisons. */
function fingerprint(lsn: number, op: string, key: string, before: string | null, after: string | null): string {
  return `${lsn}|${op}|${key}|${before}|${after}`;
}

/** The full workload through Tables, then Parquet and pull over all of it. */
export async function delivery(w: Workload) {
  const dir = mkdtempSync(join(tmpdir(), "cdc-spike-"));
  try {
    const blobs = new FsBlobStore(dir);
    // Flush as soon as the drain runs (files still cut at 50,000 rows): the writes are done by then.
    const { tables, cdc } = await openHost(":memory:", { config: { parquetMaxAgeMs: 1 } }, blobs);
    tables.createTable(ORDERS);
    cdc.track("orders");
    cdc.createConsumer({ name: "pull", sink: { type: "pull" } });
    cdc.createConsumer({ name: "lake", sink: { type: "r2", binding: "BLOBS" } });
    const random = rng(7);
    for (let i = 0; i < w.inserts; i += CALL)
      tables.insert(
        "orders",
        Array.from({ length: CALL }, (_, j) => order(i + j + 1, random)),
      );
    for (let i = 0; i < w.updates; i += CALL) {
      tables.upsert(
        "orders",
        Array.from({ length: CALL }, (_, j) => ({
          ...order((((i + j) * 7919) % w.inserts) + 1, random),
          status: "updated",
        })),
      );
    }
    for (let i = 0; i < w.deletes; i += CALL)
      tables.delete(
        "orders",
        Array.from({ length: CALL }, (_, j) => w.inserts - i - j),
      );
    const total = cdc.metrics().newestLsn;

    // Parquet: flush everything (50,000-row files), timed.
    const parquetStarted = nowMs();
    for (let guard = 0; guard < 1000 && cdc.getConsumer("lake").offset < total; guard++) {
      await new Promise((r) => setTimeout(r, 2));
      await cdc.drain();
    }
    const parquetMs = nowMs() - parquetStarted;
    const parquetBytes = cdc.metrics().parquetBytesWritten;

    // Pull with commit over every event, full envelopes.
    const expected = new Map<number, string>();
    const pullStarted = nowMs();
    let pulled = 0;
    for (;;) {
      const page = cdc.pull("pull", { limit: 1000 });
      if (page.events.length === 0) break;
      pulled += page.events.length;
      for (const e of page.events as ChangeEvent[]) {
        expected.set(
          e.source.lsn,
          fingerprint(
            e.source.lsn,
            e.op,
            JSON.stringify(e.key),
            e.before ? JSON.stringify(e.before) : null,
            e.after ? JSON.stringify(e.after) : null,
          ),
        );
      }
      cdc.commit("pull", page.nextLsn);
      if (!page.hasMore) break;
    }
    const pullMs = nowMs() - pullStarted;

    // Read every manifested file back with hyparquet and DuckDB.
    const manifests = (await blobs.list({ prefix: "cdc/spike/orders/_manifest/" })).objects;
    const files: string[] = [];
    for (const m of manifests) {
      const manifest = JSON.parse(new TextDecoder().decode((await blobs.get(m.key)) ?? new Uint8Array()));
      for (const f of manifest.files) files.push(f.key);
    }
    let mismatches = 0;
    let hyparquetRows = 0;
    for (const key of files) {
      const bytes = (await blobs.get(key)) as Uint8Array;
      const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      const rows = (await parquetReadObjects({
        file,
        columns: ["lsn", "op", "key_json", "before_json", "after_json"],
      })) as Record<string, unknown>[];
      for (const r of rows) {
        hyparquetRows++;
        const lsn = Number(r.lsn);
        if (
          expected.get(lsn) !==
          fingerprint(
            lsn,
            r.op as string,
            r.key_json as string,
            r.before_json as string | null,
            r.after_json as string | null,
          )
        )
          mismatches++;
      }
    }
    if (hyparquetRows !== expected.size) mismatches += Math.abs(expected.size - hyparquetRows);
    const duck = await duckdbCompare(dir, files, expected);
    mismatches += duck.mismatches;
    return {
      events: total,
      pulled,
      eventsPerS: (pulled * 1000) / pullMs,
      parquetFiles: files.length,
      parquetMb: parquetBytes / 1e6,
      parquetMbPerS: parquetBytes / 1e6 / (parquetMs / 1000),
      hyparquetRows,
      duckdbRows: duck.rows,
      duckdb: duck.available,
      mismatches,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function duckdbCompare(dir: string, files: string[], expected: Map<number, string>) {
  let duckdb: typeof import("@duckdb/node-api");
  try {
    duckdb = await import("@duckdb/node-api");
  } catch {
    return { available: false, rows: 0, mismatches: 0 };
  }
  const instance = await duckdb.DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  let rows = 0;
  let mismatches = 0;
  for (const key of files) {
    const path = join(dir, key).replace(/'/g, "''");
    const reader = await conn.runAndReadAll(
      `SELECT lsn, op, key_json, before_json, after_json FROM read_parquet('${path}') ORDER BY lsn`,
    );
    for (const r of reader.getRows()) {
      rows++;
      const lsn = Number(r[0]);
      const s = (v: unknown) => (v === null ? null : String(v));
      if (expected.get(lsn) !== fingerprint(lsn, String(r[1]), String(r[2]), s(r[3]), s(r[4]))) mismatches++;
    }
  }
  if (rows !== expected.size) mismatches += Math.abs(expected.size - rows);
  conn.closeSync();
  return { available: true, rows, mismatches };
}

export { round };
