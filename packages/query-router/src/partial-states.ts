/**
 * Partial aggregates across DOs. A target answers a query with mergeable states per group
 * (@durable/pre-agg's `states`: count and sum summed, avg as (sum, count), min/max skipping
 * empty states, HLL for distinct, KLL for quantiles), never final values; the coordinator
 * merges them by group key, finalizes, then orders and limits. A mean of means or a 0 for an
 * empty min can therefore never happen.
 * @module
 */

import type { Sql } from "@durable/core";
import { compilePredicate, type SqlBinding, type SqlValue } from "@durable/core";
import {
  type AnalyticsQuery,
  bucketStart,
  measureName,
  type QueryMeasure,
  type StateOps,
  stateOps,
} from "@durable/pre-agg";
import { storageTable, type Tables } from "@durable/tables";
import type { Column, Row } from "./answer.ts";
import { qrError } from "./errors.ts";
import { checkColumns } from "./query-input.ts";

/** A key value of a group: dimensions decoded, the time bucket as epoch ms. */
export type KeyValue = string | number | boolean | null;

/** One group of a partial answer. */
export interface PartialGroup {
  key: KeyValue[];
  /** One state per measure, as `StateOps.toBytes`. */
  states: Uint8Array[];
}

/** What one target answers. */
export interface PartialAnswer {
  groups: PartialGroup[];
  /** Per measure: whether its column is `integer` (exact sums), so every side merges alike. */
  integer: boolean[];
  rowsRead: number;
}

/** Rows read between deadline checks. */
const DEADLINE_CHECK_EVERY = 4_096;

/** The state operations of one query measure (stddev reads a variance state). */
export function opsOf(m: QueryMeasure, integer: boolean): StateOps<unknown> {
  const agg = m.agg === "stddev" ? "variance" : m.agg;
  return stateOps(agg, { integer });
}

/** The output columns of a query: dimensions, the time bucket, measures. */
export function columnsOf(q: AnalyticsQuery): Column[] {
  const cols: Column[] = (q.dimensions ?? []).map((name) => ({ name, role: "dimension" as const }));
  if (q.timeDimension?.grain) cols.push({ name: q.timeDimension.column, role: "time" });
  for (const m of q.measures) cols.push({ name: measureName(m), role: "measure", agg: m.agg });
  return cols;
}

/**
 * Computes a query's partial states over a catalog table of this DO: one SELECT of the needed
 * columns (identifiers from the catalog, `where` compiled with the table's resolver, values
 * bound), grouped in memory into states.
 * @param deadlineAt absolute deadline (epoch ms): past it the scan stops with DEADLINE_EXCEEDED
 * @throws {TABLE_NOT_FOUND} 404 · {UNKNOWN_FIELD} · {INVALID_PREDICATE} 400 · {DEADLINE_EXCEEDED} 503
 */
export function computePartial(
  tables: Tables,
  sql: Sql,
  q: AnalyticsQuery,
  o: { deadlineAt?: number; now?: () => number; maxGroups?: number } = {},
): PartialAnswer {
  const codec = tables.rows.codec(q.table);
  checkColumns(q, codec.columns);
  const now = o.now ?? Date.now;
  const maxGroups = o.maxGroups ?? 10_000;
  const dims = q.dimensions ?? [];
  const td = q.timeDimension;
  const typeOf = (c: string) => codec.column(c)?.type;
  const needed = [
    ...new Set([...dims, ...(td ? [td.column] : []), ...q.measures.flatMap((m) => (m.column ? [m.column] : []))]),
  ];
  const index = new Map(needed.map((c, i) => [c, i]));
  const { where, bindings } = liveWhere(q, codec);
  const select = needed.length === 0 ? "1" : needed.map((c) => codec.resolve(c).sql).join(", ");
  const text = `SELECT ${select} FROM ${storageTable(q.table)}${where}`;
  const integer = q.measures.map((m) => m.column !== undefined && typeOf(m.column) === "integer");
  const ops = q.measures.map((m, i) => opsOf(m, integer[i] as boolean));
  const groups = new Map<string, { key: KeyValue[]; states: unknown[] }>();
  const dimIdx = dims.map((d) => index.get(d) as number);
  const timeIdx = td?.grain ? (index.get(td.column) as number) : -1;
  const measureIdx = q.measures.map((m) => (m.column ? (index.get(m.column) as number) : -1));
  const zone = td?.timeZone ?? "UTC";
  let rowsRead = 0;
  for (const values of sql.exec(text, ...bindings).raw()) {
    if (++rowsRead % DEADLINE_CHECK_EVERY === 0 && o.deadlineAt !== undefined && now() > o.deadlineAt) {
      throw qrError("DEADLINE_EXCEEDED", `stopped after ${rowsRead} rows: the deadline passed`);
    }
    const key: KeyValue[] = dimIdx.map((i, d) => decodeKey(values[i] ?? null, typeOf(dims[d] as string)));
    if (timeIdx >= 0 && td?.grain) key.push(bucketStart(values[timeIdx] as number, td.grain, zone));
    const k = JSON.stringify(key);
    let g = groups.get(k);
    if (!g) {
      if (groups.size >= maxGroups) throw groupLimit(maxGroups);
      g = { key, states: ops.map((op) => op.init()) };
      groups.set(k, g);
    }
    for (let m = 0; m < ops.length; m++) {
      const mi = measureIdx[m] as number;
      const v = mi < 0 ? 1 : (values[mi] ?? null);
      g.states[m] = (ops[m] as StateOps<unknown>).add(g.states[m], stateInput(v));
    }
  }
  return {
    groups: [...groups.values()].map((g) => ({
      key: g.key,
      states: g.states.map((s, m) => (ops[m] as StateOps<unknown>).toBytes(s)),
    })),
    integer,
    rowsRead,
  };
}

