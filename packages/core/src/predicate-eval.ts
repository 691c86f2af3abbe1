/**
 * Evaluates a {@link Predicate} on a row in memory, with the same semantics as the SQL that
 * `compilePredicate` makes (three-valued logic, case-sensitive `like`). For reference tests and
 * in-memory filters such as CDC row filters.
 * @module
 */
import type { ComparisonOp, Predicate, PredicateValue } from "./predicate.ts";
import type { SqlBinding } from "./sql.ts";

/** A JavaScript RegExp with the semantics of a `like` pattern (case-sensitive, whole string). */
export function likeToRegExp(pattern: string): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === "\\" && i + 1 < pattern.length) out += escapeRegExp(pattern[++i] as string);
    else if (ch === "%") out += "[\\s\\S]*";
    else if (ch === "_") out += "[\\s\\S]";
    else out += escapeRegExp(ch);
  }
  return new RegExp(`^${out}$`, "u");
}

/** Maps a UTF-16 code unit so that comparing mapped units orders strings by code point (UTF-8 order). */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000; // surrogates: above the whole BMP
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/** Compares two strings as SQLite's BINARY collation does (UTF-8 bytes), not by UTF-16 units. */
export function compareText(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) < codePointRank(y) ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/**
 * Whether a comparison holds, given the sign of `left` compared with `right`.
 * @param op the comparison
 * @param c negative, zero or positive, as a comparator returns
 */
export function comparisonHolds(op: ComparisonOp, c: number): boolean {
  switch (op) {
    case "=":
      return c === 0;
    case "!=":
      return c !== 0;
    case "<":
      return c < 0;
    case "<=":
      return c <= 0;
    case ">":
      return c > 0;
    default:
      return c >= 0;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/**
 * Evaluates a predicate on a row in memory with the same semantics as the SQL it compiles to
 * (for reference tests and in-memory filters such as CDC row filters).
 * @param predicate a validated predicate
 * @param get reads the stored value of a column of the row
 * @param bind converts a predicate value as the resolver would (e.g. booleans to 1/0)
 * @returns true, false, or null (SQL's unknown)
 */
export function evaluatePredicate(
  predicate: Predicate,
  get: (col: string) => SqlBinding,
  bind: (col: string, value: string | number | boolean) => SqlBinding = (_c, v) =>
    typeof v === "boolean" ? (v ? 1 : 0) : v,
): boolean | null {
  const cmp = (a: SqlBinding, b: SqlBinding): number | null => {
    if (a === null || b === null) return null;
    if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
    if (typeof a === "string" && typeof b === "string") return compareText(a, b);
    // SQLite orders numbers before text.
    if (typeof a === "number" && typeof b === "string") return -1;
    if (typeof a === "string" && typeof b === "number") return 1;
    return null;
  };
  const walk = (p: Predicate): boolean | null => {
    if ("and" in p) {
      let out: boolean | null = true;
      for (const c of p.and) {
        const v = walk(c);
        if (v === false) return false;
        if (v === null) out = null;
      }
      return out;
    }
    if ("or" in p) {
      let out: boolean | null = false;
      for (const c of p.or) {
        const v = walk(c);
        if (v === true) return true;
        if (v === null) out = null;
      }
      return out;
    }
    if ("not" in p) {
      const v = walk(p.not);
      return v === null ? null : !v;
    }
    const value = get(p.col);
    const b = (v: PredicateValue) => (v === null ? null : bind(p.col, v));
    switch (p.op) {
      case "isNull":
        return value === null;
      case "isNotNull":
        return value !== null;
      case "between": {
        const lo = cmp(value, b(p.low));
        const hi = cmp(value, b(p.high));
        return lo === null || hi === null ? null : lo >= 0 && hi <= 0;
      }
      case "in": {
        if (value === null) return null;
        return p.values.some((v) => cmp(value, b(v)) === 0);
      }
      case "like": {
        if (typeof value !== "string") return value === null ? null : false;
        const re = likeToRegExp(p.pattern);
        return re.test(value);
      }
      default: {
        const c = cmp(value, b(p.value));
        return c === null ? null : comparisonHolds(p.op, c);
      }
    }
  };
  return walk(predicate);
}
