/**
 * Converts rows between what clients send and read, and what SQLite stores, for one version
 * of a table: the zod schema generated from the column types, key parsing, the 2 MiB row cap,
 * and the predicate resolver of the table's columns.
 * @module
 */
import {
  PlatformError,
  type ResolvedColumn,
  SQL_LIMITS,
  type SqlBinding,
  type SqlRow,
  type SqlValue,
  safeParse,
} from "@durable/core";
import type * as z from "zod/mini";
import { readValue, storedSize, valueSchema } from "./column-types.ts";
import { invalidRow, tablesError } from "./errors.ts";
import { quoteIdent } from "./names.ts";
import type { ColumnDef, TableDef } from "./table-spec.ts";

/** A row as a client sends or reads it: column name → value. */
export type RowInput = Record<string, unknown>;

/** A primary key: one value, the values in key order, or an object by column name. */
export type KeyInput = string | number | boolean | (string | number | boolean)[] | Record<string, unknown>;

/** Why one input row cannot be stored: the column (when one is to blame) and the reason. */
export interface RowIssue {
  code: "INVALID_ROW" | "ROW_TOO_LARGE";
  column?: string;
  reason: string;
}

/** Largest stored row, in bytes (DO SQLite caps a value at 2 MiB; we cap the row). */
export const MAX_ROW_BYTES = SQL_LIMITS.maxValueBytes;

function issueMessage(error: z.core.$ZodError): string {
  return error.issues[0]?.message ?? "invalid value";
}

/** A stored row as a plain object, blobs as ArrayBuffer (the shape observers and SQLite use). */
function toSqlValue(v: SqlBinding): SqlValue {
  if (v instanceof Uint8Array) return v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) as ArrayBuffer;
  if (typeof v === "bigint") return Number(v);
  return v;
}

/** A number in plain decimal notation (a URL key part of a numeric key column). */
const DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** The codec of one table version. */
export class RowCodec {
  readonly def: TableDef;
  readonly columns: readonly ColumnDef[];
  readonly #byName: Map<string, { index: number; col: ColumnDef; schema: z.ZodMiniType<SqlBinding> }>;
  readonly #keyIndexes: number[];
  /** The value schema of each column, in column order. */
  readonly #schemas: z.ZodMiniType<SqlBinding>[];

