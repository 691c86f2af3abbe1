/**
 * Keyset pagination: each page resumes strictly after the last row of the previous one, by
 * its sort value plus a unique key as tiebreaker, so rows inserted or deleted between pages
 * never cause a duplicate or a skipped row (unlike OFFSET). The cursor is opaque, versioned
 * and bound to its query's scope. Tables' scan uses it; checkpoint's resumable syncs reuse it.
 * @module
 */
import { PlatformError } from "./errors.ts";
import { fnv1a32 } from "./hash.ts";
import type { SqlBinding, SqlValue } from "./sql.ts";

/** Sort direction of a keyset query. */
export type KeysetDirection = "asc" | "desc";

/** What a keyset query is ordered by. */
export interface KeysetSpec {
  /** Quoted SQL of the sort column (may hold NULLs); omit to order by the key alone. */
  sort?: string;
  direction: KeysetDirection;
  /** Quoted SQL of the key columns; together they are unique and never NULL. */
  keys: readonly string[];
}

/** A position in a keyset order: the sort value (when there is a sort column), then the key values. */
export type KeysetPosition = (string | number | null)[];

/** The version written into every cursor; a cursor of another version is refused. */
export const CURSOR_VERSION = 1;

function invalidCursor(detail: string): PlatformError {
  return new PlatformError("INVALID_CURSOR", detail, { status: 400 });
}

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw invalidCursor("cursor is not base64url");
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(
    Uint8Array.from(binary, (c) => c.charCodeAt(0)),
  );
}

/**
 * The check value of a cursor: a hash of its scope and its position, so that a cursor replayed
 * against another query, or one whose position was edited, is refused. It detects tampering and
 * corruption, not forgery (no secret): a forged position only resumes the same query elsewhere.
 */
function checkHash(scope: string, position: readonly unknown[]): string {
  return fnv1a32(`${scope}\u0000${JSON.stringify(position)}`).toString(36);
}

/**
 * The `ORDER BY` list of a keyset query (without the keywords): the sort column, then the key
 * columns, all in the same direction.
 * @param spec the order
 */
export function keysetOrderBy(spec: KeysetSpec): string {
  const dir = spec.direction === "desc" ? "DESC" : "ASC";
  return [...(spec.sort === undefined ? [] : [spec.sort]), ...spec.keys].map((c) => `${c} ${dir}`).join(", ");
}

/**
 * The position of a row in a keyset order.
 * @param spec the order
 * @param row reads a column's stored value
 * @param sortColumn the name (not SQL) under which the row holds the sort value
 * @param keyColumns the names under which the row holds the key values
 */
export function keysetPositionOf(
  row: Record<string, SqlValue>,
  sortColumn: string | undefined,
  keyColumns: readonly string[],
): KeysetPosition {
  const pick = (c: string): string | number | null => {
    const v = row[c] ?? null;
    if (v instanceof ArrayBuffer) throw new TypeError(`keyset column ${c} holds a blob`);
    return v;
  };
  return [...(sortColumn === undefined ? [] : [pick(sortColumn)]), ...keyColumns.map(pick)];
}

/**
 * The condition "strictly after `position`" in the order of `spec`, with bound values.
 * SQLite sorts NULLs first ascending and last descending; the condition follows that.
 * @param spec the order
 * @param position the last row of the previous page
 * @returns a SQL boolean expression and its bindings
 */
export function keysetAfter(spec: KeysetSpec, position: KeysetPosition): { sql: string; bindings: SqlBinding[] } {
  const op = spec.direction === "desc" ? "<" : ">";
  const tuple = (n: number) => `(${Array.from({ length: n }, () => "?").join(", ")})`;
  const keyList = `(${spec.keys.join(", ")})`;
  if (spec.sort === undefined) {
    return { sql: `(${keyList} ${op} ${tuple(spec.keys.length)})`, bindings: position.slice(0, spec.keys.length) };
  }
  const [sortValue, ...keyValues] = position;
  const full = `(${spec.sort}, ${spec.keys.join(", ")})`;
  if (sortValue === null || sortValue === undefined) {
    const sameNull = `(${spec.sort} IS NULL AND ${keyList} ${op} ${tuple(spec.keys.length)})`;
    // Ascending: NULLs come first, so every non-NULL row is still ahead.
    return {
      sql: spec.direction === "asc" ? `(${sameNull} OR ${spec.sort} IS NOT NULL)` : sameNull,
      bindings: keyValues,
    };
  }
  const after = `(${full} ${op} ${tuple(spec.keys.length + 1)})`;
  // Descending: NULLs come last, so they are all still ahead of a non-NULL position.
  return {
    sql: spec.direction === "desc" ? `(${after} OR ${spec.sort} IS NULL)` : after,
    bindings: [sortValue, ...keyValues],
  };
}

/**
 * Encodes a position as an opaque cursor bound to `scope` (e.g. table + order), so that a
 * cursor cannot be replayed against another query.
 * @param scope anything that identifies the query's order
 * @param position from {@link keysetPositionOf}
 */
export function encodeCursor(scope: string, position: KeysetPosition): string {
  return `c${CURSOR_VERSION}.${toBase64Url(JSON.stringify([checkHash(scope, position), ...position]))}`;
}

/**
 * Decodes a cursor made by {@link encodeCursor} for the same scope.
 * @param cursor the opaque string from the client
 * @param scope the scope of the current query
 * @param arity how many values the position must hold
 * @throws {INVALID_CURSOR} 400 for a malformed cursor, another version, or another scope
 */
export function decodeCursor(cursor: string, scope: string, arity: number): KeysetPosition {
  const match = /^c(\d+)\.(.+)$/.exec(cursor);
  if (!match) throw invalidCursor("cursor is malformed");
  if (Number(match[1]) !== CURSOR_VERSION) throw invalidCursor(`cursor version ${match[1]} is not supported`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromBase64Url(match[2] as string));
  } catch (err) {
    if (err instanceof PlatformError) throw err;
    throw invalidCursor("cursor is malformed");
  }
  if (!Array.isArray(parsed) || parsed.length !== arity + 1) throw invalidCursor("cursor is malformed");
  const [hash, ...position] = parsed as unknown[];
  for (const v of position) {
    if (!(v === null || typeof v === "string" || (typeof v === "number" && Number.isFinite(v)))) {
      throw invalidCursor("cursor is malformed");
    }
  }
  if (hash !== checkHash(scope, position)) throw invalidCursor("cursor belongs to another query or was altered");
  return position as KeysetPosition;
}
