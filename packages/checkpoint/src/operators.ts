/**
 * Operators: what a checkpoint holds. Each registered operator captures its state as JSON
 * records inside the capture transaction (synchronously: the consistent cut), and replaces it
 * from records inside the swap transaction. Built-ins cover a JSON value and raw SQLite tables.
 * @module
 */
import type { Sql, SqlBinding, SqlValue } from "@durable/core";
import { CHECKPOINT_LIMITS } from "./config.ts";
import { ckptError } from "./errors.ts";

/** A piece of state a checkpoint captures and restores. */
export interface Operator {
  /** The version of the state's shape; a checkpoint of another version is not restored. */
  readonly schemaVersion: number | (() => number);
  /** Yields the state as JSON records; runs inside the capture `transactionSync` (no await). */
  capture(): Iterable<unknown>;
  /** Replaces the state with `records`; runs inside the swap `transactionSync` (no await). */
  restore(records: Iterable<unknown>): void;
  /** After the swap committed: caches, alarms. */
  afterRestore?(): void | Promise<void>;
}

/** The schema version an operator declares now. */
export function versionOf(op: Operator): number {
  return typeof op.schemaVersion === "function" ? op.schemaVersion() : op.schemaVersion;
}

/** Registered operators, in registration order (the order they are captured and restored in). */
export class OperatorRegistry {
  readonly #ops = new Map<string, Operator>();

  /**
   * Registers `op` under `id`.
   * @throws {INVALID_INPUT} a bad id, a duplicate, or more than 64 operators
   */
  register(id: string, op: Operator): void {
    if (!CHECKPOINT_LIMITS.operatorId.test(id))
      throw ckptError.error("INVALID_INPUT", "id: must match [a-z0-9_.-]{1,64}");
    if (this.#ops.has(id)) throw ckptError.error("INVALID_INPUT", `id: operator ${id} is registered already`);
    if (this.#ops.size >= CHECKPOINT_LIMITS.maxOperators) {
      throw ckptError.error("INVALID_INPUT", `id: at most ${CHECKPOINT_LIMITS.maxOperators} operators per DO`);
    }
    this.#ops.set(id, op);
  }

  /** The operator `id`, or undefined. */
  get(id: string): Operator | undefined {
    return this.#ops.get(id);
  }

  /** Every operator, in registration order. */
  entries(): [string, Operator][] {
    return [...this.#ops.entries()];
  }
}

/**
 * An operator over one JSON value held elsewhere (in memory, or in a row the caller manages).
 * @param get returns the current value (inside the capture transaction)
 * @param set replaces it (inside the swap transaction)
 * @param schemaVersion the value's shape version (default 1)
 * @example
 * cp.registerOperator("counter", jsonOperator(() => state.count, (v) => { state.count = v as number; }));
 */
export function jsonOperator(get: () => unknown, set: (value: unknown) => void, schemaVersion = 1): Operator {
  return {
    schemaVersion,
    *capture() {
      yield get() ?? null;
    },
    restore(records) {
      for (const r of records) {
        set(r);
        return;
      }
      set(null);
    },
  };
}

/** A table of a {@link tablesOperator}: a name, or a name with a filter on the rows it owns. */
export type TableSelection = string | { table: string; where?: string };

const PAGE_ROWS = 500;

function toBase64(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function encodeValue(v: SqlValue): unknown {
  // Blobs are not JSON: they travel as { $b: base64 }.
  if (v instanceof ArrayBuffer) return { $b: toBase64(v) };
  return v;
}

function decodeValue(v: unknown): SqlBinding {
  if (v !== null && typeof v === "object" && typeof (v as { $b?: unknown }).$b === "string") {
    return Uint8Array.from(atob((v as { $b: string }).$b), (c) => c.charCodeAt(0));
  }
  return v as SqlBinding;
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * An operator over raw SQLite tables (rowid tables). It captures every row, page by page (never
 * the whole table in memory); its restore deletes the rows of every table, then inserts, in the
 * order given, so that the tables' own triggers fire: list last a table those triggers write
 * (e.g. `sched_stats`), so its captured rows win.
 * @param sql the Sql port
 * @param tables the tables, optionally with a `where` restricting the rows this operator owns
 * @param schemaVersion the tables' version (e.g. their owner's version in `core_migrations`)
 * @example
 * cp.registerOperator("meta", tablesOperator(sql, ["meta_kv"], () => migrationVersion(sql, "meta")));
 */
export function tablesOperator(
  sql: Sql,
  tables: TableSelection[],
  schemaVersion: number | (() => number) = 1,
): Operator {
  const list = tables.map((t) => (typeof t === "string" ? { table: t } : t));
  const whereOf = (t: { where?: string }) => (t.where ? ` AND (${t.where})` : "");
  return {
    schemaVersion,
    *capture() {
      for (const t of list) {
        let columns: string[] | undefined;
        let after = Number.MIN_SAFE_INTEGER;
        for (;;) {
          const cursor = sql.exec(
            `SELECT rowid AS "__ckpt_rowid", * FROM ${quote(t.table)} WHERE rowid > ?${whereOf(t)} ORDER BY rowid LIMIT ${PAGE_ROWS}`,
            after,
          );
          const rows = [...cursor.raw()];
          if (!columns) {
            columns = cursor.columnNames.slice(1);
            yield { table: t.table, columns };
          }
          for (const r of rows) yield r.slice(1).map(encodeValue);
          if (rows.length < PAGE_ROWS) break;
          after = rows[rows.length - 1]?.[0] as number;
        }
      }
    },
    restore(records) {
      for (const t of list) sql.exec(`DELETE FROM ${quote(t.table)} WHERE 1${whereOf(t)}`);
      let table = "";
      let columns: string[] = [];
      let batch: SqlBinding[][] = [];
      const flush = () => {
        if (batch.length === 0) return;
        const tuple = `(${columns.map(() => "?").join(", ")})`;
        sql.exec(
          `INSERT INTO ${quote(table)} (${columns.map(quote).join(", ")}) VALUES ${batch.map(() => tuple).join(", ")}`,
          ...batch.flat(),
        );
        batch = [];
      };
      for (const r of records) {
        if (!Array.isArray(r)) {
          flush();
          const header = r as { table: string; columns: string[] };
          table = header.table;
          columns = header.columns;
          continue;
        }
        batch.push(r.map(decodeValue));
        if ((batch.length + 1) * columns.length > 100) flush();
      }
      flush();
    },
  };
}

/**
 * The version of `owner`'s migrations applied in this DO (0 when none): the natural
 * `schemaVersion` of an operator over that owner's tables.
 */
export function migrationVersion(sql: Sql, owner: string): number {
  const row = sql
    .exec<{ v: number | null }>("SELECT max(version) AS v FROM core_migrations WHERE owner = ?", owner)
    .one();
  return row.v ?? 0;
}
