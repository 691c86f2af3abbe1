/**
 * Metadata filters in Vectorize's syntax (not core's `Predicate`): `{ field: value }` is `$eq`;
 * `$eq $ne $in $nin $lt $lte $gt $gte`; keys ANDed; `a.b` names a nested field; only declared
 * properties; strings compare on their first 64 bytes in byte order; a stored value of another
 * type never matches (also under `$ne`/`$nin`); `null` only with `$eq` (field absent) and `$ne`
 * (field present). Parsed once into clauses that both the JS evaluator (the Vectorize fake) and
 * the SQL compiler (the local backend, applied during the scan) read.
 * @module
 */
import type { MetadataIndex } from "./config.ts";
import { vectorError } from "./errors.ts";
import { VECTOR_LIMITS as L } from "./limits.ts";
import type { FilterScalar, Metadata } from "./types.ts";
import { compareUtf8, truncateUtf8, utf8Length } from "./utf8.ts";

/** A comparison operator. */
export type FilterOp = "$eq" | "$ne" | "$lt" | "$lte" | "$gt" | "$gte" | "$in" | "$nin";
const OPS = new Set<string>(["$eq", "$ne", "$lt", "$lte", "$gt", "$gte", "$in", "$nin"]);

/** One parsed condition on one property. */
export interface FilterClause {
  property: string;
  op: FilterOp;
  /** A scalar, null (`$eq`/`$ne` only), or the list of `$in`/`$nin`. Strings already cut to 64 bytes. */
  value: FilterScalar | null | FilterScalar[];
}

const bad = (detail: string) => vectorError("INVALID_FILTER", detail);

function scalar(v: unknown, where: string, allowNull: boolean): FilterScalar | null {
  if (v === null && allowNull) return null;
  if (typeof v === "string") return truncateUtf8(v, L.indexedStringBytes);
  if (typeof v === "boolean") return v;
  if (typeof v === "number" && Number.isFinite(v)) return v;
  throw bad(`${where}: a value is a string, a finite number or a boolean${allowNull ? " (or null)" : ""}`);
}

/**
 * Parses and checks a filter against the declared properties.
 * @returns the clauses (empty for no filter)
 * @throws {INVALID_FILTER} 400 for a bad shape · {FILTER_NOT_INDEXED} 400 for an undeclared property
 */
export function parseFilter(filter: unknown, declared: readonly MetadataIndex[]): FilterClause[] {
  if (filter === undefined || filter === null) return [];
  if (typeof filter !== "object" || Array.isArray(filter)) throw bad("filter must be an object");
  const bytes = utf8Length(JSON.stringify(filter));
  if (bytes >= L.maxFilterBytes) throw bad(`filter is ${bytes} bytes as compact JSON; it must be under 2048`);
  const names = new Set(declared.map((d) => d.property));
  const clauses: FilterClause[] = [];
  for (const [key, raw] of Object.entries(filter as Record<string, unknown>)) {
    if (key.length === 0 || key.length > L.maxFilterKeyChars || key.includes('"') || key.startsWith("$")) {
      throw bad(`filter key ${JSON.stringify(key)}: 1–512 characters, no '"', no leading '$'`);
    }
    if (raw === null || typeof raw !== "object") {
      clauses.push({ property: key, op: "$eq", value: scalar(raw, key, true) });
    } else if (Array.isArray(raw)) {
      throw bad(`${key}: use { $in: [...] } for a list`);
    } else {
      const ops = Object.entries(raw as Record<string, unknown>);
      if (ops.length === 0) throw bad(`${key}: an operator object needs at least one operator`);
      for (const [op, v] of ops) {
        if (!OPS.has(op)) throw bad(`${key}: unknown operator ${op}`);
        const where = `${key}.${op}`;
        if (op === "$in" || op === "$nin") {
          if (!Array.isArray(v) || v.length === 0) throw bad(`${where}: a non-empty array`);
          clauses.push({
            property: key,
            op,
            value: v.map((x, i) => scalar(x, `${where}[${i}]`, false) as FilterScalar),
          });
        } else {
          clauses.push({ property: key, op: op as FilterOp, value: scalar(v, where, op === "$eq" || op === "$ne") });
        }
      }
    }
    if (!names.has(key)) {
      throw vectorError("FILTER_NOT_INDEXED", `filter property ${key} has no metadata index on this index`);
    }
  }
  return clauses;
}

