/**
 * The `ckpt_*` tables. A shipped migration is never edited; add one.
 * @module
 */
import type { MigrationSet } from "@durable/core";

/** The checkpoint capability's migrations (owner `checkpoint`, prefix `ckpt_`). */
export const CHECKPOINT_MIGRATIONS: MigrationSet = {
  owner: "checkpoint",
  prefix: "ckpt_",
  migrations: [
    {
      version: 1,
      name: "local",
      sql: `CREATE TABLE ckpt_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) STRICT;
CREATE TABLE ckpt_stage (stage_id TEXT NOT NULL, seq INTEGER NOT NULL, operator TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (stage_id, seq)) STRICT;
CREATE TABLE ckpt_snapshots (snapshot_id TEXT PRIMARY KEY, epoch INTEGER NOT NULL, created_at INTEGER NOT NULL, status TEXT NOT NULL, raw_bytes INTEGER NOT NULL, stored_bytes INTEGER NOT NULL, manifest TEXT NOT NULL) STRICT;
CREATE INDEX ckpt_snapshots_created ON ckpt_snapshots (created_at, snapshot_id);
CREATE TABLE ckpt_chunks (snapshot_id TEXT NOT NULL, idx INTEGER NOT NULL, sha256 TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (snapshot_id, idx)) STRICT;
CREATE TABLE ckpt_objects (key TEXT PRIMARY KEY, snapshot_id TEXT NOT NULL, created_at INTEGER NOT NULL) STRICT;`,
    },
    {
      version: 2,
      name: "exactly-once",
      sql: `CREATE TABLE ckpt_outbox (seq INTEGER PRIMARY KEY, dest TEXT NOT NULL, payload TEXT NOT NULL, created_at INTEGER NOT NULL, delivered_at INTEGER, attempts INTEGER NOT NULL DEFAULT 0) STRICT;
CREATE INDEX ckpt_outbox_pending ON ckpt_outbox (delivered_at, seq);
CREATE TABLE ckpt_dedup (key TEXT PRIMARY KEY, result TEXT NOT NULL, expires_at INTEGER NOT NULL) STRICT;
CREATE INDEX ckpt_dedup_expiry ON ckpt_dedup (expires_at);
CREATE TABLE ckpt_fence (resource TEXT PRIMARY KEY, token INTEGER NOT NULL, acquired_at INTEGER NOT NULL) STRICT;
CREATE TABLE ckpt_sync (sync_id TEXT PRIMARY KEY, cursor TEXT, pages INTEGER NOT NULL, rows INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL) STRICT;`,
    },
    {
      version: 3,
      name: "global",
      sql: `CREATE TABLE ckpt_chan_out (channel TEXT NOT NULL, seq INTEGER NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (channel, seq)) STRICT;
CREATE TABLE ckpt_chan_next (channel TEXT PRIMARY KEY, next_seq INTEGER NOT NULL) STRICT;
CREATE TABLE ckpt_chan_in (channel TEXT PRIMARY KEY, next_seq INTEGER NOT NULL) STRICT;
CREATE TABLE ckpt_chan_buf (channel TEXT NOT NULL, seq INTEGER NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (channel, seq)) STRICT;
CREATE TABLE ckpt_participants (name TEXT PRIMARY KEY, added_at INTEGER NOT NULL) STRICT;
CREATE TABLE ckpt_epochs (epoch INTEGER PRIMARY KEY, status TEXT NOT NULL, participants TEXT NOT NULL, channels TEXT NOT NULL, started_at INTEGER NOT NULL, deadline_at INTEGER NOT NULL, ended_at INTEGER, reason TEXT) STRICT;
CREATE TABLE ckpt_acks (epoch INTEGER NOT NULL, participant TEXT NOT NULL, snapshot_id TEXT, error TEXT, channel_state_count INTEGER NOT NULL, bytes INTEGER NOT NULL, acked_at INTEGER NOT NULL, PRIMARY KEY (epoch, participant)) STRICT;
CREATE TABLE ckpt_global (epoch INTEGER PRIMARY KEY, manifest TEXT NOT NULL, completed_at INTEGER NOT NULL) STRICT;
CREATE TABLE ckpt_part (epoch INTEGER PRIMARY KEY, coordinator TEXT NOT NULL, stage_id TEXT NOT NULL, snapshot_id TEXT, status TEXT NOT NULL, pending_channels TEXT NOT NULL, deadline_at INTEGER NOT NULL, bytes INTEGER NOT NULL DEFAULT 0) STRICT;
CREATE TABLE ckpt_channel_state (epoch INTEGER NOT NULL, channel TEXT NOT NULL, seq INTEGER NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (epoch, channel, seq)) STRICT;`,
    },
  ],
};
