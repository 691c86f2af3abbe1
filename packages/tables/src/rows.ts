/**
 * Row operations on user tables: batched writes through the one {@link WritePath}, point
 * reads, keyset-paginated scans and counts with the predicate language of `@durable/core`.
 * @module
 */
import {
  compilePredicate,
  conflict,
  decodeCursor,
  encodeCursor,
  type KeysetSpec,
  keysetAfter,
  keysetOrderBy,
  keysetPositionOf,
  PlatformError,
  type Predicate,
  parsePredicate,
  type RowChange,
  SQL_LIMITS,
  type Sql,
  type SqlBinding,
  type SqlRow,
} from "@durable/core";
import type { Catalog } from "./catalog.ts";
import { invalidRow, tablesError } from "./errors.ts";
import { quoteIdent, storageTable } from "./names.ts";
import { type KeyInput, RowCodec, type RowInput } from "./row-codec.ts";
import type { TableDef } from "./table-spec.ts";
import type { WritePath } from "./write-path.ts";

/** Most rows one write call takes. */
export const MAX_BATCH_ROWS = 10_000;
/** Most rows one scan page returns. */
export const MAX_PAGE_ROWS = 1000;
/**
 * Stored bytes after which a scan page ends early (with a cursor): 1,000 rows of up to 2 MiB
 * each would not fit in a DO's 128 MB of memory, nor in a reasonable response.
 */
export const MAX_PAGE_BYTES = 8 * 1024 * 1024;

/** Approximate stored size of a row read back (strings by UTF-16 length, numbers 8 bytes). */
function rowBytes(row: SqlRow): number {
  let n = 0;
  for (const key in row) {
    const v = row[key];
    n += typeof v === "string" ? v.length : v instanceof ArrayBuffer ? v.byteLength : 8;
  }
  return n;
}
/** Keys looked up per statement (bound as one JSON array). */
const KEYS_PER_LOOKUP = 1000;
/** Most UTF-8 bytes of one bound JSON key list: DO SQLite refuses a bound value over ~2 MiB. */
const KEY_LIST_BYTES = 1024 * 1024;

/** A group of keys bound as one JSON array, or one key too long for a list, bound column by column. */
type KeyGroup = { json: string } | { key: SqlBinding[] };

/** Splits keys into JSON lists of ≤ 1,000 keys and ≤ 1 MiB each; a key longer than that stands alone. */
function keyGroups(keys: readonly SqlBinding[][]): KeyGroup[] {
  const groups: KeyGroup[] = [];
  let parts: string[] = [];
  let bytes = 2;
  const flush = () => {
    if (parts.length > 0) groups.push({ json: `[${parts.join(",")}]` });
    parts = [];
    bytes = 2;
  };
  for (const key of keys) {
    const text = JSON.stringify(key);
    // An upper bound for short keys (3 bytes per UTF-16 unit), exact for long ones.
    const size = text.length * 3 <= 1024 ? text.length * 3 : new TextEncoder().encode(text).length;
    if (size + 2 > KEY_LIST_BYTES) {
      groups.push({ key });
      continue;
    }
    if (parts.length >= KEYS_PER_LOOKUP || bytes + size + 1 > KEY_LIST_BYTES) flush();
    parts.push(text);
    bytes += size + 1;
  }
  flush();
  return groups;
}

/** How a row write treats an existing key. */
export type WriteMode = "insert" | "upsert";

/** What a row write did. */
export interface WriteResult {
  inserted: number;
  updated: number;
}

/** Options of {@link Rows.scan}. */
export interface ScanOptions {
  /** A predicate, or its JSON text. */
  where?: Predicate | string | undefined;
  /** Sort column (default: the primary key). */
  orderBy?: string | undefined;
  order?: "asc" | "desc" | undefined;
  /** 1–1,000 (default 100). */
  limit?: number | undefined;
  /** From the previous page; absent for the first page. */
  cursor?: string | undefined;
}

/** One page of a scan: `cursor` is null on the last page. */
export interface ScanPage {
  rows: RowInput[];
  cursor: string | null;
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

  #encodeBatch(codec: RowCodec, rows: unknown): SqlBinding[][] {
    if (!Array.isArray(rows)) throw invalidRow("rows: an array of row objects");
    if (rows.length === 0) throw invalidRow("rows: at least one row");
    if (rows.length > MAX_BATCH_ROWS) {
      throw tablesError("BATCH_TOO_LARGE", `rows: ${rows.length} rows; at most ${MAX_BATCH_ROWS} per call`, 413);
    }
    return rows.map((r, i) => codec.encodeRow(r, `rows[${i}]`));
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
    const where = this.#keyInList(def);
    for (const group of keyGroups(keys)) {
      const rows =
        "json" in group
          ? this.#sql.exec(`SELECT * FROM ${storageTable(def.name)} WHERE ${where}`, group.json).toArray()
          : [this.#getStored(def, group.key)];
      for (const row of rows) if (row) found.set(JSON.stringify(codec.keyOf(codec.valuesOf(row))), row);
    }
    return found;
  }

