/**
 * The router's tables (`qr_`, owner `query`): the result cache, table versions, settings,
 * shard counts and, in the `_platform` registry DO only, the consent list.
 * @module
 */
import type { MigrationSet } from "@durable/core";

/** The migrations of the query router. */
export const QUERY_ROUTER_MIGRATIONS: MigrationSet = {
  owner: "query",
  prefix: "qr_",
  migrations: [
    {
      version: 1,
      name: "result cache, table versions, settings, shards, consent registry",
      sql: `CREATE TABLE qr_results (
  tenant TEXT NOT NULL, fingerprint TEXT NOT NULL, canonical TEXT NOT NULL, result TEXT NOT NULL,
  as_of INTEGER NOT NULL, versions TEXT NOT NULL, bytes INTEGER NOT NULL, last_used INTEGER NOT NULL,
  PRIMARY KEY (tenant, fingerprint)) STRICT;
CREATE INDEX qr_results_last_used ON qr_results (last_used);
CREATE INDEX qr_results_as_of ON qr_results (as_of);
CREATE TABLE qr_table_versions (table_name TEXT PRIMARY KEY, version INTEGER NOT NULL) STRICT;
CREATE TABLE qr_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE qr_shards (table_name TEXT PRIMARY KEY, count INTEGER NOT NULL) STRICT;
CREATE TABLE qr_consent (tenant TEXT PRIMARY KEY, consented INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;`,
    },
  ],
};
