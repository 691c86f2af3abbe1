/**
 * The fingerprint of an analytics query: a canonical JSON text (keys sorted; measures,
 * dimensions and `and`/`or` operands sorted; `in` lists sorted and de-duplicated; literals
 * converted by the table's column resolver, so an ISO date and its epoch ms are one query;
 * defaults filled in; routing options left out) and a key of tenant + a 64-bit hash of it.
 * A cache hit also compares the stored canonical text, so a collision never serves a wrong answer.
 * @module
 */
import type { Predicate, ResolvedColumn, SqlBinding } from "@durable/core";
import type { AnalyticsQuery } from "@durable/pre-agg";

/** The default `limit` of a routed query. */
export const DEFAULT_LIMIT = 1_000;

/** Canonical JSON: object keys sorted, `undefined` members dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "bigint") return JSON.stringify(`${value}n`);
    if (typeof value === "number" && !Number.isFinite(value)) return JSON.stringify(String(value));
    return JSON.stringify(value) ?? "null";
  }
  if (value instanceof Uint8Array)
    return JSON.stringify(`hex:${[...value].map((b) => b.toString(16).padStart(2, "0")).join("")}`);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
}

type Resolve = (col: string) => ResolvedColumn;

function bindValue(resolve: Resolve | undefined, col: string, v: unknown): unknown {
  if (v === null || resolve === undefined) return v;
  try {
    return normalize(resolve(col).bind(v as string | number | boolean));
  } catch {
    // An unconvertible literal stays as given: the query fails validation later, never silently.
    return v;
  }
}

function normalize(b: SqlBinding): unknown {
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  return b;
}

function canonicalPredicate(p: Predicate, resolve: Resolve | undefined): unknown {
  if ("and" in p || "or" in p) {
    const key = "and" in p ? "and" : "or";
    const children = ("and" in p ? p.and : (p as { or: Predicate[] }).or).map((c) => canonicalPredicate(c, resolve));
    const texts = [...new Set(children.map(canonicalJson))].sort();
    return { [key]: texts.map((t) => JSON.parse(t) as unknown) };
  }
  if ("not" in p) return { not: canonicalPredicate(p.not, resolve) };
  switch (p.op) {
    case "in": {
      const values = p.values.map((v) => bindValue(resolve, p.col, v));
      const unique = [...new Map(values.map((v) => [canonicalJson(v), v])).entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, v]) => v);
      return { col: p.col, op: "in", values: unique };
    }
    case "between":
      return { col: p.col, op: p.op, low: bindValue(resolve, p.col, p.low), high: bindValue(resolve, p.col, p.high) };
    case "like":
    case "isNull":
    case "isNotNull":
      return p;
    default:
      return { col: p.col, op: p.op, value: bindValue(resolve, p.col, p.value) };
  }
}

/** The query with defaults filled in and literals converted, as a plain object. */
export function canonicalQuery(q: AnalyticsQuery, resolve?: Resolve): unknown {
  const measures = q.measures.map((m) => canonicalJson(m)).sort();
  const td = q.timeDimension;
  return {
    table: q.table,
    measures: [...new Set(measures)].map((t) => JSON.parse(t) as unknown),
    dimensions: [...new Set(q.dimensions ?? [])].sort(),
    timeDimension: td
      ? {
          column: td.column,
          grain: td.grain,
          timeZone: td.timeZone ?? "UTC",
          range: td.range
            ? { from: bindValue(resolve, td.column, td.range.from), to: bindValue(resolve, td.column, td.range.to) }
            : undefined,
        }
      : undefined,
    where: q.where ? canonicalPredicate(q.where, resolve) : undefined,
    order: q.order ?? [],
    limit: q.limit ?? DEFAULT_LIMIT,
  };
}

/** 64 bits of hash as 16 hex digits (two independently mixed 32-bit lanes). */
export function hash64Hex(text: string): string {
  let h1 = 0xdeadbeef ^ text.length;
  let h2 = 0x41c6ce57 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0");
}

/**
 * The fingerprint of `q` for `tenant`.
 * @param resolve the table's column resolver (`tables.rows.codec(table).resolve`); without it
 *   literals are taken as given
 * @example fingerprint(q, "acme", codec.resolve).key // "acme:3f9a…"
 */
export function fingerprint(q: AnalyticsQuery, tenant: string, resolve?: Resolve): { key: string; canonical: string } {
  const canonical = canonicalJson(canonicalQuery(q, resolve));
  return { key: `${tenant}:${hash64Hex(canonical)}`, canonical };
}
