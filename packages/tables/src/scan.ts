/**
 * Reads of many rows: keyset-paginated scans (a page ends at its row limit or 8 MiB of stored
 * values) and counts, both with the predicate language of `@durable/core`.
 * @module
 */
import {
  compilePredicate,
  decodeCursor,
  encodeCursor,
  type KeysetSpec,
  keysetAfter,
  keysetOrderBy,
  keysetPositionOf,
  PlatformError,
  type Predicate,
  parsePredicate,
  type Sql,
  type SqlBinding,
  type SqlRow,
} from "@durable/core";
import { tablesError } from "./errors.ts";
import { quoteIdent, storageTable } from "./names.ts";
import type { RowCodec, RowInput } from "./row-codec.ts";

/** Most rows one scan page returns. */
export const MAX_PAGE_ROWS = 1000;
/**
 * Stored bytes after which a scan page ends early (with a cursor): 1,000 rows of up to 2 MiB
 * each would not fit in a DO's 128 MB of memory, nor in a reasonable response.
 */
export const MAX_PAGE_BYTES = 8 * 1024 * 1024;

/** Options of a scan. */
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

/** Approximate stored size of a row read back (strings by UTF-16 length, numbers 8 bytes). */
function rowBytes(row: SqlRow): number {
  let n = 0;
  for (const key in row) {
    const v = row[key];
    n += typeof v === "string" ? v.length : v instanceof ArrayBuffer ? v.byteLength : 8;
  }
  return n;
}
/** The compiled `where` of a scan or count, or undefined without one. */
function compiledWhere(
  codec: RowCodec,
  where: ScanOptions["where"],
): { sql: string; bindings: SqlBinding[] } | undefined {
  if (where === undefined || where === "") return undefined;
  return compilePredicate(parsePredicate(where), { resolve: codec.resolve });
}

/**
 * One page of rows in keyset order: `orderBy` then the primary key as tiebreaker.
 * @returns the rows and the cursor of the next page (null at the end)
 * @throws {TABLE_NOT_FOUND} · {INVALID_PREDICATE} 400 · {INVALID_CURSOR} 400 · {INVALID_INPUT} 400
 */
export function scanPage(sql: Sql, codec: RowCodec, options: ScanOptions = {}): ScanPage {
  const def = codec.def;
  const table = def.name;
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
  const where = compiledWhere(codec, options.where);
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
  const rows = sql.exec(
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
 * Counts rows of a table matching `where` (all rows without one).
 * @throws {TABLE_NOT_FOUND} · {INVALID_PREDICATE} 400
 */
export function countRows(sql: Sql, codec: RowCodec, where?: Predicate | string): number {
  const table = codec.def.name;
  const compiled = compiledWhere(codec, where);
  return sql
    .exec<{ n: number }>(
      `SELECT count(*) AS n FROM ${storageTable(table)}${compiled ? ` WHERE ${compiled.sql}` : ""}`,
      ...(compiled?.bindings ?? []),
    )
    .one().n;
}
