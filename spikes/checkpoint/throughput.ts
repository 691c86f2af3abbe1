/**
 * Local checkpoint throughput against its two ceilings, on the same NDJSON bytes in the same DO
 * and run: a local checkpoint (capture into the stage, gzip, SHA-256, commit), the raw bytes as
 * 1 MiB blobs in one transactionSync (storage ceiling) and gzip alone through CompressionStream
 * (codec ceiling), in alternating order, medians of rounds. Then the restore of a 1 MiB state.
 * @module
 */
import { median, summarize } from "../lib/stats.ts";
import type { Call } from "./client.ts";

const MIB = 1024 * 1024;

interface Round {
  rawBytes: number;
  checkpointRawBytes: number;
  storedBytes: number;
  gzipBytes: number;
  location: string;
  checkpointMs: number;
  rawMs: number;
  gzipMs: number;
}

/** What {@link throughputRun} measured. */
export interface ThroughputResult {
  rawBytes: number;
  storedBytes: number;
  gzipBytes: number;
  location: string;
  rounds: number;
  checkpointMs: number;
  rawMs: number;
  gzipMs: number;
  checkpointMbPerS: number;
  rawMbPerS: number;
  gzipMbPerS: number;
}

const mbPerS = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

/**
 * @param call the spike Worker
 * @param name the DO (a fresh tenant)
 * @param mib MiB of JSON state
 * @param rounds measured rounds (after one warm-up)
 */
export async function throughputRun(call: Call, name: string, mib: number, rounds: number): Promise<ThroughputResult> {
  await call(name, "loadDocs", mib * MIB);
  const all: Round[] = [];
  for (let i = -1; i < rounds; i++) {
    const order = i % 2 === 0 ? ["checkpoint", "raw", "gzip"] : ["gzip", "raw", "checkpoint"];
    const r = await call<Round>(name, "throughput", order);
    if (i >= 0) all.push(r);
  }
  const first = all[0] as Round;
  if (first.checkpointRawBytes !== first.rawBytes) {
    throw new Error(`the peers moved ${first.rawBytes} bytes, the checkpoint ${first.checkpointRawBytes}`);
  }
  const checkpointMs = median(all.map((r) => r.checkpointMs));
  const rawMs = median(all.map((r) => r.rawMs));
  const gzipMs = median(all.map((r) => r.gzipMs));
  return {
    rawBytes: first.rawBytes,
    storedBytes: first.storedBytes,
    gzipBytes: first.gzipBytes,
    location: first.location,
    rounds,
    checkpointMs,
    rawMs,
    gzipMs,
    checkpointMbPerS: mbPerS(first.rawBytes, checkpointMs),
    rawMbPerS: mbPerS(first.rawBytes, rawMs),
    gzipMbPerS: mbPerS(first.rawBytes, gzipMs),
  };
}

/** What {@link restoreRun} measured. */
export interface RestoreResult {
  rawBytes: number;
  storedBytes: number;
  chunks: number;
  rounds: number;
  p50: number;
  p95: number;
  max: number;
  /** The floor: the same rows read, deleted and inserted again in one transactionSync (median). */
  reinsertP50: number;
}

/**
 * Restores a checkpoint of `mib` MiB of JSON documents `rounds` times (half the documents are
 * deleted before each; each restore must bring them all back), alternating with the floor peer.
 */
export async function restoreRun(call: Call, name: string, mib: number, rounds: number): Promise<RestoreResult> {
  const loaded = await call<{ docs: number }>(name, "loadDocs", mib * MIB);
  const m = await call<{ snapshotId: string; rawBytes: number; storedBytes: number; chunks: number }>(name, "local");
  const times: number[] = [];
  const floor: number[] = [];
  for (let i = -1; i < rounds; i++) {
    const r = await call<{ ms: number; docs: number }>(name, "restore", m.snapshotId);
    if (r.docs !== loaded.docs) throw new Error(`restore brought back ${r.docs} of ${loaded.docs} documents`);
    const f = await call<{ ms: number }>(name, "reinsertDocs");
    if (i >= 0) {
      times.push(r.ms);
      floor.push(f.ms);
    }
  }
  const s = summarize(times);
  return {
    rawBytes: m.rawBytes,
    storedBytes: m.storedBytes,
    chunks: m.chunks,
    rounds,
    p50: s.p50,
    p95: s.p95,
    max: s.max,
    reinsertP50: median(floor),
  };
}
