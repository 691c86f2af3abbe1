/**
 * The capture triggers: one AFTER INSERT/UPDATE/DELETE trigger per tracked table, each a
 * single `INSERT … SELECT` into `cdc_changes` (the spike measured that every extra statement
 * costs the writer). Values are positional (`json_array(NEW."c1", …)`), blobs as `hex()`; the
 * backlog cap is a `RAISE` in the same statement's WHERE, on `cdc_state.full`, a flag the
 * transaction wrapper and every drain and commit recompute (reading the newest LSN in every
 * trigger cost the writer about a fifth of its throughput). A write call that crosses the
 * cap completes; the next one is refused.
 * @module
 */
import type { Sql } from "@durable/core";
import { storageTable } from "@durable/tables";

/** A captured column: its catalog name and type. */
export interface CapturedColumn {
  name: string;
  type: string;
}

/** The message the triggers raise at the backlog cap (core `[CODE]` form). */
export const BACKLOG_FULL_MESSAGE = "[CDC_BACKLOG_FULL] the change backlog is full; retry once consumers caught up";

const OPS = { i: "INSERT", u: "UPDATE", d: "DELETE" } as const;

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** The SQLite name of a capture trigger (`cdc_trg_<table>_i|u|d`). */
export function triggerName(table: string, kind: keyof typeof OPS): string {
  return `cdc_trg_${table}_${kind}`;
}

/** `json_array(…)` of a row image (`NEW` or `OLD`); blobs as hex, NULL kept NULL. */
export function imageSql(columns: readonly CapturedColumn[], ref: string): string {
  const parts = columns.map((c) => {
    const col = `${ref}${quote(c.name)}`;
    return c.type === "blob" ? `CASE WHEN ${col} IS NULL THEN NULL ELSE hex(${col}) END` : col;
  });
  return `json_array(${parts.join(", ")})`;
}

/** The commit time in epoch ms, as SQLite computes it. */
export const NOW_MS_SQL = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";

function triggerSql(
  table: string,
  kind: keyof typeof OPS,
  columns: readonly CapturedColumn[],
  version: number,
): string {
  const op = kind === "i" ? "c" : kind;
  const before = kind === "i" ? "NULL" : imageSql(columns, "OLD.");
  const after = kind === "d" ? "NULL" : imageSql(columns, "NEW.");
  // An UPDATE that changes no captured value (only excluded columns) is not an event.
  const when =
    kind === "u" && columns.length > 0
      ? ` WHEN ${columns.map((c) => `OLD.${quote(c.name)} IS NOT NEW.${quote(c.name)}`).join(" OR ")}`
      : "";
  return `CREATE TRIGGER ${quote(triggerName(table, kind))} AFTER ${OPS[kind]} ON ${storageTable(table)}${when} BEGIN
INSERT INTO cdc_changes (tbl, op, tx_id, schema_version, ts_ms, before, after)
SELECT ${literal(table)}, '${op}', s.tx_id, ${version}, ${NOW_MS_SQL}, ${before}, ${after} FROM cdc_state s
WHERE s.id = 1 AND (CASE WHEN s.full = 1 THEN RAISE(ABORT, ${literal(BACKLOG_FULL_MESSAGE)}) END) IS NULL;
END`;
}

/** Drops the capture triggers of `table` (those that exist). */
export function dropTriggers(sql: Sql, table: string): void {
  for (const kind of ["i", "u", "d"] as const) sql.exec(`DROP TRIGGER IF EXISTS ${quote(triggerName(table, kind))}`);
}

/** (Re)creates the three capture triggers of `table` for one schema version. */
export function installTriggers(sql: Sql, table: string, columns: readonly CapturedColumn[], version: number): void {
  dropTriggers(sql, table);
  for (const kind of ["i", "u", "d"] as const) sql.exec(triggerSql(table, kind, columns, version));
}

/** The capture triggers of `table` that exist. */
export function existingTriggers(sql: Sql, table: string): string[] {
  return sql
    .exec<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND name LIKE 'cdc\\_trg\\_%' ESCAPE '\\'",
      `t_${table}`,
    )
    .toArray()
    .map((r) => r.name);
}

/** The columns of the storage table as SQLite sees them (`PRAGMA table_info`). */
export function storageColumns(sql: Sql, table: string): { name: string; type: string }[] {
  return sql
    .exec<{ name: string; type: string }>(`SELECT name, type FROM pragma_table_info(${literal(`t_${table}`)})`)
    .toArray();
}

/**
 * Copies every row of `table` into the log as `r` events with one `INSERT … SELECT`, in the
 * caller's transaction (the one that creates the triggers: no write falls in between).
 */
export function snapshotRows(
  sql: Sql,
  table: string,
  columns: readonly CapturedColumn[],
  key: readonly string[],
  version: number,
): void {
  sql.exec(
    `INSERT INTO cdc_changes (tbl, op, tx_id, schema_version, ts_ms, before, after)
     SELECT ${literal(table)}, 'r', (SELECT tx_id FROM cdc_state WHERE id = 1), ${version}, ${NOW_MS_SQL}, NULL, ${imageSql(columns, "")}
     FROM ${storageTable(table)} ORDER BY ${key.map(quote).join(", ")}`,
  );
}
