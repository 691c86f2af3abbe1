/**
 * Versioned, prefixed migrations, applied once each inside `transactionSync`.
 *
 * Every package owns tables with its own prefix and an ordered list of migrations. A shipped
 * migration is never edited: the runner stores each one's checksum and refuses to start when a
 * shipped migration's text changed (MIGRATION_CHECKSUM_MISMATCH).
 * @module
 */
import { PlatformError } from "./errors.ts";
import { checksum } from "./hash.ts";
import type { Sql, TransactionSync } from "./sql.ts";

/** One schema step. `version` starts at 1 and grows by one. */
export interface Migration {
  version: number;
  /** Short description, stored beside the version. */
  name: string;
  /** One or more SQL statements. */
  sql: string;
}

/** The migrations of one owner (a package or capability). */
export interface MigrationSet {
  /** Owner name, the key of its rows in `core_migrations`. */
  owner: string;
  /** Table prefix every object the migrations create must carry (e.g. `rl_`). */
  prefix: string;
  migrations: readonly Migration[];
}

/** What {@link runMigrations} did. */
export interface MigrationReport {
  owner: string;
  applied: number[];
  current: number;
}

const LEDGER = `CREATE TABLE IF NOT EXISTS core_migrations (
  owner TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, checksum TEXT NOT NULL,
  applied_at INTEGER NOT NULL, PRIMARY KEY (owner, version)) STRICT`;

const CREATED_OBJECT =
  /\bCREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX|TRIGGER|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?["`[]?([A-Za-z_][A-Za-z0-9_]*)/gi;

function checkShape(set: MigrationSet): void {
  set.migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new PlatformError(
        "MIGRATION_INVALID",
        `${set.owner}: migration #${i} has version ${m.version}, expected ${i + 1}`,
        { status: 500 },
      );
    }
    for (const match of m.sql.matchAll(CREATED_OBJECT)) {
      const name = match[1] ?? "";
      if (!name.startsWith(set.prefix)) {
        throw new PlatformError(
          "MIGRATION_INVALID",
          `${set.owner}: migration ${m.version} creates ${name} without the prefix ${set.prefix}`,
          { status: 500 },
        );
      }
    }
  });
}

/**
 * Applies the migrations of `set` that are not applied yet, each in its own transaction.
 * @param sql the Sql port
 * @param transactionSync the transaction port
 * @param set the owner's migrations
 * @param now the time to record
 * @returns the versions applied by this call and the current version
 * @throws {MIGRATION_CHECKSUM_MISMATCH} when an applied migration's text changed
 * @throws {MIGRATION_INVALID} for a gap in versions or an object without the owner's prefix
 */
export function runMigrations(
  sql: Sql,
  transactionSync: TransactionSync,
  set: MigrationSet,
  now = Date.now(),
): MigrationReport {
  checkShape(set);
  sql.exec(LEDGER);
  const applied = new Map(
    sql
      .exec<{ version: number; checksum: string }>(
        "SELECT version, checksum FROM core_migrations WHERE owner = ?",
        set.owner,
      )
      .toArray()
      .map((r) => [r.version, r.checksum]),
  );
  const report: MigrationReport = { owner: set.owner, applied: [], current: 0 };
  for (const m of set.migrations) {
    const sum = checksum(m.sql);
    const stored = applied.get(m.version);
    if (stored !== undefined) {
      if (stored !== sum) {
        throw new PlatformError(
          "MIGRATION_CHECKSUM_MISMATCH",
          `${set.owner}: shipped migration ${m.version} (${m.name}) was edited; add a new migration instead`,
          { status: 500 },
        );
      }
      report.current = m.version;
      continue;
    }
    transactionSync(() => {
      sql.exec(m.sql);
      sql.exec(
        "INSERT INTO core_migrations (owner, version, name, checksum, applied_at) VALUES (?, ?, ?, ?, ?)",
        set.owner,
        m.version,
        m.name,
        sum,
        now,
      );
    });
    report.applied.push(m.version);
    report.current = m.version;
  }
  return report;
}
