/**
 * Resumable cursor pagination on core's keyset helpers: `paginate` pages a raw table exactly as
 * tables' `scan` does (the sort column, then the keys; NULLs first ascending and last
 * descending; versioned `c1.` cursors bound to `<table>|<sort>|<direction>`), and
 * `resumableSync` copies a paginated source into a sink page by page, saving its cursor in
 * `ckpt_sync` after each page so that a restart resumes where it stopped.
 * @module
 */
import {
  type Clock,
  decodeCursor,
  encodeCursor,
  type KeysetDirection,
  type KeysetSpec,
  keysetAfter,
  keysetOrderBy,
  keysetPositionOf,
  type Sql,
  type SqlBinding,
  type SqlRow,
  type TransactionSync,
} from "@durable/core";
import { ckptError } from "./errors.ts";

/** Most rows of one page. */
export const MAX_PAGE_SIZE = 1000;

/** Options of {@link paginate}. */
export interface PaginateOptions {
  /** The SQLite table (unquoted name). */
  table: string;
  /** Key columns: together unique and never NULL (the tiebreaker). */
  keys: readonly string[];
  /** Sort column (may hold NULLs); omitted: the key order. */
  sort?: string;
  direction?: KeysetDirection;
  /** 1–1,000 (default 1,000). */
  pageSize?: number;
  /** From the previous page; absent for the first. */
  cursor?: string | null;
}

