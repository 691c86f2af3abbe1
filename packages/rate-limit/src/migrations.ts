/**
 * The `rl_` tables. A shipped migration is never edited; add a new one.
 * @module
 */
import type { MigrationSet } from "@durable/core";

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
