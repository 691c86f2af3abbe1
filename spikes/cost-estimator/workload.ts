/**
 * The workload generator: predicates, GROUP BYs and joins over any catalog table, drawn from the
 * table's own rows and distinct values with a fixed seed (nothing here knows the spike's tables:
 * it reads their definitions), each with its exact truth.
 * @module
 */
import { compilePredicate, type Predicate, type Sql, type SqlValue } from "@durable/core";
import type { EstimateRequest } from "@durable/cost-estimator";
import { storageTable, type Tables } from "@durable/tables";
import type { Rng } from "../lib/rng.ts";

/** One query of the workload with its class and exact answer. */
export interface Query {
  cls: string;
  request: EstimateRequest;
  truth: number;
}

interface Column {
  name: string;
  type: string;
  nullable: boolean;
  distinct: SqlValue[];
}

/** What the generator knows of one table. */
export class TableProfile {
  readonly name: string;
  readonly columns: Column[];
  readonly #sql: Sql;
  readonly #maxRowid: number;

  constructor(sql: Sql, tables: Tables, name: string, primaryKey: string) {
    this.name = name;
    this.#sql = sql;
    const from = storageTable(name);
    this.#maxRowid = sql.exec<{ m: number }>(`SELECT max(rowid) AS m FROM ${from}`).one().m;
    this.columns = tables
      .describeTable(name)
      .columns.filter((c) => c.name !== primaryKey)
      .map((c) => ({
        name: c.name,
        type: c.type,
        nullable: c.nullable,
        distinct: sql
          .exec(`SELECT DISTINCT "${c.name}" AS v FROM ${from} WHERE "${c.name}" IS NOT NULL LIMIT 200000`)
          .toArray()
          .map((r) => r.v ?? null),
      }));
  }

