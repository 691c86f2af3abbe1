/**
 * The tables of the cdc capability (prefix `cdc_`). `cdc_changes.lsn` is an
 * `INTEGER PRIMARY KEY AUTOINCREMENT`, so an LSN is never reused, even after a purge empties
 * the table. Values are positional JSON arrays; their column names live in `cdc_schemas`.
 * @module
 */
import type { MigrationSet } from "@durable/core";

/** The migrations DOBase (or `TestHost`) runs for the cdc capability. */
export const CDC_MIGRATIONS: MigrationSet = {
  owner: "cdc",
  prefix: "cdc_",
  migrations: [
    {
      version: 1,
      name: "log, tables, consumers, dlq",
      sql: `CREATE TABLE cdc_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        tx_id INTEGER,
        lsn_limit INTEGER,
        full INTEGER NOT NULL DEFAULT 0,
        purged_through INTEGER NOT NULL DEFAULT 0,
        schema_drift_total INTEGER NOT NULL DEFAULT 0,
        tenant TEXT
      ) STRICT;
      INSERT INTO cdc_state (id) VALUES (1);
      CREATE TABLE cdc_changes (
        lsn INTEGER PRIMARY KEY AUTOINCREMENT,
        tbl TEXT NOT NULL,
        op TEXT NOT NULL,
        tx_id INTEGER,
        schema_version INTEGER NOT NULL,
        ts_ms INTEGER NOT NULL,
        before TEXT,
        after TEXT,
        CONSTRAINT cdc_row_too_large CHECK (coalesce(octet_length(before), 0) <= 2097152 AND coalesce(octet_length(after), 0) <= 2097152)
      ) STRICT;
      CREATE TABLE cdc_tables (
        tbl TEXT PRIMARY KEY,
        tracking INTEGER NOT NULL,
        exclude_columns TEXT NOT NULL,
        snapshot INTEGER NOT NULL,
        schema_version INTEGER NOT NULL,
        snapshot_end_lsn INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE cdc_schemas (
        tbl TEXT NOT NULL,
        version INTEGER NOT NULL,
        columns TEXT NOT NULL,
        key TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (tbl, version)
      ) STRICT;
      CREATE TABLE cdc_consumers (
        name TEXT PRIMARY KEY,
        sink TEXT NOT NULL,
        filter TEXT NOT NULL,
        dead_letter TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        delivered_total INTEGER NOT NULL DEFAULT 0,
        retries_total INTEGER NOT NULL DEFAULT 0,
        last_delivered_at INTEGER,
        last_error TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        first_failure_at INTEGER,
        next_retry_at INTEGER
      ) STRICT;
      CREATE TABLE cdc_offsets (
        consumer TEXT PRIMARY KEY,
        lsn INTEGER NOT NULL,
        sent_through INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE cdc_dlq (
        consumer TEXT NOT NULL,
        lsn INTEGER NOT NULL,
        event TEXT NOT NULL,
        reason TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        first_failure_at INTEGER NOT NULL,
        last_failure_at INTEGER NOT NULL,
        PRIMARY KEY (consumer, lsn)
      ) STRICT`,
    },
  ],
};
