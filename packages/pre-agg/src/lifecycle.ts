/**
 * Storage steps of a rollup's life that run inside a caller's transaction (drop, start over)
 * and its summary for clients.
 * @module
 */
import type { Sql } from "@durable/core";
import { rollupTable } from "./layout.ts";
import type { Rollup } from "./registry.ts";
import type { PartitionRow } from "./rollup-rows.ts";
import type { RollupInfo } from "./types.ts";

const TRASH_FILES =
  "INSERT OR IGNORE INTO preagg_trash (file_key, added_at) SELECT file_key, ? FROM preagg_partitions WHERE rollup = ? AND file_key IS NOT NULL";

/** Drops a rollup's table, partitions and deltas; its warm files go to the trash (deleted on a wake-up). */
export function dropRollupInTx(sql: Sql, name: string, now: number): void {
  sql.exec(TRASH_FILES, now, name);
  sql.exec(`DROP TABLE IF EXISTS ${rollupTable(name)}`);
  sql.exec("DELETE FROM preagg_partitions WHERE rollup = ?", name);
  sql.exec("DELETE FROM preagg_deltas WHERE rollup = ?", name);
  sql.exec("DELETE FROM preagg_rollups WHERE name = ?", name);
}

/** Empties a rollup and sets it building from the first source row (a full rebuild, or a restore). */
export function restartRollupInTx(sql: Sql, name: string, now: number): void {
  sql.exec(`DELETE FROM ${rollupTable(name)}`);
  sql.exec(TRASH_FILES, now, name);
  sql.exec("DELETE FROM preagg_partitions WHERE rollup = ?", name);
  sql.exec("DELETE FROM preagg_deltas WHERE rollup = ?", name);
  sql.exec(
    "UPDATE preagg_rollups SET cursor = NULL, backfilled = 0, status = 'building', error = NULL WHERE name = ?",
    name,
  );
}

/** A rollup as clients read it. */
export function rollupInfo(r: Rollup, parts: readonly PartitionRow[], asOf: number): RollupInfo {
  const count = (t: string) => parts.filter((p) => p.tier === t).length;
  return {
    name: r.name,
    source: r.def.source,
    definition: r.def,
    version: r.version,
    status: r.status,
    error: r.error,
    partitions: {
      hot: count("hot"),
      warm: count("warm"),
      mixed: count("mixed"),
      dirty: parts.filter((p) => p.dirty).length,
    },
    rows: parts.reduce((s, p) => s + p.hotRows + p.warmRows, 0),
    bytes: parts.reduce((s, p) => s + p.bytes, 0),
    backfilledRows: r.backfilled,
    asOf,
    createdAt: r.createdAt,
    builtAt: r.builtAt,
  };
}
