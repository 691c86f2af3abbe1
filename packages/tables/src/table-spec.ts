/**
 * The shapes of table definitions: the zod schemas of `createTable`, `addColumn` and
 * `addIndex` input, the checks that need the whole definition (duplicates, the primary key,
 * defaults), and the stored definition type.
 * @module
 */
import { type AnySchema, describeZodError, formatPath, type SqlBinding, safeParse } from "@durable/core";
import * as z from "zod/mini";
import { COLUMN_TYPES, type ColumnType, sqlLiteral, utf8Length, valueSchema } from "./column-types.ts";
import { invalidSchema } from "./errors.ts";
import { nameSchema } from "./names.ts";

/** Table limits (issue 5). */
export const TABLE_LIMITS = {
  maxTables: 64,
  maxColumns: 100,
  maxIndexes: 8,
  maxKeyColumns: 8,
  maxIndexColumns: 8,
  /** Longest SQL literal of a column default, so that 100 columns fit in one DDL statement. */
  maxDefaultBytes: 512,
} as const;

/** Types a primary key column may have. */
const KEY_TYPES = new Set<ColumnType>(["integer", "real", "text", "boolean", "timestamp"]);

/** zod schema of one column in a request. */
export const ColumnSpecSchema = z.strictObject({
  name: nameSchema("column"),
  type: z.enum(COLUMN_TYPES),
  nullable: z._default(z.boolean(), true),
  default: z.optional(z.json()),
});

/** zod schema of one index in a request; the name defaults to `idx_<columns>`. */
export const IndexSpecSchema = z.strictObject({
  name: z.optional(nameSchema("index")),
  columns: z.array(z.string()).check(z.minLength(1), z.maxLength(TABLE_LIMITS.maxIndexColumns)),
  unique: z._default(z.boolean(), false),
});

/** zod schema of a `createTable` request. */
export const TableSpecSchema = z.strictObject({
  name: nameSchema("table"),
  columns: z.array(ColumnSpecSchema).check(z.minLength(1), z.maxLength(TABLE_LIMITS.maxColumns)),
  primaryKey: z.union([z.string(), z.array(z.string()).check(z.minLength(1), z.maxLength(TABLE_LIMITS.maxKeyColumns))]),
  indexes: z._default(z.array(IndexSpecSchema).check(z.maxLength(TABLE_LIMITS.maxIndexes)), []),
});

/** Input of `createTable` (before defaults). */
export type TableSpec = z.input<typeof TableSpecSchema>;
/** Input of `addColumn`. */
export type ColumnSpec = z.input<typeof ColumnSpecSchema>;
/** Input of `addIndex`. */
export type IndexSpec = z.input<typeof IndexSpecSchema>;

/** A column as stored in the catalog. `default` is the stored (SQL) value. */
export interface ColumnDef {
  name: string;
  type: ColumnType;
  nullable: boolean;
  default?: SqlBinding;
}

/** An index as stored in the catalog. */
export interface IndexDef {
  name: string;
  columns: string[];
  unique: boolean;
}

/** A table as stored in the catalog. */
export interface TableDef {
  name: string;
  columns: ColumnDef[];
  primaryKey: string[];
  indexes: IndexDef[];
  /** Grows by one on every schema change (addColumn, addIndex, dropIndex). */
  version: number;
  createdAt: number;
}

function fail(path: (string | number)[], message: string): never {
  throw invalidSchema(`${formatPath(path)}: ${message}`);
}

/**
 * Parses untrusted input with `schema`, throwing 400 INVALID_SCHEMA with the zod path.
 * @throws {INVALID_SCHEMA}
 */
export function parseSpec<S extends AnySchema>(schema: S, input: unknown): z.output<S> {
  const result = safeParse(schema, input);
  if (!result.success) throw invalidSchema(describeZodError(result.error));
  return result.data;
}

/**
 * Checks a parsed column and converts its default to the stored value.
 * @param path where the column sits in the request, for messages
 */
export function toColumnDef(spec: z.output<typeof ColumnSpecSchema>, path: (string | number)[]): ColumnDef {
  const def: ColumnDef = { name: spec.name, type: spec.type, nullable: spec.nullable };
  if (spec.default !== undefined) {
    if (spec.default === null) {
      if (!spec.nullable) fail([...path, "default"], "a non-nullable column cannot default to null");
      return def;
    }
    const parsed = safeParse(valueSchema(spec.type), spec.default);
    if (!parsed.success) {
      fail([...path, "default"], parsed.error.issues[0]?.message ?? "does not match the column type");
    }
    // A NUL would end the DDL's SQL text early (and ALTER TABLE cannot take an expression instead).
    if (typeof parsed.data === "string" && parsed.data.includes("\0")) {
      fail([...path, "default"], "a text default may not contain the NUL character");
    }
    // Bytes, not characters: a 100-column DDL must stay under DO SQLite's 100 KB statement cap.
    if (utf8Length(sqlLiteral(parsed.data)) > TABLE_LIMITS.maxDefaultBytes) {
      fail([...path, "default"], `default is longer than ${TABLE_LIMITS.maxDefaultBytes} bytes`);
    }
    def.default = parsed.data;
  }
  return def;
}

/** Checks a parsed index against the table's columns and existing indexes. */
export function toIndexDef(
  spec: z.output<typeof IndexSpecSchema>,
  columns: readonly ColumnDef[],
  existing: readonly IndexDef[],
  path: (string | number)[],
): IndexDef {
  spec.columns.forEach((c, i) => {
    if (!columns.some((col) => col.name === c)) fail([...path, "columns", i], `unknown column ${c}`);
    if (spec.columns.indexOf(c) !== i) fail([...path, "columns", i], `duplicate column ${c}`);
  });
  const name = spec.name ?? `idx_${spec.columns.join("_")}`.slice(0, 48);
  if (existing.some((ix) => ix.name === name)) fail([...path, "name"], `index ${name} already exists`);
  if (existing.length >= TABLE_LIMITS.maxIndexes) fail(path, `at most ${TABLE_LIMITS.maxIndexes} indexes per table`);
  return { name, columns: [...spec.columns], unique: spec.unique };
}

/**
 * Validates a `createTable` request as a whole.
 * @returns the definition to store (version 1)
 * @throws {INVALID_SCHEMA} with the path of the first problem
 */
export function toTableDef(input: unknown, now: number): TableDef {
  const spec = parseSpec(TableSpecSchema, input);
  const columns = spec.columns.map((c, i) => {
    if (spec.columns.findIndex((o) => o.name === c.name) !== i)
      fail(["columns", i, "name"], `duplicate column ${c.name}`);
    return toColumnDef(c, ["columns", i]);
  });
  const primaryKey = typeof spec.primaryKey === "string" ? [spec.primaryKey] : spec.primaryKey;
  primaryKey.forEach((k, i) => {
    const path = typeof spec.primaryKey === "string" ? ["primaryKey"] : ["primaryKey", i];
    const col = columns.find((c) => c.name === k);
    if (!col) fail(path, `primary key column ${k} is not a column`);
    if (!KEY_TYPES.has(col.type)) fail(path, `a ${col.type} column cannot be part of the primary key`);
    if (primaryKey.indexOf(k) !== i) fail(path, `duplicate primary key column ${k}`);
    // Key columns are never NULL: keyset paging and upserts rely on it.
    col.nullable = false;
  });
  const indexes: IndexDef[] = [];
  spec.indexes.forEach((ix, i) => {
    indexes.push(toIndexDef(ix, columns, indexes, ["indexes", i]));
  });
  return { name: spec.name, columns, primaryKey, indexes, version: 1, createdAt: now };
}
