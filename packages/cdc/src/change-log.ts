/**
 * The change log (`cdc_changes`): positions, reads and purges, and the decoding of a stored
 * change row (positional JSON, blobs as hex) into the Debezium envelope in client form.
 * @module
 */
import type { Sql, SqlBinding } from "@durable/core";
import type { Tracker } from "./tracker.ts";
import type { ChangeEvent, ChangeOp, RowImage } from "./types.ts";

/** A change row as stored. */
export interface ChangeRow extends Record<string, string | number | null> {
  lsn: number;
  tbl: string;
  op: string;
  tx_id: number | null;
  schema_version: number;
  ts_ms: number;
  before: string | null;
  after: string | null;
}

/** A decoded change: the envelope, plus the stored-form images the filters evaluate. */
export interface DecodedChange {
  event: ChangeEvent;
  /** Images in stored form (booleans 0/1, timestamps ms, json text, blobs as hex). */
  storedBefore: Record<string, SqlBinding> | null;
  storedAfter: Record<string, SqlBinding> | null;
  /** Approximate JSON size of the event. */
  bytes: number;
}

function hexToBase64(hex: string): string {
  let binary = "";
  for (let i = 0; i < hex.length; i += 2) binary += String.fromCharCode(Number.parseInt(hex.slice(i, i + 2), 16));
  return btoa(binary);
}

function clientValue(type: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "boolean":
      return value === 1 || value === true;
    case "json":
      return JSON.parse(value as string);
    case "blob":
      return hexToBase64(value as string);
    default:
      return value;
  }
}

/** Reads and decodes the log. */
export class ChangeLog {
  readonly #sql: Sql;
  readonly #tracker: Tracker;

  constructor(sql: Sql, tracker: Tracker) {
    this.#sql = sql;
    this.#tracker = tracker;
  }

  /** The newest LSN ever given (also after a purge emptied the log). */
  newestLsn(): number {
    return this.#sql
      .exec<{ n: number }>(
        "SELECT max(coalesce((SELECT max(lsn) FROM cdc_changes), 0), purged_through) AS n FROM cdc_state WHERE id = 1",
      )
      .one().n;
  }

  /** The oldest LSN still readable. */
  oldestRetainedLsn(): number {
    const row = this.#sql
      .exec<{ oldest: number | null; purged: number }>(
        "SELECT (SELECT min(lsn) FROM cdc_changes) AS oldest, purged_through AS purged FROM cdc_state WHERE id = 1",
      )
      .one();
    return row.oldest ?? row.purged + 1;
  }

  /** Up to `limit` rows with `lsn > after`, in LSN order. */
  rowsAfter(after: number, limit: number, tables?: readonly string[]): ChangeRow[] {
    if (tables && tables.length > 0) {
      return this.#sql
        .exec<ChangeRow>(
          "SELECT * FROM cdc_changes WHERE lsn > ? AND tbl IN (SELECT value FROM json_each(?)) ORDER BY lsn LIMIT ?",
          after,
          JSON.stringify(tables),
          limit,
        )
        .toArray();
    }
    return this.#sql
      .exec<ChangeRow>("SELECT * FROM cdc_changes WHERE lsn > ? ORDER BY lsn LIMIT ?", after, limit)
      .toArray();
  }

  /** How many rows have `lsn > after`. */
  countAfter(after: number): number {
    return this.#sql.exec<{ n: number }>("SELECT count(*) AS n FROM cdc_changes WHERE lsn > ?", after).one().n;
  }

  /** Whether any row has `lsn > after` (an index probe, unlike a count). */
  hasAfter(after: number): boolean {
    return this.#sql.exec("SELECT 1 FROM cdc_changes WHERE lsn > ? LIMIT 1", after).toArray().length > 0;
  }

  /** The commit time of the first row after `after`, or null. */
  firstTsAfter(after: number): number | null {
    return (
      this.#sql
        .exec<{ ts: number }>("SELECT ts_ms AS ts FROM cdc_changes WHERE lsn > ? ORDER BY lsn LIMIT 1", after)
        .toArray()[0]?.ts ?? null
    );
  }

  /** Deletes rows with `lsn <= through` and remembers the highest LSN purged. @returns rows deleted */
  purgeThrough(through: number): number {
    if (through <= 0) return 0;
    const n = this.#sql.exec("DELETE FROM cdc_changes WHERE lsn <= ?", through).rowsWritten;
    this.#sql.exec("UPDATE cdc_state SET purged_through = max(purged_through, ?) WHERE id = 1", through);
    return n;
  }

  /**
   * Decodes a stored change row into the envelope.
   * @param tenant `source.tenant`
   * @param now the top-level `ts_ms` (when the event was read for delivery)
   * @throws when the row cannot be decoded (unknown schema, bad JSON): callers dead-letter it
   */
  decode(row: ChangeRow, tenant: string, now: number): DecodedChange {
    const schema = this.#tracker.schema(row.tbl, row.schema_version);
    const image = (text: string | null): [RowImage, Record<string, SqlBinding>] | null => {
      if (text === null) return null;
      const values = JSON.parse(text) as SqlBinding[];
      if (!Array.isArray(values) || values.length !== schema.columns.length) {
        throw new Error(`change ${row.lsn}: ${values.length} values for ${schema.columns.length} columns`);
      }
      const client: RowImage = {};
      const stored: Record<string, SqlBinding> = {};
      schema.columns.forEach((c, i) => {
        const v = values[i] ?? null;
        stored[c.name] = v;
        client[c.name] = clientValue(c.type, v);
      });
      return [client, stored];
    };
    const before = image(row.before);
    const after = image(row.after);
    const keySource = (after ?? before)?.[0] ?? {};
    const key: RowImage = {};
    for (const k of schema.key) key[k] = keySource[k] ?? null;
    const op = row.op as ChangeOp;
    if (!["c", "u", "d", "r"].includes(op)) throw new Error(`change ${row.lsn}: unknown op ${row.op}`);
    const event: ChangeEvent = {
      id: `${tenant}:${row.lsn}`,
      op,
      key,
      before: before?.[0] ?? null,
      after: after?.[0] ?? null,
      source: {
        tenant,
        table: row.tbl,
        lsn: row.lsn,
        txId: row.tx_id ?? row.lsn,
        ts_ms: row.ts_ms,
        schemaVersion: row.schema_version,
      },
      ts_ms: now,
    };
    const bytes = 160 + (row.before?.length ?? 0) + (row.after?.length ?? 0);
    return { event, storedBefore: before?.[1] ?? null, storedAfter: after?.[1] ?? null, bytes };
  }
}
