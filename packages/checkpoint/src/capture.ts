/**
 * Capture and encode: the consistent cut copies every operator's records into `ckpt_stage`
 * (synchronously, inside the caller's transaction), then the staged copy is encoded, placed
 * (inline, SQLite chunks, or BlobStore objects) and committed with its manifest written last.
 * @module
 */
import type { BlobStore, Clock, Sql, SqlBinding, TransactionSync } from "@durable/core";
import { CODEC, encodeChunks, wholeHash } from "./codec.ts";
import type { CheckpointConfig } from "./config.ts";
import { ckptError } from "./errors.ts";
import type { ChunkRef, Manifest, OperatorEntry } from "./manifest.ts";
import { writeManifest } from "./manifest.ts";
import { type OperatorRegistry, versionOf } from "./operators.ts";

/** What a capture staged: its operators and raw size (stored as the stage's row 0). */
export interface StageInfo {
  operators: OperatorEntry[];
  rawBytes: number;
}

/** Ports of the capture and encode steps. */
export interface CapturePorts {
  sql: Sql;
  transactionSync: TransactionSync;
  clock: Clock;
  blobs?: BlobStore;
}

const STAGE_BATCH = 25; // 4 bindings a row: 100 per statement

/** Emitted when a checkpoint is large (`CHECKPOINT_LARGE`) and after each commit. */
export interface CheckpointMetrics {
  checkpoints: number;
  restores: number;
  largeWarnings: number;
  lastRawBytes: number;
  lastStoredBytes: number;
}

/**
 * Copies every operator's records into `ckpt_stage` under `stageId`. Call it inside a
 * `transactionSync`: a throw (an operator failing, the size cap) leaves nothing staged.
 * @throws {CHECKPOINT_TOO_LARGE} 413 when the raw size passes `maxRawBytes`
 */
export function stage(sql: Sql, registry: OperatorRegistry, config: CheckpointConfig, stageId: string): StageInfo {
  sql.exec("DELETE FROM ckpt_stage WHERE stage_id = ?", stageId);
  let seq = 1;
  let rawBytes = 0;
  let batch: SqlBinding[] = [];
  const flush = () => {
    if (batch.length === 0) return;
    const rows = batch.length / 4;
    sql.exec(
      `INSERT INTO ckpt_stage (stage_id, seq, operator, record) VALUES ${Array.from({ length: rows }, () => "(?, ?, ?, ?)").join(", ")}`,
      ...batch,
    );
    batch = [];
  };
  const operators: OperatorEntry[] = [];
  for (const [id, op] of registry.entries()) {
    const entry: OperatorEntry = { id, schemaVersion: versionOf(op), records: 0, rawBytes: 0 };
    for (const record of op.capture()) {
      const text = JSON.stringify(record ?? null);
      // id + tab + text + newline, in UTF-8 (close enough for ASCII-heavy JSON; exact for ASCII).
      const bytes = id.length + text.length + 2;
      entry.records++;
      entry.rawBytes += bytes;
      rawBytes += bytes;
      if (rawBytes > config.maxRawBytes) {
        throw ckptError.error(
          "CHECKPOINT_TOO_LARGE",
          `state exceeds ${config.maxRawBytes} raw bytes (operator ${id}); nothing was written`,
        );
      }
      batch.push(stageId, seq++, id, text);
      if (batch.length >= STAGE_BATCH * 4) flush();
    }
    operators.push(entry);
  }
  flush();
  const info: StageInfo = { operators, rawBytes };
  sql.exec(
    "INSERT INTO ckpt_stage (stage_id, seq, operator, record) VALUES (?, 0, '', ?)",
    stageId,
    JSON.stringify(info),
  );
  return info;
}

/** The info row of a staged capture, or null when nothing is staged under `stageId`. */
export function stagedInfo(sql: Sql, stageId: string): StageInfo | null {
  const row = sql
    .exec<{ record: string }>("SELECT record FROM ckpt_stage WHERE stage_id = ? AND seq = 0", stageId)
    .toArray()[0];
  return row ? (JSON.parse(row.record) as StageInfo) : null;
}

/** Drops a staged copy. */
export function dropStage(sql: Sql, stageId: string): void {
  sql.exec("DELETE FROM ckpt_stage WHERE stage_id = ?", stageId);
}

/** What {@link commitStage} needs besides the stage. */
export interface CommitInput {
  stageId: string;
  snapshotId: string;
  epoch: number;
  bookmark: string | null;
  extra?: Record<string, unknown>;
  /** Runs inside the commit transaction, after the manifest row (a participant's bookkeeping). */
  inCommit?: (m: Manifest) => void;
}

