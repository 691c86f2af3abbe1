/**
 * The estimator's tables (`est_`, owner `estimator`). Statistics are keyed by catalog name plus
 * the table's `createdAt`, so a table recreated under its name inherits nothing. Only
 * `est_tables` is written inside user writes (one statement per write); the rest is written
 * behind by `flush`.
 * @module
 */
import type { MigrationSet } from "@durable/core";

/** The migrations of the estimator. */
export const ESTIMATOR_MIGRATIONS: MigrationSet = {
  owner: "estimator",
  prefix: "est_",
  migrations: [
    {
      version: 1,
      name: "statistics, samples, feedback and calibration",
      sql: `CREATE TABLE est_tables (
  table_name TEXT NOT NULL, created_at INTEGER NOT NULL, row_count INTEGER NOT NULL, mods INTEGER NOT NULL,
  analyzed_at INTEGER, job TEXT, job_sketches BLOB, PRIMARY KEY (table_name, created_at)) STRICT;
CREATE TABLE est_columns (
  table_name TEXT NOT NULL, created_at INTEGER NOT NULL, column_name TEXT NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY (table_name, created_at, column_name)) STRICT;
CREATE TABLE est_samples (
  table_name TEXT NOT NULL, created_at INTEGER NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY (table_name, created_at)) STRICT;
CREATE TABLE est_feedback (
  fingerprint TEXT PRIMARY KEY, n INTEGER NOT NULL, ewma REAL NOT NULL, used_at INTEGER NOT NULL) STRICT;
CREATE TABLE est_calibration (name TEXT PRIMARY KEY, value REAL NOT NULL, measured_at INTEGER NOT NULL) STRICT;`,
    },
  ],
};