function stateInput(v: SqlValue): number | string | null {
  if (v === null || typeof v === "number" || typeof v === "string") return v;
  return null;
}

function decodeKey(v: SqlValue, type: string | undefined): KeyValue {
  if (v === null) return null;
  if (type === "boolean") return v === 1;
  if (v instanceof ArrayBuffer) return null;
  return v;
}

function groupLimit(max: number) {
  return qrError("GROUP_LIMIT_EXCEEDED", `more than ${max} groups; narrow the query or add a filter`);
}

/**
 * Merges partial answers by group key and finalizes them into rows.
 * @throws {GROUP_LIMIT_EXCEEDED} 413 past `maxGroups` · {SOURCE_UNAVAILABLE} when states do not decode
 */
export function mergePartials(q: AnalyticsQuery, answers: readonly PartialAnswer[], maxGroups = 10_000): Row[] {
  const first = answers.find((a) => a.groups.length > 0) ?? answers[0];
  const integer = first?.integer ?? q.measures.map(() => false);
  const ops = q.measures.map((m, i) => opsOf(m, integer[i] === true));
  const merged = new Map<string, { key: KeyValue[]; states: unknown[] }>();
  for (const a of answers) {
    for (const g of a.groups) {
      const k = JSON.stringify(g.key);
      let states: unknown[];
      try {
        states = g.states.map((b, m) => (ops[m] as StateOps<unknown>).fromBytes(b));
      } catch (err) {
        throw qrError("SOURCE_UNAVAILABLE", `a target sent a state that does not decode: ${(err as Error).message}`);
      }
      const cur = merged.get(k);
      if (!cur) {
        if (merged.size >= maxGroups) throw groupLimit(maxGroups);
        merged.set(k, { key: g.key, states });
      } else {
        for (let m = 0; m < ops.length; m++)
          cur.states[m] = (ops[m] as StateOps<unknown>).merge(cur.states[m], states[m]);
      }
    }
  }
  return finalizeGroups(q, [...merged.values()], ops);
}

/** Rows of finalized groups (no groups and no dimensions: one row over nothing, like SQL). */
export function finalizeGroups(
  q: AnalyticsQuery,
  groups: { key: KeyValue[]; states: unknown[] }[],
  ops: StateOps<unknown>[],
): Row[] {
  const dims = q.dimensions ?? [];
  const td = q.timeDimension;
  const hasKey = dims.length > 0 || td?.grain !== undefined;
  const list = groups.length === 0 && !hasKey ? [{ key: [], states: ops.map((op) => op.init()) }] : groups;
  return list.map((g) => {
    const row: Row = {};
    dims.forEach((d, i) => {
      row[d] = g.key[i] ?? null;
    });
    if (td?.grain) row[td.column] = new Date(g.key[dims.length] as number).toISOString();
    q.measures.forEach((m, i) => {
      const op = ops[i] as StateOps<unknown>;
      const v = op.finalize(g.states[i], m.agg === "quantiles" ? (m.q ?? 0.5) : undefined);
      row[measureName(m)] = m.agg === "stddev" ? (v === null ? null : Math.sqrt(Number(v))) : v;
    });
    return row;
  });
}

/** Orders rows by `order` (then by every column, for a stable answer) and keeps `limit`. */
export function orderAndLimit(rows: Row[], q: AnalyticsQuery, defaultOrder: boolean): Row[] {
  const order = q.order ?? [];
  if (order.length > 0 || defaultOrder) {
    const cols = columnsOf(q).map((c) => c.name);
    const keys = [
      ...order.map((o) => ({ by: o.by, dir: o.dir ?? "asc" })),
      ...cols.map((by) => ({ by, dir: "asc" as const })),
    ];
    rows.sort((a, b) => {
      for (const { by, dir } of keys) {
        const c = compare(a[by], b[by]);
        if (c !== 0) return dir === "asc" ? c : -c;
      }
      return 0;
    });
  }
  return rows.slice(0, q.limit ?? rows.length);
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The WHERE clause of a live read, shared by the GROUP BY and the partial-state paths: `where`
 * compiled with the table's resolver (values bound) and the time column's half-open range.
 */
export function liveWhere(
  q: AnalyticsQuery,
  codec: ReturnType<Tables["rows"]["codec"]>,
): { where: string; bindings: SqlBinding[] } {
  const conditions: string[] = [];
  const bindings: SqlBinding[] = [];
  if (q.where) {
    const compiled = compilePredicate(q.where, { resolve: codec.resolve });
    conditions.push(`(${compiled.sql})`);
    bindings.push(...compiled.bindings);
  }
  const td = q.timeDimension;
  if (td?.range) {
    const r = codec.resolve(td.column);
    conditions.push(`${r.sql} >= ? AND ${r.sql} < ?`);
    bindings.push(r.bind(td.range.from), r.bind(td.range.to));
  }
  return { where: conditions.length ? ` WHERE ${conditions.join(" AND ")}` : "", bindings };
}
