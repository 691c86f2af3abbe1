/**
 * The estimate request at the boundary: its zod schema, and its binding to the catalog, where
 * tables and columns are checked and every literal goes through the table's resolver, exactly
 * as tables' `scan` would convert it (booleans to 0/1, ISO timestamps to epoch ms).
 * @module
 */
import { PlatformError, type Predicate, parseOrThrow, parsePredicate, type ResolvedColumn } from "@durable/core";
import * as z from "zod/mini";
import { estimatorError } from "./errors.ts";

/** Most GROUP BY columns. */
export const MAX_GROUP_BY = 8;
/** Most joins (left-deep). */
export const MAX_JOINS = 4;

const Name = z.string().check(z.minLength(1), z.maxLength(128));
/** A column, `col` or `table.col`. */
const ColumnRef = z.string().check(z.minLength(1), z.maxLength(260));

/** A join of one more table, left-deep. */
export const JoinSchema = z.strictObject({
  table: Name,
  /** `[left, right]`: a column of an earlier table (`col` or `table.col`) and one of this table. */
  on: z.tuple([ColumnRef, Name]),
  where: z.optional(z.unknown()),
  kind: z.optional(z.enum(["inner", "left", "semi", "cross"])),
});

/** zod schema of an {@link EstimateRequest} (`where` is checked afterwards by core's `parsePredicate`). */
export const EstimateRequestSchema = z.strictObject({
  table: Name,
  where: z.optional(z.unknown()),
  groupBy: z.optional(z.array(ColumnRef).check(z.minLength(1), z.maxLength(MAX_GROUP_BY))),
  joins: z.optional(z.array(JoinSchema).check(z.maxLength(MAX_JOINS))),
});

/** What a caller asks: how many rows a filter, GROUP BY or join over its tables gives. */
export interface EstimateRequest {
  /** Catalog name. */
  table: string;
  where?: Predicate;
  groupBy?: string[];
  joins?: {
    table: string;
    on: [left: string, right: string];
    where?: Predicate;
    kind?: "inner" | "left" | "semi" | "cross";
  }[];
}

/** How the estimator sees a table's columns. */
export interface TableBinding {
  name: string;
  columns: ReadonlyMap<string, string>;
  resolve(col: string): ResolvedColumn;
}

/** A column reference of a bound request: which table of the request (0 = base) and column. */
export interface ColumnRef {
  table: number;
  column: string;
}

/** A request whose literals are stored values. */
export interface BoundRequest {
  tables: string[];
  wheres: (Predicate | undefined)[];
  groupBy: ColumnRef[];
  joins: { on: [ColumnRef, ColumnRef]; kind: "inner" | "left" | "semi" | "cross" }[];
}

/**
 * Validates the shape of an untrusted request.
 * @throws {INVALID_PREDICATE} 400 with the zod path (also GROUP BY over 8 columns, more than 4 joins)
 */
export function parseEstimateRequest(input: unknown): EstimateRequest {
  const r = parseOrThrow(EstimateRequestSchema, input, "INVALID_PREDICATE");
  return {
    table: r.table,
    ...(r.where === undefined ? {} : { where: parsePredicate(r.where) }),
    ...(r.groupBy ? { groupBy: r.groupBy } : {}),
    ...(r.joins
      ? {
          joins: r.joins.map((j) => ({
            table: j.table,
            on: j.on,
            ...(j.where === undefined ? {} : { where: parsePredicate(j.where) }),
            ...(j.kind ? { kind: j.kind } : {}),
          })),
        }
      : {}),
  };
}

function invalid(detail: string): PlatformError {
  return new PlatformError("INVALID_PREDICATE", detail, { status: 400 });
}

/**
 * Converts every literal of `p` to its stored value through the table's resolver.
 * @throws {INVALID_PREDICATE} unknown column, `null` with an operator, `like` on non-text, a wrongly typed literal
 */
