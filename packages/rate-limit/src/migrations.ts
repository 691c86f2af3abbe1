/**
 * The limiter's tables, for any table prefix that starts with `rl_`. A shipped migration is
 * never edited; add a new one (the runner refuses a changed checksum).
 * @module
 */
import type { MigrationSet } from "@durable/core";
import { rlError } from "./errors.ts";

/** The default table prefix, and the one every other prefix must start with (the package's reserved prefix). */
export const DEFAULT_TABLE_PREFIX = "rl_";

/** A table prefix: `rl_`, or `rl_` then lowercase words each ending in `_` (e.g. `rl_gate_`), at most 32 characters. */
export const TABLE_PREFIX_PATTERN = /^rl_(?:[a-z0-9]+_)*$/;

/**
 * - `rl_state`: one row per key and limit, clustered by (key, limit_name); `a`, `b` and
 *   `updated_at` hold any algorithm's state (see `StoredState`); `idle_at` is when the row will
 *   equal "full" under the limit that wrote it. It is deliberately not indexed: an index on a
 *   value every admitted decision changes made each write touch a random index page too, and
 *   cost 2.7× the write throughput (spikes/rate-limit/README.md). The sweep pages through the
 *   table by primary key instead.
 * - `rl_log`: one row per admitted request of a sliding-log limit.
 * - `rl_plans`: plans; `source` = `config` (read-only, refreshed on start) or `runtime`.
 * - `rl_overrides`: a key's plan or inline limits, with an optional expiry.
 */
export const RATE_LIMIT_MIGRATIONS: MigrationSet = {
  owner: "rate-limit",
  prefix: "rl_",
  migrations: [
    {
      version: 1,
      name: "state, log, plans, overrides",
      sql: `
CREATE TABLE rl_state (
  key TEXT NOT NULL,
  limit_name TEXT NOT NULL,
  algo TEXT NOT NULL,
  a REAL NOT NULL,
  b REAL NOT NULL,
  updated_at REAL NOT NULL,
  idle_at REAL NOT NULL,
  PRIMARY KEY (key, limit_name)
) WITHOUT ROWID, STRICT;
CREATE TABLE rl_log (
  key TEXT NOT NULL,
  limit_name TEXT NOT NULL,
  ts REAL NOT NULL,
  cost INTEGER NOT NULL
) STRICT;
CREATE INDEX rl_log_key_ts ON rl_log (key, limit_name, ts);
CREATE TABLE rl_plans (
  name TEXT PRIMARY KEY,
  limits TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('config', 'runtime')),
  updated_at REAL NOT NULL
) STRICT;
CREATE TABLE rl_overrides (
  key TEXT PRIMARY KEY,
  plan TEXT,
  limits TEXT,
  expires_at REAL,
  updated_at REAL NOT NULL,
  CHECK ((plan IS NULL) <> (limits IS NULL))
) STRICT;
CREATE INDEX rl_overrides_plan ON rl_overrides (plan);
CREATE INDEX rl_overrides_expires ON rl_overrides (expires_at);
`,
    },
  ],
};

/**
 * The limiter's migrations for another table prefix: the shipped `rl_` SQL with every table and
 * index name moved to `prefix`, so a second limiter (e.g. the platform's quota gate, `rl_gate_`)
 * keeps its state beside the tenant's own. For `{ owner: "rate-limit", prefix: "rl_" }` it is
 * {@link RATE_LIMIT_MIGRATIONS} itself, byte for byte.
 * @param options `owner`: the key of its rows in `core_migrations` (the capability's name);
 * `prefix`: the table prefix, matching {@link TABLE_PREFIX_PATTERN}
 * @throws {CONFIG_INVALID} a prefix outside the pattern
 * @example
 * const gateTables = rateLimitMigrations({ owner: "rate-limit-gate", prefix: "rl_gate_" });
 */
export function rateLimitMigrations(options: { owner: string; prefix: string }): MigrationSet {
  const { owner, prefix } = options;
  if (!TABLE_PREFIX_PATTERN.test(prefix) || prefix.length > 32) {
    throw rlError(
      "CONFIG_INVALID",
      `tablePrefix: ${JSON.stringify(prefix)} must match ${TABLE_PREFIX_PATTERN} (≤ 32 chars)`,
    );
  }
  if (owner === RATE_LIMIT_MIGRATIONS.owner && prefix === DEFAULT_TABLE_PREFIX) return RATE_LIMIT_MIGRATIONS;
  return {
    owner,
    prefix,
    // Every `rl_` in the shipped SQL starts a table or index name.
    migrations: RATE_LIMIT_MIGRATIONS.migrations.map((m) => ({ ...m, sql: m.sql.replace(/\brl_/g, prefix) })),
  };
}
