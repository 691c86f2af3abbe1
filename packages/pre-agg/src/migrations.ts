/**
 * The tables of pre-agg (`preagg_`, owner `pre-agg`). Rollup tables `preagg_r_<name>` are
 * created and dropped with their rollups, not here.
 * @module
 */
import type { MigrationSet } from "@durable/core";

/** The migrations of pre-agg. */
export const PREAGG_MIGRATIONS: MigrationSet = {
  owner: "pre-agg",
  prefix: "preagg_",
  migrations: [
    {
      version: 1,
      name: "rollups, partitions, deltas and files to delete",
      sql: `CREATE TABLE preagg_rollups (
  name TEXT PRIMARY KEY, source TEXT NOT NULL, definition TEXT NOT NULL, version TEXT NOT NULL,
  status TEXT NOT NULL, error TEXT, cursor TEXT, backfilled INTEGER NOT NULL DEFAULT 0,
  writes INTEGER NOT NULL DEFAULT 0, rebuilds INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL, built_at INTEGER, source_created_at INTEGER NOT NULL) STRICT;
CREATE TABLE preagg_partitions (
  rollup TEXT NOT NULL, partition_key TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
  tier TEXT NOT NULL, hot_rows INTEGER NOT NULL DEFAULT 0, warm_rows INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0, dirty INTEGER NOT NULL DEFAULT 0, file_key TEXT, file_etag TEXT,
  generation INTEGER NOT NULL DEFAULT 0, min_bucket INTEGER, max_bucket INTEGER,
  compact_failures INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (rollup, partition_key)) STRICT;
CREATE TABLE preagg_deltas (
  id INTEGER PRIMARY KEY, rollup TEXT NOT NULL, partition_key TEXT NOT NULL, bucket INTEGER NOT NULL,
  dims TEXT NOT NULL, states BLOB NOT NULL, written_at INTEGER NOT NULL) STRICT;
CREATE INDEX preagg_deltas_by_rollup ON preagg_deltas (rollup, id);
CREATE TABLE preagg_trash (file_key TEXT PRIMARY KEY, added_at INTEGER NOT NULL) STRICT;`,
    },
  ],
};
