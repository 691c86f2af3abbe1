/**
 * Restore: verify every chunk (count, hash, whole hash) while decoding into `ckpt_stage`, then
 * swap every operator in one transaction (all or nothing) and run their `afterRestore`. Until
 * the swap, the live state is untouched: a corrupt or missing chunk is 409 CHECKPOINT_CORRUPT.
 * @module
 */
import type { BlobStore, Sql, SqlBinding, TransactionSync } from "@durable/core";
import { decodeChunks, sha256Hex, wholeHash } from "./codec.ts";
import { ckptError } from "./errors.ts";
import type { Manifest } from "./manifest.ts";
import { type OperatorRegistry, versionOf } from "./operators.ts";

/**
 * Checks that every operator of `m` is registered with the same schema version, and that every
 * registered operator is in `m`.
 * @throws {CHECKPOINT_SCHEMA_MISMATCH} 409
 */
export function checkSchemas(m: Manifest, registry: OperatorRegistry): void {
  const registered = new Map(registry.entries());
  for (const entry of m.operators) {
    const op = registered.get(entry.id);
    if (!op) {
      throw ckptError.error(
        "CHECKPOINT_SCHEMA_MISMATCH",
        `checkpoint ${m.snapshotId} holds operator ${entry.id}, which is not registered`,
      );
    }
    const now = versionOf(op);
    if (now !== entry.schemaVersion) {
      throw ckptError.error(
        "CHECKPOINT_SCHEMA_MISMATCH",
        `operator ${entry.id} is at schema version ${now}; checkpoint ${m.snapshotId} has ${entry.schemaVersion}`,
      );
    }
    registered.delete(entry.id);
  }
  const missing = [...registered.keys()];
  if (missing.length > 0) {
    throw ckptError.error(
      "CHECKPOINT_SCHEMA_MISMATCH",
      `checkpoint ${m.snapshotId} lacks operator ${missing.join(", ")}`,
    );
  }
}

function corrupt(m: Manifest, detail: string): Error {
  return ckptError.error("CHECKPOINT_CORRUPT", `checkpoint ${m.snapshotId}: ${detail}`);
}

/** Reads chunk `idx` of `m`, verified against its hash. */
async function readChunk(sql: Sql, blobs: BlobStore | undefined, m: Manifest, idx: number): Promise<Uint8Array> {
  const ref = m.chunks[idx];
  if (!ref || ref.idx !== idx) throw corrupt(m, `chunk ${idx} is missing from the manifest`);
  let bytes: Uint8Array | null;
  if (ref.object !== undefined) {
    if (!blobs) throw corrupt(m, `chunk ${idx} lives in object ${ref.object}, but there is no BlobStore`);
    bytes = await blobs.get(ref.object, { offset: ref.offset ?? 0, length: ref.length });
    if (!bytes) throw corrupt(m, `object ${ref.object} (chunk ${idx}) is missing`);
  } else {
    const row = sql
      .exec<{ data: ArrayBuffer }>("SELECT data FROM ckpt_chunks WHERE snapshot_id = ? AND idx = ?", m.snapshotId, idx)
      .toArray()[0];
    if (!row) throw corrupt(m, `chunk ${idx} is missing`);
    bytes = new Uint8Array(row.data);
  }
  if (bytes.length !== ref.length) throw corrupt(m, `chunk ${idx} has ${bytes.length} bytes, expected ${ref.length}`);
  if ((await sha256Hex(bytes)) !== ref.sha256) throw corrupt(m, `chunk ${idx} fails its SHA-256`);
  return bytes;
}

/**
 * Verifies `m` and decodes it into `ckpt_stage` under `stageId` (nothing live changes).
 * @throws {CHECKPOINT_CORRUPT} 409 naming the chunk or object
 */
export async function verifyAndStage(
  sql: Sql,
  blobs: BlobStore | undefined,
  m: Manifest,
  stageId: string,
): Promise<void> {
  const count = sql
    .exec<{ n: number }>("SELECT count(*) AS n FROM ckpt_chunks WHERE snapshot_id = ?", m.snapshotId)
    .one().n;
  const inSql = m.chunks.filter((c) => c.object === undefined).length;
  if (count !== inSql) throw corrupt(m, `${count} chunks stored, manifest lists ${inSql}`);
  if ((await wholeHash(m.chunks.map((c) => c.sha256))) !== m.sha256) throw corrupt(m, "manifest hash list mismatch");
  sql.exec("DELETE FROM ckpt_stage WHERE stage_id = ?", stageId);
  let seq = 1;
  let batch: SqlBinding[] = [];
  const flush = () => {
    if (batch.length === 0) return;
    sql.exec(
      `INSERT INTO ckpt_stage (stage_id, seq, operator, record) VALUES ${Array.from({ length: batch.length / 4 }, () => "(?, ?, ?, ?)").join(", ")}`,
      ...batch,
    );
    batch = [];
  };
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < m.chunks.length; i++) yield await readChunk(sql, blobs, m, i);
  }
  try {
    await decodeChunks(chunks(), (operator, record) => {
      batch.push(stageId, seq++, operator, record);
      if (batch.length >= 100) flush();
    });
    flush();
  } catch (err) {
    sql.exec("DELETE FROM ckpt_stage WHERE stage_id = ?", stageId);
    if (ckptError.is((err as { code?: string }).code)) throw err;
    throw corrupt(m, `does not decode (${err instanceof Error ? err.message : String(err)})`);
  }
  const records = m.operators.reduce((n, o) => n + o.records, 0);
  if (seq - 1 !== records) {
    sql.exec("DELETE FROM ckpt_stage WHERE stage_id = ?", stageId);
    throw corrupt(m, `decoded ${seq - 1} records, manifest lists ${records}`);
  }
}

/** The staged records of one operator, page by page (never all in memory). */
function* stagedRecords(sql: Sql, stageId: string, operator: string): Generator<unknown> {
  let after = 0;
  for (;;) {
    const rows = sql
      .exec<{ seq: number; record: string }>(
        "SELECT seq, record FROM ckpt_stage WHERE stage_id = ? AND operator = ? AND seq > ? ORDER BY seq LIMIT 1000",
        stageId,
        operator,
        after,
      )
      .toArray();
    for (const r of rows) yield JSON.parse(r.record);
    if (rows.length < 1000) return;
    after = rows[rows.length - 1]?.seq ?? after;
  }
}

/**
 * Swaps every operator to the staged records in one transaction (all or nothing), drops the
 * stage, then runs each `afterRestore`.
 * @param swapTx the swap transaction (the platform passes the tables' event transaction)
 * @param inSwap more work in the same transaction (a participant's channel counters)
 */
export async function swap(
  sql: Sql,
  swapTx: TransactionSync,
  registry: OperatorRegistry,
  m: Manifest,
  stageId: string,
  inSwap?: () => void,
): Promise<void> {
  swapTx(() => {
    for (const entry of m.operators) registry.get(entry.id)?.restore(stagedRecords(sql, stageId, entry.id));
    sql.exec("DELETE FROM ckpt_stage WHERE stage_id = ?", stageId);
    inSwap?.();
  });
  for (const entry of m.operators) await registry.get(entry.id)?.afterRestore?.();
}
