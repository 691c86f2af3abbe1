/**
 * Row operations on user tables: batched writes through the one {@link WritePath}, point
 * reads, and (through scan.ts) keyset-paginated scans and counts.
 * @module
 */
import {
  conflict,
  PlatformError,
  type Predicate,
  type RowChange,
  SQL_LIMITS,
  type Sql,
  type SqlBinding,
  type SqlRow,
  type SqlValue,
} from "@durable/core";
import type { Catalog } from "./catalog.ts";
import { invalidRow, tablesError } from "./errors.ts";
import { keyGroups, keyInList } from "./key-lists.ts";
import { quoteIdent, storageTable } from "./names.ts";
import { type KeyInput, RowCodec, type RowInput, type RowIssue } from "./row-codec.ts";
import { countRows, type ScanOptions, type ScanPage, scanPage } from "./scan.ts";
import type { TableDef } from "./table-spec.ts";
import type { WritePath } from "./write-path.ts";

/** Most rows one write call takes. */
export const MAX_BATCH_ROWS = 10_000;

/** Most bad rows one answer lists (the total is counted beyond). */
export const MAX_REPORTED_ERRORS = 100;

/** One bad row of a batch write: its index, the column path and why. */
export interface BatchRowError {
  row: number;
  path: string;
  reason: string;
}

/** How a row write treats an existing key. */
export type WriteMode = "insert" | "upsert";

/** What a row write did. */
export interface WriteResult {
  inserted: number;
  updated: number;
}

/** Whether two stored values are the same (blobs byte by byte). */
function sameValue(a: SqlValue | undefined, b: SqlValue | undefined): boolean {
  if (a instanceof ArrayBuffer && b instanceof ArrayBuffer) {
    if (a.byteLength !== b.byteLength) return false;
    const x = new Uint8Array(a);
    const y = new Uint8Array(b);
    return x.every((v, i) => v === y[i]);
  }
  return a === b;
}

/** Whether a stored row and a new one hold the same value in every column. */
function sameRow(before: SqlRow, after: SqlRow): boolean {
  for (const key in after) if (!sameValue(before[key], after[key])) return false;
  return true;
}

function isUniqueViolation(err: unknown): boolean {
  // DO SQLite reports constraint failures only through the message text.
  return err instanceof Error && /UNIQUE constraint failed|PRIMARY KEY must be unique/.test(err.message);
}

/** Row reads and writes over the tables of one catalog. */
export class Rows {
  readonly #sql: Sql;
  readonly #catalog: Catalog;
  readonly #writes: WritePath;
  readonly #codecs = new Map<string, RowCodec>();

  constructor(sql: Sql, catalog: Catalog, writes: WritePath) {
    this.#sql = sql;
    this.#catalog = catalog;
    this.#writes = writes;
  }

  /**
   * The codec of the current version of `table`.
   * @throws {TABLE_NOT_FOUND} 404
   */
  codec(table: string): RowCodec {
    const def = this.#catalog.get(table);
    const cached = this.#codecs.get(table);
    if (cached && cached.def === def) return cached;
    const codec = new RowCodec(def);
    this.#codecs.set(table, codec);
    return codec;
  }