function compareSame(a: FilterScalar, b: FilterScalar): number {
  if (typeof a === "string") return compareUtf8(a, b as string);
  const x = Number(a);
  const y = Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Whether a vector's indexed metadata (declared properties, strings cut) passes every clause.
 * @param indexed the projection `indexedMetadata` made at write time
 */
export function matchesFilter(clauses: readonly FilterClause[], indexed: Metadata | null): boolean {
  for (const c of clauses) {
    const stored = indexed?.[c.property] as FilterScalar | undefined;
    if (!clauseHolds(c, stored)) return false;
  }
  return true;
}

function clauseHolds(c: FilterClause, stored: FilterScalar | undefined): boolean {
  const v = c.value;
  if (v === null) return c.op === "$eq" ? stored === undefined : stored !== undefined;
  if (stored === undefined) return false;
  if (Array.isArray(v)) {
    const same = v.filter((x) => typeof x === typeof stored);
    if (same.length === 0) return false;
    const found = same.some((x) => compareSame(stored, x) === 0);
    return c.op === "$in" ? found : !found;
  }
  if (typeof v !== typeof stored) return false;
  const cmp = compareSame(stored, v);
  switch (c.op) {
    case "$eq":
      return cmp === 0;
    case "$ne":
      return cmp !== 0;
    case "$lt":
      return cmp < 0;
    case "$lte":
      return cmp <= 0;
    case "$gt":
      return cmp > 0;
    default:
      return cmp >= 0;
  }
}

/** A filter compiled to a SQL condition over the `indexed` JSON column. */
export interface CompiledFilter {
  /** `1` when there is no filter. */
  sql: string;
  bindings: (string | number)[];
}

const SQL_OP: Record<string, string> = { $eq: "=", $ne: "!=", $lt: "<", $lte: "<=", $gt: ">", $gte: ">=" };
const TYPE_GUARD: Record<string, string> = {
  string: "IN ('text')",
  number: "IN ('integer','real')",
  boolean: "IN ('true','false')",
};

/**
 * Compiles clauses to SQL over column `col` (JSON keyed by property), with the same meaning as
 * {@link matchesFilter}. Values are bound (`$in` lists as one JSON array each, read with
 * `json_each`); property names are declared ones, quoted as JSON path labels.
 */
export function compileFilter(clauses: readonly FilterClause[], col = "indexed"): CompiledFilter {
  if (clauses.length === 0) return { sql: "1", bindings: [] };
  const bindings: (string | number)[] = [];
  const parts = clauses.map((c) => {
    const path = `'$."${c.property.replaceAll("'", "''")}"'`;
    const type = `json_type(${col}, ${path})`;
    const val = `json_extract(${col}, ${path})`;
    const v = c.value;
    if (v === null) return c.op === "$eq" ? `${type} IS NULL` : `${type} IS NOT NULL`;
    if (Array.isArray(v)) {
      const groups = (["string", "number", "boolean"] as const)
        .map((t) => ({
          t,
          items: v.filter((x) => typeof x === t).map((x) => (typeof x === "boolean" ? Number(x) : x)),
        }))
        .filter((g) => g.items.length > 0);
      const alts = groups.map((g) => {
        bindings.push(JSON.stringify(g.items));
        const inList = `${val} ${c.op === "$in" ? "IN" : "NOT IN"} (SELECT value FROM json_each(?))`;
        return `(${type} ${TYPE_GUARD[g.t]} AND ${inList})`;
      });
      return `(${alts.join(" OR ")})`;
    }
    bindings.push(typeof v === "boolean" ? Number(v) : v);
    return `(${type} ${TYPE_GUARD[typeof v]} AND ${val} ${SQL_OP[c.op]} ?)`;
  });
  return { sql: parts.join(" AND "), bindings };
}