/** One page of {@link paginate}. */
export interface Page {
  items: SqlRow[];
  /** Resumes after the last item; null on the last page. */
  cursor: string | null;
  hasMore: boolean;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function checkName(what: string, name: string): void {
  if (!IDENT.test(name))
    throw ckptError.error("INVALID_INPUT", `${what}: ${JSON.stringify(name)} is not an identifier`);
}

/**
 * One page of `table` in keyset order.
 * @param sql the Sql port
 * @param options table, keys, sort, direction, pageSize, cursor
 * @returns the rows, the cursor of the next page and whether there is one
 * @throws {INVALID_INPUT} 400 for a bad name or page size
 * @throws {INVALID_CURSOR} 400 for a malformed cursor or another query's
 * @example
 * let page = paginate(sql, { table: "orders", keys: ["id"], sort: "placed_at", direction: "desc" });
 * while (page.hasMore) page = paginate(sql, { table: "orders", keys: ["id"], sort: "placed_at", direction: "desc", cursor: page.cursor });
 */
export function paginate(sql: Sql, options: PaginateOptions): Page {
  const { table, keys } = options;
  const direction = options.direction ?? "asc";
  const pageSize = options.pageSize ?? MAX_PAGE_SIZE;
  checkName("table", table);
  if (keys.length === 0 || keys.length > 8) throw ckptError.error("INVALID_INPUT", "keys: 1–8 columns");
  for (const k of keys) checkName("keys", k);
  if (options.sort !== undefined) checkName("sort", options.sort);
  if (direction !== "asc" && direction !== "desc") throw ckptError.error("INVALID_INPUT", "direction: asc or desc");
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw ckptError.error("INVALID_INPUT", `pageSize: an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  // Sorting by a single key column is the key order itself (as tables' scan does).
  const sort = keys.length === 1 && options.sort === keys[0] ? undefined : options.sort;
  const spec: KeysetSpec = { ...(sort === undefined ? {} : { sort: quote(sort) }), direction, keys: keys.map(quote) };
  const scope = `${table}|${sort ?? ""}|${direction}`;
  let where = "";
  let bindings: SqlBinding[] = [];
  if (options.cursor) {
    const after = keysetAfter(spec, decodeCursor(options.cursor, scope, keys.length + (sort === undefined ? 0 : 1)));
    where = ` WHERE ${after.sql}`;
    bindings = after.bindings;
  }
  const rows = sql
    .exec(`SELECT * FROM ${quote(table)}${where} ORDER BY ${keysetOrderBy(spec)} LIMIT ?`, ...bindings, pageSize + 1)
    .toArray();
  const hasMore = rows.length > pageSize;
  const items = hasMore ? rows.slice(0, pageSize) : rows;
  const last = items[items.length - 1];
  return {
    items,
    cursor: hasMore && last ? encodeCursor(scope, keysetPositionOf(last, sort, keys)) : null,
    hasMore,
  };
}

/** A source of pages: the next page after `cursor` (null: the first). */
export type PageSource = (cursor: string | null) => { items: unknown[]; cursor: string | null };

/** Where a sync writes: idempotent (`upsert`, may repeat a page after a crash) or `local` (same transaction as the cursor). */
export type SyncSink = { upsert: (items: unknown[]) => void | Promise<void> } | { local: (items: unknown[]) => void };

/** Options of {@link resumableSync}. */
export interface ResumableSyncOptions {
  /** Names the sync in `ckpt_sync` (1–128 characters). */
  syncId: string;
  /** A `paginate` query, or any page source (e.g. `(c) => { const p = tables.scan(t, {cursor: c ?? undefined, limit: 1000}); return {items: p.rows, cursor: p.cursor}; }`). */
  source: Omit<PaginateOptions, "cursor"> | PageSource;
  sink: SyncSink;
  /** Stop after this many pages in this call (the rest resumes on the next call). */
  maxPages?: number;
}

/** The progress of a sync, as `ckpt_sync` holds it. */
export interface SyncProgress {
  syncId: string;
  cursor: string | null;
  pages: number;
  rows: number;
  done: boolean;
  updatedAt: number;
}

/** Ports of {@link resumableSync}. */
export interface SyncPorts {
  sql: Sql;
  transactionSync: TransactionSync;
  clock: Clock;
}

/** The stored progress of `syncId`, or null. */
export function syncProgress(sql: Sql, syncId: string): SyncProgress | null {
  const row = sql
    .exec<{ cursor: string | null; pages: number; rows: number; done: number; updated_at: number }>(
      "SELECT cursor, pages, rows, done, updated_at FROM ckpt_sync WHERE sync_id = ?",
      syncId,
    )
    .toArray()[0];
  if (!row) return null;
  return {
    syncId,
    cursor: row.cursor,
    pages: row.pages,
    rows: row.rows,
    done: row.done === 1,
    updatedAt: row.updated_at,
  };
}

/**
 * Copies `source` into `sink` page by page; after each page the cursor, page and row counts
 * are saved in `ckpt_sync` (in the sink's transaction for a `local` sink, after the write for
 * an idempotent one), so a sync killed anywhere resumes from its last saved page.
 * @returns the progress (done when the source is exhausted)
 * @throws {INVALID_INPUT} 400 for a bad syncId · {INVALID_CURSOR} 400 when the stored cursor no longer fits the source
 * @example
 * await resumableSync(ports, { syncId: "orders->archive", source: { table: "orders", keys: ["id"] },
 *   sink: { local: (rows) => insertArchive(rows) } });
 */
export async function resumableSync(ports: SyncPorts, options: ResumableSyncOptions): Promise<SyncProgress> {
  const { sql, transactionSync, clock } = ports;
  const { syncId, source, sink } = options;
  if (syncId.length === 0 || syncId.length > 128) throw ckptError.error("INVALID_INPUT", "syncId: 1–128 characters");
  const read: PageSource =
    typeof source === "function" ? source : (cursor) => paginate(sql, { ...source, ...(cursor ? { cursor } : {}) });
  let progress = syncProgress(sql, syncId) ?? {
    syncId,
    cursor: null,
    pages: 0,
    rows: 0,
    done: false,
    updatedAt: clock.now(),
  };
  const save = (p: SyncProgress) =>
    sql.exec(
      `INSERT INTO ckpt_sync (sync_id, cursor, pages, rows, done, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (sync_id) DO UPDATE SET cursor = excluded.cursor, pages = excluded.pages, rows = excluded.rows, done = excluded.done, updated_at = excluded.updated_at`,
      p.syncId,
      p.cursor,
      p.pages,
      p.rows,
      p.done ? 1 : 0,
      p.updatedAt,
    );
  let budget = options.maxPages ?? Number.POSITIVE_INFINITY;
  while (!progress.done && budget-- > 0) {
    const page = read(progress.cursor);
    const next: SyncProgress = {
      syncId,
      cursor: page.cursor,
      pages: progress.pages + 1,
      rows: progress.rows + page.items.length,
      done: page.cursor === null,
      updatedAt: clock.now(),
    };
    if ("local" in sink) {
      transactionSync(() => {
        sink.local(page.items);
        save(next);
      });
    } else {
      await sink.upsert(page.items);
      save(next);
    }
    progress = next;
  }
  return progress;
}