  /** A random row (uniform over rowids). */
  row(rng: Rng): Record<string, SqlValue> {
    for (;;) {
      const r = this.#sql
        .exec(`SELECT * FROM ${storageTable(this.name)} WHERE rowid = ?`, 1 + rng.int(this.#maxRowid))
        .toArray()[0];
      if (r) return r;
    }
  }
}

const isText = (c: Column) => c.type === "text";
const isNumeric = (c: Column) => c.type === "integer" || c.type === "real" || c.type === "timestamp";

/** A literal for `col` that the column does not hold. */
function absent(col: Column, rng: Rng): string | number {
  if (isText(col)) return `${String(rng.pick(col.distinct))}~${rng.int(1000)}`;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of col.distinct) if (typeof v === "number" && v > max) max = v;
  return max + 1 + rng.int(1000);
}

/** One leaf of class `cls` over a random column that supports it, or undefined. */
export function leaf(p: TableProfile, cls: string, rng: Rng): Predicate | undefined {
  const candidates = p.columns.filter((c) =>
    cls === "like"
      ? isText(c)
      : cls === "range" || cls === "between"
        ? isNumeric(c)
        : cls === "null"
          ? true
          : !c.type.startsWith("json"),
  );
  if (candidates.length === 0) return undefined;
  const col = rng.pick(candidates);
  const rowValue = () => p.row(rng)[col.name] ?? (col.distinct[0] as string | number);
  switch (cls) {
    case "eq_mcv":
      return { col: col.name, op: "=", value: rowValue() as string | number };
    case "eq_tail":
      return { col: col.name, op: "=", value: rng.pick(col.distinct) as string | number };
    case "eq_absent":
      return { col: col.name, op: "=", value: absent(col, rng) };
    case "in": {
      const k = 2 + rng.int(19);
      return {
        col: col.name,
        op: "in",
        values: Array.from(
          { length: k },
          () => (rng.next() < 0.5 ? rowValue() : rng.pick(col.distinct)) as string | number,
        ),
      };
    }
    case "range":
      return { col: col.name, op: rng.pick(["<", "<=", ">", ">="] as const), value: rowValue() as number };
    case "between": {
      const a = rowValue() as number;
      const b = rowValue() as number;
      return { col: col.name, op: "between", low: Math.min(a, b), high: Math.max(a, b) };
    }
    case "like": {
      const v = String(rowValue());
      return { col: col.name, op: "like", pattern: `${v.slice(0, 1 + rng.int(2))}%` };
    }
    case "null":
      return { col: col.name, op: rng.next() < 0.5 ? "isNull" : "isNotNull" };
    default:
      return undefined;
  }
}

const LEAF_CLASSES = ["eq_mcv", "eq_tail", "eq_absent", "in", "range", "between", "like", "null"];

/** A conjunction of 2–3 leaves drawn from one row (so it is non-empty and correlated). */
function rowAnd(p: TableProfile, n: number, rng: Rng): Predicate {
  const row = p.row(rng);
  const cols = [...p.columns].sort(() => rng.next() - 0.5).slice(0, n);
  return {
    and: cols.map((c): Predicate => {
      const v = row[c.name];
      if (v === null || v === undefined) return { col: c.name, op: "isNull" };
      if (isNumeric(c) && typeof v === "number" && rng.next() < 0.6) {
        const w = Math.abs(v) * (0.05 + 0.3 * rng.next()) + 1;
        return { col: c.name, op: "between", low: Math.floor(v - w), high: Math.ceil(v + w) };
      }
      return { col: c.name, op: "=", value: v as string | number };
    }),
  };
}

function compiled(tables: Tables, table: string, where: Predicate | undefined) {
  return where ? compilePredicate(where, { resolve: tables.rows.codec(table).resolve }) : undefined;
}

/** Exact number of groups of `columns` after `where`. */
export function groupTruth(sql: Sql, tables: Tables, table: string, columns: string[], where?: Predicate): number {
  const w = compiled(tables, table, where);
  return sql
    .exec<{ n: number }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM ${storageTable(table)}${w ? ` WHERE ${w.sql}` : ""} GROUP BY ${columns.map((c) => `"${c}"`).join(", ")})`,
      ...(w?.bindings ?? []),
    )
    .one().n;
}

function keyCounts(sql: Sql, tables: Tables, table: string, col: string, where?: Predicate): Map<SqlValue, number> {
  const w = compiled(tables, table, where);
  const out = new Map<SqlValue, number>();
  const rows = sql.exec<{ k: SqlValue; n: number }>(
    `SELECT "${col}" AS k, count(*) AS n FROM ${storageTable(table)}${w ? ` WHERE ${w.sql}` : ""} GROUP BY "${col}"`,
    ...(w?.bindings ?? []),
  );
  for (const r of rows) out.set(r.k, r.n);
  return out;
}

/** Exact size of a two-table equi-join, by per-key count products. */
export function joinTruth(sql: Sql, tables: Tables, r: EstimateRequest): number {
  const j = r.joins?.[0];
  if (!j) throw new Error("not a join");
  const left = keyCounts(sql, tables, r.table, j.on[0], r.where);
  const right = keyCounts(sql, tables, j.table, j.on[1], j.where);
  let total = 0;
  for (const [k, n] of left) {
    const m = k === null ? 0 : (right.get(k) ?? 0);
    if (j.kind === "semi") total += m > 0 ? n : 0;
    else if (j.kind === "left") total += n * Math.max(m, 1);
    else total += n * m;
  }
  return total;
}

/** The workload: `size` queries over `profiles`, plus `joins` join queries over `joinSpecs`. */
export function makeWorkload(
  sql: Sql,
  tables: Tables,
  profiles: TableProfile[],
  joinSpecs: { left: TableProfile; right: TableProfile; on: [string, string] }[],
  size: number,
  joins: number,
  rng: Rng,
): Query[] {
  const out: Query[] = [];
  const count = (table: string, where: Predicate) => tables.count(table, where);
  while (out.length < size) {
    const p = rng.pick(profiles);
    const roll = rng.next();
    if (roll < 0.55) {
      const cls = rng.pick(LEAF_CLASSES);
      const where = leaf(p, cls, rng);
      if (where) out.push({ cls, request: { table: p.name, where }, truth: count(p.name, where) });
    } else if (roll < 0.65) {
      const inner = leaf(p, rng.pick(LEAF_CLASSES), rng);
      if (inner)
        out.push({
          cls: "not",
          request: { table: p.name, where: { not: inner } },
          truth: count(p.name, { not: inner }),
        });
    } else if (roll < 0.73) {
      const a = leaf(p, rng.pick(LEAF_CLASSES), rng);
      const b = leaf(p, rng.pick(LEAF_CLASSES), rng);
      if (a && b)
        out.push({
          cls: "or",
          request: { table: p.name, where: { or: [a, b] } },
          truth: count(p.name, { or: [a, b] }),
        });
    } else if (roll < 0.87) {
      const n = 2 + rng.int(2);
      const where = rowAnd(p, n, rng);
      out.push({ cls: `and${n}`, request: { table: p.name, where }, truth: count(p.name, where) });
    } else {
      const k = 1 + rng.int(2);
      const cols = [...p.columns]
        .sort(() => rng.next() - 0.5)
        .slice(0, k)
        .map((c) => c.name);
      const where = rng.next() < 0.5 ? leaf(p, rng.pick(["eq_mcv", "range", "between", "in"]), rng) : undefined;
      out.push({
        cls: `groupby${k}${where ? "_filtered" : ""}`,
        request: { table: p.name, groupBy: cols, ...(where ? { where } : {}) },
        truth: groupTruth(sql, tables, p.name, cols, where),
      });
    }
  }
  for (let i = 0; i < joins; i++) {
    const spec = joinSpecs[i % joinSpecs.length] as (typeof joinSpecs)[number];
    const lw = rng.next() < 0.5 ? leaf(spec.left, rng.pick(["eq_mcv", "range", "between", "in"]), rng) : undefined;
    const rw = rng.next() < 0.4 ? leaf(spec.right, rng.pick(["eq_mcv", "range", "in"]), rng) : undefined;
    const kind = rng.next() < 0.8 ? "inner" : rng.next() < 0.5 ? "semi" : "left";
    const request: EstimateRequest = {
      table: spec.left.name,
      ...(lw ? { where: lw } : {}),
      joins: [{ table: spec.right.name, on: spec.on, kind, ...(rw ? { where: rw } : {}) }],
    };
    out.push({ cls: `join_${kind}`, request, truth: joinTruth(sql, tables, request) });
  }
  return out;
}