export function bindPredicate(p: Predicate, table: TableBinding): Predicate {
  if ("and" in p) return { and: p.and.map((c) => bindPredicate(c, table)) };
  if ("or" in p) return { or: p.or.map((c) => bindPredicate(c, table)) };
  if ("not" in p) return { not: bindPredicate(p.not, table) };
  const col = table.resolve(p.col);
  const bind = (v: string | number | boolean | null) => {
    if (v === null) throw invalid(`${p.col}: compare with null through isNull or isNotNull`);
    const b = col.bind(v);
    if (typeof b !== "number" && typeof b !== "string") throw invalid(`${p.col}: cannot compare this value`);
    return b;
  };
  switch (p.op) {
    case "isNull":
    case "isNotNull":
      return p;
    case "like":
      if (!col.text) throw invalid(`${p.col}: like applies to text columns only`);
      return p;
    case "between":
      return { col: p.col, op: "between", low: bind(p.low), high: bind(p.high) };
    case "in":
      return { col: p.col, op: "in", values: p.values.map(bind) };
    default:
      return { col: p.col, op: p.op, value: bind(p.value) };
  }
}

/**
 * Binds a parsed request to the catalog.
 * @param lookup the binding of a catalog table; throws TABLE_NOT_FOUND (404) for an unknown one
 * @throws {TABLE_NOT_FOUND} 404 · {UNKNOWN_COLUMN} 400 with the path · {INVALID_PREDICATE} 400
 */
export function bindRequest(r: EstimateRequest, lookup: (table: string) => TableBinding): BoundRequest {
  const bindings = [lookup(r.table), ...(r.joins ?? []).map((j) => lookup(j.table))];
  const wheres = [r.where, ...(r.joins ?? []).map((j) => j.where)].map((w, i) =>
    w === undefined ? undefined : bindPredicate(w, bindings[i] as TableBinding),
  );
  const refer = (text: string, upTo: number, path: string): ColumnRef => {
    const dot = text.indexOf(".");
    if (dot > 0) {
      const tableName = text.slice(0, dot);
      const column = text.slice(dot + 1);
      for (let t = 0; t <= upTo; t++) {
        const b = bindings[t] as TableBinding;
        if (b.name === tableName && b.columns.has(column)) return { table: t, column };
      }
    } else {
      for (let t = 0; t <= upTo; t++)
        if ((bindings[t] as TableBinding).columns.has(text)) return { table: t, column: text };
    }
    throw estimatorError("UNKNOWN_COLUMN", `${path}: unknown column ${text}`);
  };
  const joins = (r.joins ?? []).map((j, i) => {
    const right = bindings[i + 1] as TableBinding;
    if (!right.columns.has(j.on[1]))
      throw estimatorError("UNKNOWN_COLUMN", `joins[${i}].on[1]: unknown column ${j.on[1]}`);
    const on: [ColumnRef, ColumnRef] = [refer(j.on[0], i, `joins[${i}].on[0]`), { table: i + 1, column: j.on[1] }];
    return { on, kind: j.kind ?? "inner" };
  });
  const groupBy = (r.groupBy ?? []).map((g, i) => refer(g, bindings.length - 1, `groupBy[${i}]`));
  return { tables: bindings.map((b) => b.name), wheres, groupBy, joins };
}

/** The canonical form of a bound request: `and`/`or` operands and `in` lists sorted. */
export function canonicalRequest(b: BoundRequest): string {
  const canon = (p: Predicate): unknown => {
    if ("and" in p) return { and: p.and.map((c) => JSON.stringify(canon(c))).sort() };
    if ("or" in p) return { or: p.or.map((c) => JSON.stringify(canon(c))).sort() };
    if ("not" in p) return { not: canon(p.not) };
    if (p.op === "in") {
      const values = [...new Set(p.values)].sort((x, y) => (String(typeof x) + x < String(typeof y) + y ? -1 : 1));
      return { ...p, values };
    }
    return p;
  };
  return JSON.stringify({ ...b, wheres: b.wheres.map((w) => (w ? canon(w) : null)) });
}