  /**
   * Encodes a batch, reporting every bad row: the first one in the message (`rows[i].col: …`)
   * and up to {@link MAX_REPORTED_ERRORS} in the error's `errors`, with `total`.
   */
  #encodeBatch(codec: RowCodec, rows: unknown): SqlBinding[][] {
    if (!Array.isArray(rows)) throw invalidRow("rows: an array of row objects");
    if (rows.length === 0) throw invalidRow("rows: at least one row");
    if (rows.length > MAX_BATCH_ROWS) {
      throw tablesError("BATCH_TOO_LARGE", `rows: ${rows.length} rows; at most ${MAX_BATCH_ROWS} per call`, 413);
    }
    const encoded: SqlBinding[][] = [];
    const errors: BatchRowError[] = [];
    let total = 0;
    let first: { code: RowIssue["code"]; message: string } | undefined;
    rows.forEach((r, i) => {
      const out = codec.tryEncodeRow(r);
      if (Array.isArray(out)) {
        encoded.push(out);
        return;
      }
      total++;
      const path = out.column === undefined ? `rows[${i}]` : `rows[${i}].${out.column}`;
      first ??= { code: out.code, message: `${path}: ${out.reason}` };
      if (errors.length < MAX_REPORTED_ERRORS) errors.push({ row: i, path, reason: out.reason });
    });
    if (first) {
      const status = first.code === "ROW_TOO_LARGE" ? 413 : 400;
      const more = total > 1 ? ` (and ${total - 1} more bad rows)` : "";
      throw new PlatformError(first.code, `${first.message}${more}`, { status, extra: { errors, total } });
    }
    return encoded;
  }

  /** Multi-row statements kept under 100 bindings (and far under 100 KB of text). */
  #insertAll(def: TableDef, encoded: SqlBinding[][], upsert: boolean): void {
    const width = def.columns.length;
    const perStatement = Math.max(1, Math.floor(SQL_LIMITS.maxBindings / width));
    const head = `INSERT INTO ${storageTable(def.name)} (${def.columns.map((c) => quoteIdent(c.name)).join(", ")}) VALUES `;
    const nonKey = def.columns.filter((c) => !def.primaryKey.includes(c.name));
    const tail = upsert
      ? ` ON CONFLICT (${def.primaryKey.map(quoteIdent).join(", ")}) DO ${
          nonKey.length === 0
            ? "NOTHING"
            : `UPDATE SET ${nonKey.map((c) => `${quoteIdent(c.name)} = excluded.${quoteIdent(c.name)}`).join(", ")}`
        }`
      : "";
    const tuple = `(${new Array(width).fill("?").join(", ")})`;
    const statementFor = (n: number) => head + new Array(n).fill(tuple).join(", ") + tail;
    const full = statementFor(perStatement);
    for (let start = 0; start < encoded.length; start += perStatement) {
      const chunk = encoded.slice(start, start + perStatement);
      const bindings: SqlBinding[] = [];
      for (const row of chunk) for (const v of row) bindings.push(v);
      this.#sql.exec(chunk.length === perStatement ? full : statementFor(chunk.length), ...bindings);
    }
  }

  /** Rows of `def` whose keys are in `keys` (stored key values), keyed by their key JSON. */
  #lookup(def: TableDef, keys: SqlBinding[][]): Map<string, SqlRow> {
    const found = new Map<string, SqlRow>();
    const codec = this.codec(def.name);
    const where = keyInList(def);
    for (const group of keyGroups(keys)) {
      const rows =
        "json" in group
          ? this.#sql.exec(`SELECT * FROM ${storageTable(def.name)} WHERE ${where}`, group.json).toArray()
          : [this.#getStored(def, group.key)];
      for (const row of rows) if (row) found.set(JSON.stringify(codec.keyOf(codec.valuesOf(row))), row);
    }
    return found;
  }

  /**
   * Inserts or upserts 1–10,000 rows, all or nothing, in one transaction with the observers.
   * @param table the catalog name
   * @param rows row objects (validated against the column types)
   * @param mode `insert` (a taken key is an error) or `upsert` (a taken key is replaced)
   * @returns how many rows were inserted and updated
   * @throws {TABLE_NOT_FOUND} · {INVALID_ROW} · {BATCH_TOO_LARGE} 413 · {ROW_TOO_LARGE} 413 ·
   *   {DUPLICATE_KEY} 409 (insert) — nothing is written then
   */
  write(table: string, rows: unknown, mode: WriteMode = "insert"): WriteResult {
    const codec = this.codec(table);
    return this.writeEncoded(table, this.#encodeBatch(codec, rows), mode);
  }

  /**
   * Writes rows already encoded by the table's codec (an import's batch: any number of rows),
   * all or nothing, through the one write path: one transaction, one event.
   * @throws {DUPLICATE_KEY} 409 (insert) — nothing is written then
   */
  writeEncoded(table: string, encoded: SqlBinding[][], mode: WriteMode = "insert"): WriteResult {
    const codec = this.codec(table);
    const def = codec.def;
    return this.#writes.write(table, () => {
      if (mode === "insert") {
        try {
          this.#insertAll(def, encoded, false);
        } catch (err) {
          if (isUniqueViolation(err)) throw conflict("DUPLICATE_KEY", `rows: a key already exists in ${table}`);
          throw err;
        }
        const change: RowChange = { inserted: encoded.map((v) => codec.toSqlRow(v)), updated: [], deleted: [] };
        return { result: { inserted: encoded.length, updated: 0 }, change };
      }
      // Upsert: the last row of a key wins; rows that existed report their before value.
      const byKey = new Map<string, SqlBinding[]>();
      for (const values of encoded) byKey.set(JSON.stringify(codec.keyOf(values)), values);
      const unique = [...byKey.values()];
      const before = this.#lookup(
        def,
        unique.map((v) => codec.keyOf(v)),
      );
      try {
        this.#insertAll(def, unique, true);
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict("DUPLICATE_KEY", `rows: a unique index of ${table} is violated`);
        throw err;
      }
      // A row whose new values equal the stored ones did not change: it is not reported (on a
      // table of key columns only, SQLite did nothing for it: ON CONFLICT DO NOTHING).
      const change: RowChange = { inserted: [], updated: [], deleted: [] };
      for (const [key, values] of byKey) {
        const old = before.get(key);
        const row = codec.toSqlRow(values);
        if (!old) change.inserted.push(row);
        else if (!sameRow(old, row)) change.updated.push([old, row]);
      }
      return { result: { inserted: change.inserted.length, updated: change.updated.length }, change };
    });
  }

  /**
   * The index of the first encoded row whose key repeats an earlier row's or is already stored
   * (which row an insert's DUPLICATE_KEY is about), or -1.
   */
  firstTakenKey(table: string, encoded: readonly SqlBinding[][]): number {
    const codec = this.codec(table);
    const keys = encoded.map((v) => codec.keyOf(v));
    const stored = this.#lookup(codec.def, keys);
    const seen = new Set<string>();
    for (let i = 0; i < keys.length; i++) {
      const k = JSON.stringify(keys[i]);
      if (seen.has(k) || stored.has(k)) return i;
      seen.add(k);
    }
    return -1;
  }

  /**
   * Deletes rows by key, all or nothing; keys that do not exist are skipped.
   * @param keys 1–10,000 keys, each a value, an array in key order, or an object
   * @returns how many rows were deleted
   * @throws {TABLE_NOT_FOUND} · {INVALID_KEY} 400 · {BATCH_TOO_LARGE} 413
   */
  delete(table: string, keys: unknown): { deleted: number } {
    const codec = this.codec(table);
    const def = codec.def;
    if (!Array.isArray(keys) || keys.length === 0) throw tablesError("INVALID_KEY", "keys: at least one key", 400);
    if (keys.length > MAX_BATCH_ROWS) {
      throw tablesError("BATCH_TOO_LARGE", `keys: ${keys.length} keys; at most ${MAX_BATCH_ROWS} per call`, 413);
    }
    const encoded = keys.map((k, i) => codec.encodeKey(k, `keys[${i}]`));
    const where = keyInList(def);
    return this.#writes.write(table, () => {
      const deleted: SqlRow[] = [];
      const keyWhere = def.primaryKey.map((k) => `${quoteIdent(k)} = ?`).join(" AND ");
      for (const group of keyGroups(encoded)) {
        const rows =
          "json" in group
            ? this.#sql.exec(`DELETE FROM ${storageTable(table)} WHERE ${where} RETURNING *`, group.json)
            : this.#sql.exec(`DELETE FROM ${storageTable(table)} WHERE ${keyWhere} RETURNING *`, ...group.key);
        for (const row of rows.toArray()) deleted.push(row);
      }
      return { result: { deleted: deleted.length }, change: { inserted: [], updated: [], deleted } };
    });
  }

  /**
   * Changes columns of one row.
   * @param key the row's key
   * @param set column → new value (not key columns)
   * @returns the row after the change
   * @throws {TABLE_NOT_FOUND} · {INVALID_KEY} · {INVALID_ROW} · {ROW_NOT_FOUND} 404 · {ROW_TOO_LARGE} 413
   */
  update(table: string, key: KeyInput | unknown, set: unknown): RowInput {
    const codec = this.codec(table);
    return this.#updateEncoded(codec, codec.encodeKey(key), set);
  }

  /** {@link update} with a key already in stored form (URL keys). */
  updateByStoredKey(table: string, key: SqlBinding[], set: unknown): RowInput {
    return this.#updateEncoded(this.codec(table), key, set);
  }

  #updateEncoded(codec: RowCodec, key: SqlBinding[], set: unknown): RowInput {
    const def = codec.def;
    const changes = codec.encodeSet(set);
    return this.#writes.write(def.name, () => {
      const before = this.#getStored(def, key);
      if (!before) throw tablesError("ROW_NOT_FOUND", `no row of ${def.name} has key ${JSON.stringify(key)}`, 404);
      const values = codec.valuesOf(before);
      for (const [i, v] of changes) values[i] = v;
      // Re-validate size: the new values may push the row over 2 MiB.
      codec.encodeRow(codec.decodeRow(codec.toSqlRow(values)), "set");
      const keyWhere = def.primaryKey.map((k) => `${quoteIdent(k)} = ?`).join(" AND ");
      const perStatement = Math.max(1, SQL_LIMITS.maxBindings - key.length);
      for (let start = 0; start < changes.length; start += perStatement) {
        const part = changes.slice(start, start + perStatement);
        const sets = part.map(([i]) => `${quoteIdent(def.columns[i]?.name ?? "")} = ?`).join(", ");
        try {
          this.#sql.exec(
            `UPDATE ${storageTable(def.name)} SET ${sets} WHERE ${keyWhere}`,
            ...part.map(([, v]) => v),
            ...key,
          );
        } catch (err) {
          if (isUniqueViolation(err)) throw conflict("DUPLICATE_KEY", `set: a unique index of ${def.name} is violated`);
          throw err;
        }
      }
      const after = codec.toSqlRow(values);
      return { result: codec.decodeRow(after), change: { inserted: [], updated: [[before, after]], deleted: [] } };
    });
  }

  #getStored(def: TableDef, key: SqlBinding[]): SqlRow | undefined {
    const where = def.primaryKey.map((k) => `${quoteIdent(k)} = ?`).join(" AND ");
    return this.#sql.exec(`SELECT * FROM ${storageTable(def.name)} WHERE ${where}`, ...key).toArray()[0];
  }

  /**
   * Reads one row by key.
   * @throws {TABLE_NOT_FOUND} · {INVALID_KEY} · {ROW_NOT_FOUND} 404
   */
  get(table: string, key: KeyInput | unknown): RowInput {
    const codec = this.codec(table);
    return this.getByStoredKey(table, codec.encodeKey(key));
  }

  /** {@link get} with a key already in stored form (URL keys). */
  getByStoredKey(table: string, key: SqlBinding[]): RowInput {
    const codec = this.codec(table);
    const row = this.#getStored(codec.def, key);
    if (!row) throw tablesError("ROW_NOT_FOUND", `no row of ${table} has key ${JSON.stringify(key)}`, 404);
    return codec.decodeRow(row);
  }

  /**
   * One page of rows in keyset order: `orderBy` then the primary key as tiebreaker.
   * @returns the rows and the cursor of the next page (null at the end)
   * @throws {TABLE_NOT_FOUND} · {INVALID_PREDICATE} 400 · {INVALID_CURSOR} 400 · {INVALID_INPUT} 400
   */
  scan(table: string, options: ScanOptions = {}): ScanPage {
    return scanPage(this.#sql, this.codec(table), options);
  }

  /**
   * Counts rows matching `where` (all rows without one).
   * @throws {TABLE_NOT_FOUND} · {INVALID_PREDICATE} 400
   */
  count(table: string, where?: Predicate | string): number {
    return countRows(this.#sql, this.codec(table), where);
  }
}