  /** `key IN <one JSON array of keys>`: one binding for up to 1,000 keys. */
  #keyInList(def: TableDef): string {
    const cols = def.primaryKey.map(quoteIdent);
    if (cols.length === 1) return `${cols[0]} IN (SELECT json_extract(value, '$[0]') FROM json_each(?))`;
    const picks = cols.map((_, i) => `json_extract(value, '$[${i}]')`).join(", ");
    return `(${cols.join(", ")}) IN (SELECT ${picks} FROM json_each(?))`;
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
    const def = codec.def;
    const encoded = this.#encodeBatch(codec, rows);
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
      const change: RowChange = { inserted: [], updated: [], deleted: [] };
      for (const [key, values] of byKey) {
        const old = before.get(key);
        if (old) change.updated.push([old, codec.toSqlRow(values)]);
        else change.inserted.push(codec.toSqlRow(values));
      }
      return { result: { inserted: change.inserted.length, updated: change.updated.length }, change };
    });
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
    const where = this.#keyInList(def);
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

  #where(codec: RowCodec, where: ScanOptions["where"]): { sql: string; bindings: SqlBinding[] } | undefined {
    if (where === undefined || where === "") return undefined;
    return compilePredicate(parsePredicate(where), { resolve: codec.resolve });
  }

  /**
   * One page of rows in keyset order: `orderBy` then the primary key as tiebreaker.
   * @returns the rows and the cursor of the next page (null at the end)
   * @throws {TABLE_NOT_FOUND} · {INVALID_PREDICATE} 400 · {INVALID_CURSOR} 400 · {INVALID_INPUT} 400
   */
  scan(table: string, options: ScanOptions = {}): ScanPage {
    const codec = this.codec(table);
    const def = codec.def;
    const limit = options.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_ROWS) {
      throw new PlatformError("INVALID_INPUT", `limit: an integer from 1 to ${MAX_PAGE_ROWS}`, { status: 400 });
    }
    const direction = options.order ?? "asc";
    if (direction !== "asc" && direction !== "desc") {
      throw new PlatformError("INVALID_INPUT", "order: asc or desc", { status: 400 });
    }
    let sortName = options.orderBy;
    if (sortName !== undefined) {
      const col = codec.column(sortName);
      if (!col) throw tablesError("INVALID_PREDICATE", `orderBy: unknown column ${sortName}`, 400);
      if (col.type === "blob" || col.type === "json") {
        throw tablesError("INVALID_PREDICATE", `orderBy: cannot sort by a ${col.type} column`, 400);
      }
      // Sorting by a single-column key is the key order itself.
      if (def.primaryKey.length === 1 && def.primaryKey[0] === sortName) sortName = undefined;
    }
    const spec: KeysetSpec = {
      ...(sortName === undefined ? {} : { sort: quoteIdent(sortName) }),
      direction,
      keys: def.primaryKey.map(quoteIdent),
    };
    const scope = `${table}|${def.createdAt}|${sortName ?? ""}|${direction}`;
    const conditions: string[] = [];
    const bindings: SqlBinding[] = [];
    const where = this.#where(codec, options.where);
    if (where) {
      conditions.push(where.sql);
      bindings.push(...where.bindings);
    }
    if (options.cursor) {
      const position = decodeCursor(options.cursor, scope, def.primaryKey.length + (sortName === undefined ? 0 : 1));
      const after = keysetAfter(spec, position);
      conditions.push(after.sql);
      bindings.push(...after.bindings);
    }
    const rows = this.#sql.exec(
      `SELECT * FROM ${storageTable(table)}${conditions.length ? ` WHERE ${conditions.join(" AND ")}` : ""} ORDER BY ${keysetOrderBy(spec)} LIMIT ?`,
      ...bindings,
      limit + 1,
    );
    // Read row by row: the page ends at `limit` rows or MAX_PAGE_BYTES, whichever comes first,
    // and one more row tells whether a next page exists.
    const page: SqlRow[] = [];
    let bytes = 0;
    let more = false;
    for (const row of rows) {
      if (page.length >= limit || bytes >= MAX_PAGE_BYTES) {
        more = true;
        break;
      }
      page.push(row);
      bytes += rowBytes(row);
    }
    const last = page[page.length - 1];
    return {
      rows: page.map((r) => codec.decodeRow(r)),
      cursor: more && last ? encodeCursor(scope, keysetPositionOf(last, sortName, def.primaryKey)) : null,
    };
  }

  /**
   * Counts rows matching `where` (all rows without one).
   * @throws {TABLE_NOT_FOUND} · {INVALID_PREDICATE} 400
   */
  count(table: string, where?: Predicate | string): number {
    const codec = this.codec(table);
    const compiled = this.#where(codec, where);
    return this.#sql
      .exec<{ n: number }>(
        `SELECT count(*) AS n FROM ${storageTable(table)}${compiled ? ` WHERE ${compiled.sql}` : ""}`,
        ...(compiled?.bindings ?? []),
      )
      .one().n;
  }
}