  constructor(def: TableDef) {
    this.def = def;
    this.columns = def.columns;
    const schemas = def.columns.map((col) => valueSchema(col.type));
    this.#schemas = schemas;
    this.#byName = new Map(
      def.columns.map((col, index) => [col.name, { index, col, schema: schemas[index] as z.ZodMiniType<SqlBinding> }]),
    );
    this.#keyIndexes = def.primaryKey.map((k) => this.#byName.get(k)?.index ?? -1);
  }

  /** Names of the key columns. */
  get keyColumns(): string[] {
    return this.def.primaryKey;
  }

  /**
   * Validates one input row and returns its stored values in column order (missing columns
   * take their default, or NULL).
   * @param path `rows[i]`, for messages
   * @throws {INVALID_ROW} 400 `rows[i].col: …` · {ROW_TOO_LARGE} 413
   */
  encodeRow(input: unknown, path: string): SqlBinding[] {
    const out = this.tryEncodeRow(input);
    if (Array.isArray(out)) return out;
    const where = out.column === undefined ? path : `${path}.${out.column}`;
    throw out.code === "ROW_TOO_LARGE"
      ? tablesError("ROW_TOO_LARGE", `${where}: ${out.reason}`, 413)
      : invalidRow(`${where}: ${out.reason}`);
  }

  /**
   * {@link encodeRow} without throwing: the stored values, or what is wrong with the row (so
   * that a batch or an import can report every bad row, not only the first).
   */
  tryEncodeRow(input: unknown): SqlBinding[] | RowIssue {
    if (input === null || typeof input !== "object" || Array.isArray(input)) {
      return { code: "INVALID_ROW", reason: "a row is an object of column values" };
    }
    for (const key in input) {
      if (!this.#byName.has(key)) return { code: "INVALID_ROW", column: key, reason: "unknown column" };
    }
    // Column by column, in column order, so the first bad column is the one reported. (One zod
    // object over all columns was 2x slower in Node: zod/mini objects have no JIT fast path.)
    const row = input as RowInput;
    const values: SqlBinding[] = new Array(this.columns.length);
    let size = 0;
    for (let i = 0; i < this.columns.length; i++) {
      const col = this.columns[i] as ColumnDef;
      const v = row[col.name];
      let stored: SqlBinding;
      if (v === undefined) {
        if (!col.nullable && col.default === undefined) {
          return { code: "INVALID_ROW", column: col.name, reason: "required (the column is not nullable)" };
        }
        stored = col.default ?? null;
      } else if (v === null && col.nullable) {
        stored = null;
      } else {
        const parsed = safeParse(this.#schemas[i] as z.ZodMiniType<SqlBinding>, v);
        if (!parsed.success) return { code: "INVALID_ROW", column: col.name, reason: issueMessage(parsed.error) };
        stored = parsed.data;
      }
      values[i] = stored;
      size += storedSize(stored);
    }
    if (size > MAX_ROW_BYTES) {
      return { code: "ROW_TOO_LARGE", reason: `the row is ${size} bytes; at most ${MAX_ROW_BYTES}` };
    }
    return values;
  }

  /** The key values of an encoded row. */
  keyOf(values: readonly SqlBinding[]): SqlBinding[] {
    return this.#keyIndexes.map((i) => values[i] ?? null);
  }

  /** A stored row (column order values) as an object, for observers. */
  toSqlRow(values: readonly SqlBinding[]): SqlRow {
    const row: SqlRow = {};
    for (let i = 0; i < this.columns.length; i++)
      row[(this.columns[i] as ColumnDef).name] = toSqlValue(values[i] ?? null);
    return row;
  }

  /** The stored values (column order) of a row read from SQLite. */
  valuesOf(row: SqlRow): SqlBinding[] {
    return this.columns.map((c) => row[c.name] ?? null);
  }

  /** A stored row as the client reads it (booleans, parsed json, blobs as bytes). */
  decodeRow(row: SqlRow): RowInput {
    const out: RowInput = {};
    for (const col of this.columns) out[col.name] = readValue(col.type, row[col.name] ?? null);
    return out;
  }

  /**
   * Converts a key given in any {@link KeyInput} form to stored key values.
   * @throws {INVALID_KEY} 400
   */
  encodeKey(input: unknown, path = "key"): SqlBinding[] {
    const names = this.def.primaryKey;
    let parts: unknown[];
    if (Array.isArray(input)) parts = input;
    else if (input !== null && typeof input === "object") {
      const obj = input as RowInput;
      for (const k in obj) {
        if (!names.includes(k)) throw tablesError("INVALID_KEY", `${path}.${k}: not a primary key column`, 400);
      }
      parts = names.map((n) => obj[n]);
    } else parts = [input];
    if (parts.length !== names.length) {
      throw tablesError("INVALID_KEY", `${path}: the key has ${names.length} column(s) (${names.join(", ")})`, 400);
    }
    return parts.map((p, i) => {
      const entry = this.#byName.get(names[i] as string);
      const parsed = entry && safeParse(entry.schema, p);
      if (!parsed?.success || parsed.data === null) {
        throw tablesError(
          "INVALID_KEY",
          `${path}.${names[i]}: ${parsed && !parsed.success ? issueMessage(parsed.error) : "required"}`,
          400,
        );
      }
      return parsed.data;
    });
  }

  /**
   * Parses the URL form of a key: parts joined by `,`, each part percent-encoded, converted to
   * the key column's type (`42`, `true`, ISO timestamps).
   * @throws {INVALID_KEY} 400
   */
  parseUrlKey(segment: string): SqlBinding[] {
    let parts: string[];
    try {
      parts = segment.split(",").map(decodeURIComponent);
    } catch {
      throw tablesError("INVALID_KEY", "key is not valid percent-encoding", 400);
    }
    const typed = parts.map((p, i) => {
      const type = this.#byName.get(this.def.primaryKey[i] ?? "")?.col.type;
      // Decimal only: Number() would also read `0x10`, ` 16` or `016`, giving one row many URLs.
      if (type === "integer" || type === "real") return DECIMAL.test(p) ? Number(p) : p;
      if (type === "timestamp" && /^-?(?:0|[1-9]\d*)$/.test(p)) return Number(p);
      if (type === "boolean") return p === "true" ? true : p === "false" ? false : p;
      return p;
    });
    return this.encodeKey(typed);
  }

  /**
   * Validates the `set` of an update and returns `[column index, stored value]` pairs.
   * @throws {INVALID_ROW} 400 `set.col: …`
   */
  encodeSet(input: unknown): [number, SqlBinding][] {
    if (input === null || typeof input !== "object" || Array.isArray(input)) {
      throw invalidRow("set: an object of column values");
    }
    const out: [number, SqlBinding][] = [];
    for (const [name, value] of Object.entries(input as RowInput)) {
      const entry = this.#byName.get(name);
      if (!entry) throw invalidRow(`set.${name}: unknown column`);
      if (this.def.primaryKey.includes(name)) throw invalidRow(`set.${name}: a primary key column cannot change`);
      if (value === null) {
        if (!entry.col.nullable) throw invalidRow(`set.${name}: the column is not nullable`);
        out.push([entry.index, null]);
        continue;
      }
      const parsed = safeParse(entry.schema, value);
      if (!parsed.success) throw invalidRow(`set.${name}: ${issueMessage(parsed.error)}`);
      out.push([entry.index, parsed.data]);
    }
    if (out.length === 0) throw invalidRow("set: at least one column");
    return out;
  }

  /** The column `name`, or undefined. */
  column(name: string): ColumnDef | undefined {
    return this.#byName.get(name)?.col;
  }

  /** The predicate resolver of this table's columns. */
  resolve = (name: string): ResolvedColumn => {
    const entry = this.#byName.get(name);
    if (!entry) throw new PlatformError("INVALID_PREDICATE", `unknown column ${name}`, { status: 400 });
    const { col, schema } = entry;
    return {
      sql: quoteIdent(col.name),
      text: col.type === "text",
      bind(value) {
        if (col.type === "blob" || col.type === "json") {
          throw new PlatformError("INVALID_PREDICATE", `${col.name}: cannot compare a ${col.type} column`, {
            status: 400,
          });
        }
        const parsed = safeParse(schema, value);
        if (!parsed.success) {
          throw new PlatformError("INVALID_PREDICATE", `${col.name}: ${issueMessage(parsed.error)}`, { status: 400 });
        }
        return parsed.data;
      },
    };
  };
}