/**
 * Encodes a staged capture and commits it: chunks inline with the manifest (≤ the inline
 * threshold), or chunks first (SQLite, or BlobStore objects recorded in `ckpt_objects` before
 * upload), then the manifest. The staged copy is dropped in the commit transaction.
 * @returns the manifest
 */
export async function commitStage(
  ports: CapturePorts,
  config: CheckpointConfig,
  input: CommitInput,
): Promise<Manifest> {
  const { sql, transactionSync, clock, blobs } = ports;
  const info = stagedInfo(sql, input.stageId);
  if (!info) throw ckptError.error("NOT_FOUND", `nothing staged under ${input.stageId}`);
  let after = 0;
  const next = (): string | null => {
    const rows = sql
      .exec<{ seq: number; operator: string; record: string }>(
        "SELECT seq, operator, record FROM ckpt_stage WHERE stage_id = ? AND seq > ? ORDER BY seq LIMIT 1000",
        input.stageId,
        after,
      )
      .toArray();
    if (rows.length === 0) return null;
    after = rows[rows.length - 1]?.seq ?? after;
    let text = "";
    for (const r of rows) text += `${r.operator}\t${r.record}\n`;
    return text;
  };
  let mode: Manifest["location"] = "inline";
  let inline: { bytes: Uint8Array; sha: string }[] = [];
  let inlineBytes = 0;
  const refs: ChunkRef[] = [];
  let object: { key: string; parts: Uint8Array[]; size: number } | null = null;
  let objectCount = 0;
  const newObject = () => ({
    key: `${config.blobPrefix}/${input.epoch}/${input.snapshotId}/part-${objectCount++}`,
    parts: [] as Uint8Array[],
    size: 0,
  });
  const uploadObject = async () => {
    if (!object || object.parts.length === 0 || !blobs) return;
    const body = new Uint8Array(object.size);
    let off = 0;
    for (const p of object.parts) {
      body.set(p, off);
      off += p.length;
    }
    sql.exec(
      "INSERT OR IGNORE INTO ckpt_objects (key, snapshot_id, created_at) VALUES (?, ?, ?)",
      object.key,
      input.snapshotId,
      clock.now(),
    );
    await blobs.put(object.key, body, { snapshotId: input.snapshotId });
    object = null;
  };
  const place = async (bytes: Uint8Array, idx: number, sha: string) => {
    if (mode === "sqlite") {
      sql.exec(
        "INSERT INTO ckpt_chunks (snapshot_id, idx, sha256, data) VALUES (?, ?, ?, ?)",
        input.snapshotId,
        idx,
        sha,
        bytes,
      );
      refs.push({ idx, sha256: sha, length: bytes.length });
    } else if (mode === "blobs") {
      object ??= newObject();
      refs.push({ idx, sha256: sha, length: bytes.length, object: object.key, offset: object.size });
      object.parts.push(bytes);
      object.size += bytes.length;
      if (object.parts.length >= config.chunksPerObject) await uploadObject();
    } else {
      inline.push({ bytes, sha });
      inlineBytes += bytes.length;
      if (inlineBytes > config.inlineThresholdBytes) {
        mode = blobs ? "blobs" : "sqlite";
        const held = inline;
        inline = [];
        for (const [i, c] of held.entries()) await place(c.bytes, i, c.sha);
      }
    }
  };
  const encoded = await encodeChunks(next, config.chunkBytes, place);
  await uploadObject();
  const manifest: Manifest = {
    snapshotId: input.snapshotId,
    epoch: input.epoch,
    createdAt: clock.now(),
    status: "completed",
    operators: info.operators,
    codec: CODEC,
    rawBytes: encoded.rawBytes,
    storedBytes: encoded.storedBytes,
    location: mode,
    chunks: mode === "inline" ? inline.map((c, idx) => ({ idx, sha256: c.sha, length: c.bytes.length })) : refs,
    sha256: await wholeHash(encoded.chunkHashes),
    bookmark: input.bookmark,
    ...(input.extra ? { extra: input.extra } : {}),
  };
  transactionSync(() => {
    for (const [idx, c] of inline.entries()) {
      sql.exec(
        "INSERT INTO ckpt_chunks (snapshot_id, idx, sha256, data) VALUES (?, ?, ?, ?)",
        input.snapshotId,
        idx,
        c.sha,
        c.bytes,
      );
    }
    writeManifest(sql, manifest);
    dropStage(sql, input.stageId);
    input.inCommit?.(manifest);
  });
  return manifest;
}
