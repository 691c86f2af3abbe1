/**
 * Retention and garbage collection: keep the newest `keepLast` completed local checkpoints (never
 * the latest, never one the latest completed global epoch references), and collect the chunks
 * and objects that no manifest names (aborted, incomplete or pruned checkpoints).
 * @module
 */
import type { BlobStore, Sql } from "@durable/core";

/** What a collection removed. */
export interface GcReport {
  pruned: number;
  chunks: number;
  objects: number;
}

/**
 * Deletes completed local checkpoints beyond the newest `keepLast` (except `protectedIds`).
 * Global captures (epoch > 0) are the participant's to keep: the latest completed epoch's stays.
 * @returns how many manifests were deleted
 */
export function prune(sql: Sql, keepLast: number, protectedIds: ReadonlySet<string>): number {
  const rows = sql
    .exec<{ snapshot_id: string }>(
      "SELECT snapshot_id FROM ckpt_snapshots WHERE status = 'completed' AND epoch = 0 ORDER BY created_at DESC, snapshot_id DESC",
    )
    .toArray();
  let pruned = 0;
  for (const [i, r] of rows.entries()) {
    if (i < Math.max(1, keepLast) || protectedIds.has(r.snapshot_id)) continue;
    sql.exec("DELETE FROM ckpt_snapshots WHERE snapshot_id = ?", r.snapshot_id);
    pruned++;
  }
  return pruned;
}

/**
 * Deletes chunks and objects of checkpoints without a manifest (skipping `active` ones, being
 * written now); with `listOlderThan`, also lists the BlobStore under `prefix` and deletes
 * objects no manifest names that are older than that time (uploads whose record was lost).
 */
export async function collect(
  sql: Sql,
  blobs: BlobStore | undefined,
  active: ReadonlySet<string>,
  prefix: string,
  listOlderThan?: number,
): Promise<Omit<GcReport, "pruned">> {
  const orphanChunks = sql
    .exec<{ snapshot_id: string }>(
      "SELECT DISTINCT snapshot_id FROM ckpt_chunks WHERE snapshot_id NOT IN (SELECT snapshot_id FROM ckpt_snapshots)",
    )
    .toArray()
    .filter((r) => !active.has(r.snapshot_id));
  let chunks = 0;
  for (const r of orphanChunks) {
    chunks += sql.exec("DELETE FROM ckpt_chunks WHERE snapshot_id = ?", r.snapshot_id).rowsWritten;
  }
  const orphanObjects = sql
    .exec<{ key: string; snapshot_id: string }>(
      "SELECT key, snapshot_id FROM ckpt_objects WHERE snapshot_id NOT IN (SELECT snapshot_id FROM ckpt_snapshots)",
    )
    .toArray()
    .filter((r) => !active.has(r.snapshot_id));
  let objects = 0;
  if (blobs && orphanObjects.length > 0) {
    const keys = orphanObjects.map((o) => o.key);
    for (let i = 0; i < keys.length; i += 1000) await blobs.delete(keys.slice(i, i + 1000));
    for (const k of keys) sql.exec("DELETE FROM ckpt_objects WHERE key = ?", k);
    objects += keys.length;
  }
  if (blobs && listOlderThan !== undefined) {
    const known = new Set(
      sql
        .exec<{ key: string }>("SELECT key FROM ckpt_objects")
        .toArray()
        .map((r) => r.key),
    );
    let cursor: string | undefined;
    do {
      const page = await blobs.list({ prefix: `${prefix}/`, ...(cursor ? { cursor } : {}) });
      const stale = page.objects
        .filter((o) => !known.has(o.key) && o.uploaded < listOlderThan)
        .filter((o) => !active.has(o.customMetadata.snapshotId ?? ""))
        .map((o) => o.key);
      if (stale.length > 0) await blobs.delete(stale);
      objects += stale.length;
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
  }
  return { chunks, objects };
}
