/**
 * The write path of the local backend: a validated call applied in one `transactionSync`, all
 * or nothing. `insert` skips ids that exist (Vectorize's rule), `upsert` replaces vector and
 * metadata in full, `deleteByIds` is idempotent. Vectors are stored as float32 little-endian
 * BLOBs with their norm; once an index is trained, each write also gets its list and int8 code
 * in the same transaction, and the lists it touched leave the cache.
 * @module
 */
import type { IndexRow } from "./catalog.ts";
import { invalidateList, type LocalContext, servingModel } from "./context.ts";
import { vectorError } from "./errors.ts";
import { VECTOR_LIMITS as L } from "./limits.ts";
import type { PreparedRecord } from "./records.ts";
import type { Mutation } from "./types.ts";

type Existing = Map<string, number | null>;

function existing(ctx: LocalContext, indexId: number, ids: string[]): Existing {
  const out: Existing = new Map();
  for (const r of ctx.sql.exec<{ id: string; list_id: number | null }>(
    "SELECT id, list_id FROM vec_items WHERE index_id = ? AND id IN (SELECT value FROM json_each(?))",
    indexId,
    JSON.stringify(ids),
  )) {
    out.set(r.id, r.list_id);
  }
  return out;
}

function checkNamespaceRoom(ctx: LocalContext, index: IndexRow, records: PreparedRecord[]): void {
  const fresh = new Set<string>();
  for (const r of records) {
    if (r.ns === "" || fresh.has(r.ns)) continue;
    const known = ctx.sql
      .exec("SELECT 1 FROM vec_items WHERE index_id = ? AND ns = ? LIMIT 1", index.id, r.ns)
      .toArray().length;
    if (!known) fresh.add(r.ns);
  }
  if (fresh.size === 0) return;
  const n = ctx.sql
    .exec<{ n: number }>(
      "SELECT count(*) AS n FROM (SELECT DISTINCT ns FROM vec_items WHERE index_id = ? AND ns != '')",
      index.id,
    )
    .one().n;
  if (n + fresh.size > L.maxNamespacesPerIndex) {
    throw vectorError(
      "INVALID_NAMESPACE",
      `an index holds at most ${L.maxNamespacesPerIndex} namespaces; this write would make ${n + fresh.size}`,
    );
  }
}

/**
 * Writes records (validated whole by the caller).
 * @param replace true for upsert, false for insert
 */
export function writeRecords(
  ctx: LocalContext,
  name: string,
  records: PreparedRecord[],
  replace: boolean,
): Mutation & { index: IndexRow } {
  const mutationId = crypto.randomUUID();
  const touched = new Set<number>();
  const index = ctx.transactionSync(() => {
    const index = ctx.catalog.get(name);
    const ids = records.map((r) => r.id);
    const before = existing(ctx, index.id, ids);
    const todo = replace ? records : records.filter((r) => !before.has(r.id));
    checkNamespaceRoom(ctx, index, todo);
    const model = servingModel(ctx, index);
    const scratch = new Float32Array(index.config.dimensions);
    const now = ctx.clock.now();
    for (const r of todo) {
      const old = before.get(r.id);
      if (old !== undefined && old !== null) touched.add(old);
      const placed = model ? model.assign(r.values, r.norm, scratch) : null;
      if (placed) touched.add(placed.listId);
      ctx.sql.exec(
        `INSERT INTO vec_items (index_id, id, ns, vector, norm, metadata, indexed, list_id, code, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (index_id, id) DO UPDATE SET ns = excluded.ns, vector = excluded.vector, norm = excluded.norm,
           metadata = excluded.metadata, indexed = excluded.indexed, list_id = excluded.list_id, code = excluded.code,
           updated_at = excluded.updated_at`,
        index.id,
        r.id,
        r.ns,
        new Uint8Array(r.values.buffer, r.values.byteOffset, r.values.byteLength),
        r.norm,
        r.metadata,
        r.indexed,
        placed ? placed.listId : null,
        placed ? placed.code : null,
        now,
      );
    }
    // A generation being built re-assigns these at its catch-up.
    ctx.sql.exec(
      "DELETE FROM vec_train_assign WHERE index_id = ? AND id IN (SELECT value FROM json_each(?))",
      index.id,
      JSON.stringify(todo.map((r) => r.id)),
    );
    const added = todo.filter((r) => !before.has(r.id)).length;
    ctx.catalog.recordMutation(index.id, added, mutationId);
    return { ...index, vectorCount: index.vectorCount + added, lastMutation: mutationId };
  });
  for (const list of touched) invalidateList(ctx, index, list);
  ctx.afterWrite(index);
  return { mutationId, index };
}

/** Deletes ids (absent ones are ignored), in one transaction. */
export function deleteRecords(ctx: LocalContext, name: string, ids: string[]): Mutation {
  const mutationId = crypto.randomUUID();
  const touched = new Set<number>();
  const index = ctx.transactionSync(() => {
    const index = ctx.catalog.get(name);
    const before = existing(ctx, index.id, ids);
    for (const list of before.values()) if (list !== null) touched.add(list);
    const json = JSON.stringify(ids);
    ctx.sql.exec("DELETE FROM vec_items WHERE index_id = ? AND id IN (SELECT value FROM json_each(?))", index.id, json);
    ctx.sql.exec(
      "DELETE FROM vec_train_assign WHERE index_id = ? AND id IN (SELECT value FROM json_each(?))",
      index.id,
      json,
    );
    ctx.catalog.recordMutation(index.id, -before.size, mutationId);
    return index;
  });
  for (const list of touched) invalidateList(ctx, index, list);
  return { mutationId };
}
