/**
 * The JSON predicate language shared by every reader of user data (tables' scan and count,
 * the cost estimator, pre-agg filters, CDC row filters): its type, its zod schema, its
 * limits, and its compilation to a SQL boolean expression with every value bound.
 *
 * The compiler knows nothing about how a caller stores its columns: a resolver maps each
 * column name to a SQL expression and converts each value to a binding.
 * @module
 */
import * as z from "zod/mini";
import { PlatformError } from "./errors.ts";
import { SQL_LIMITS, type SqlBinding } from "./sql.ts";
import { describeZodError, safeParse } from "./validation.ts";

/** A value a predicate compares against. */
export type PredicateValue = string | number | boolean | null;

/** The comparison operators. */
export type ComparisonOp = "=" | "!=" | "<" | "<=" | ">" | ">=";

/** A JSON predicate over the columns of one table. */
export type Predicate =
  | { col: string; op: ComparisonOp; value: PredicateValue }
  | { col: string; op: "between"; low: PredicateValue; high: PredicateValue }
  | { col: string; op: "in"; values: PredicateValue[] }
  | { col: string; op: "like"; pattern: string }
  | { col: string; op: "isNull" | "isNotNull" }
  | { and: Predicate[] }
  | { or: Predicate[] }
  | { not: Predicate };

/** Limits of a predicate (issue 5): nesting depth, leaf count, `in` list length. */
export const PREDICATE_LIMITS = {
  maxDepth: 16,
  maxLeaves: 64,
  maxInValues: 1000,
  /** Longest `like` pattern, in characters. */
  maxPatternLength: 1000,
} as const;

const ValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const ColSchema = z.string().check(z.minLength(1), z.maxLength(128));

/** The zod schema of one leaf of a {@link Predicate}, discriminated by `op`. */
export const PredicateLeafSchema = z.discriminatedUnion("op", [
  z.strictObject({ col: ColSchema, op: z.enum(["=", "!=", "<", "<=", ">", ">="]), value: ValueSchema }),
  z.strictObject({ col: ColSchema, op: z.literal("between"), low: ValueSchema, high: ValueSchema }),
  z.strictObject({
    col: ColSchema,
    op: z.literal("in"),
    values: z.array(ValueSchema).check(z.minLength(1), z.maxLength(PREDICATE_LIMITS.maxInValues)),
  }),
  z.strictObject({
    col: ColSchema,
    op: z.literal("like"),
    pattern: z.string().check(z.maxLength(PREDICATE_LIMITS.maxPatternLength)),
  }),
  z.strictObject({ col: ColSchema, op: z.enum(["isNull", "isNotNull"]) }),
]);

/** The zod schema of a {@link Predicate} (shape only; limits are checked by {@link parsePredicate}). */
export const PredicateSchema: z.ZodMiniType<Predicate> = z.lazy(() =>
  z.union([
    PredicateLeafSchema,
    z.strictObject({ and: z.array(PredicateSchema).check(z.minLength(1)) }),
    z.strictObject({ or: z.array(PredicateSchema).check(z.minLength(1)) }),
    z.strictObject({ not: PredicateSchema }),
  ]),
) as z.ZodMiniType<Predicate>;

const AndSchema = z.strictObject({ and: z.array(z.unknown()).check(z.minLength(1)) });
const OrSchema = z.strictObject({ or: z.array(z.unknown()).check(z.minLength(1)) });
const NotSchema = z.strictObject({ not: z.unknown() });

/** Validates node by node, so that an error names the exact path (`where.and[2].value`). */
function validateNode(value: unknown, path: string): Predicate {
  const check = <T>(schema: z.ZodMiniType<T>): T => {
    const result = safeParse(schema, value);
    if (!result.success) throw invalid(describeZodError(result.error, path));
    return result.data;
  };
  if (value && typeof value === "object" && !Array.isArray(value)) {
    if ("and" in value) {
      return { and: check(AndSchema).and.map((c, i) => validateNode(c, `${path}.and[${i}]`)) };
    }
    if ("or" in value) {
      return { or: check(OrSchema).or.map((c, i) => validateNode(c, `${path}.or[${i}]`)) };
    }
    if ("not" in value) return { not: validateNode(check(NotSchema).not, `${path}.not`) };
  }
  return check(PredicateLeafSchema) as Predicate;
}

function invalid(detail: string): PlatformError {
  return new PlatformError("INVALID_PREDICATE", detail, { status: 400 });
}

/** Depth and leaf count of a predicate, without recursion limits of its own. */
export function predicateStats(predicate: Predicate): { depth: number; leaves: number } {
  let leaves = 0;
  let depth = 0;
  const stack: [Predicate, number][] = [[predicate, 1]];
  while (stack.length > 0) {
    const [node, d] = stack.pop() as [Predicate, number];
    depth = Math.max(depth, d);
    if ("and" in node) for (const child of node.and) stack.push([child, d + 1]);
    else if ("or" in node) for (const child of node.or) stack.push([child, d + 1]);
    else if ("not" in node) stack.push([node.not, d + 1]);
    else leaves++;
  }
  return { depth, leaves };
}

function depthOfRaw(value: unknown, limit: number): number {
  // Checked before zod so that a hostile, very deep JSON cannot exhaust the stack in z.lazy.
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, d] = stack.pop() as [unknown, number];
    max = Math.max(max, d);
    if (max > limit) return max;
    if (node && typeof node === "object" && !Array.isArray(node)) {
      const o = node as Record<string, unknown>;
      for (const key of ["and", "or"]) {
        const list = o[key];
        if (Array.isArray(list)) for (const child of list) stack.push([child, d + 1]);
      }
      if ("not" in o) stack.push([o.not, d + 1]);
    }
  }
  return max;
}

/**
 * Validates untrusted input as a {@link Predicate} within {@link PREDICATE_LIMITS}.
 * @param input parsed JSON, or a JSON string (as in a `?where=` query parameter)
 * @returns the predicate
 * @throws {INVALID_PREDICATE} 400 for bad JSON, a bad shape (with the zod path) or a limit
 */
export function parsePredicate(input: unknown): Predicate {
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch {
      throw invalid("where is not valid JSON");
    }
  }
  if (depthOfRaw(value, PREDICATE_LIMITS.maxDepth) > PREDICATE_LIMITS.maxDepth) {
    throw invalid(`predicate is nested deeper than ${PREDICATE_LIMITS.maxDepth}`);
  }
  const predicate = validateNode(value, "where");
  const { leaves } = predicateStats(predicate);
  if (leaves > PREDICATE_LIMITS.maxLeaves) {
    throw invalid(`predicate has ${leaves} leaves; at most ${PREDICATE_LIMITS.maxLeaves}`);
  }
  return predicate;
}

/** How the compiler sees one column. */
export interface ResolvedColumn {
  /** A SQL expression for the column, already quoted (e.g. `"price"`). */
  sql: string;
  /** Whether the column holds text (`like` is allowed only on text). */
  text: boolean;
  /**
   * Converts a predicate value to the binding stored in this column (e.g. an ISO timestamp to
   * epoch ms, `true` to 1). Throws a {@link PlatformError} for a value of the wrong type.
   */
  bind(value: string | number | boolean): SqlBinding;
}

/** Options of {@link compilePredicate}. */
export interface CompileOptions {
  /** Maps a column name to its SQL; throws (e.g. INVALID_PREDICATE) for an unknown column. */
  resolve(col: string): ResolvedColumn;
  /**
   * Most bound parameters the predicate may use (default 64), leaving room under DO SQLite's
   * 100 for the caller's own (cursor, limit). Above it, every leaf uses at most one binding
   * (`between` packs both bounds into a JSON pair, `like` drops its index range and keeps only
   * GLOB), so any valid predicate (≤ 64 leaves) fits.
   */
  maxBindings?: number;
}

/** A compiled predicate: a SQL boolean expression and its bindings, in order. */
export interface CompiledPredicate {
  sql: string;
  bindings: SqlBinding[];
}

const COMPARISON_SQL: Record<ComparisonOp, string> = {
  "=": "=",
  "!=": "!=",
  "<": "<",
  "<=": "<=",
  ">": ">",
  ">=": ">=",
};

/** Splits a `like` pattern (`%` any run, `_` one char, `\` escapes) into a literal prefix and the rest. */
export function likePrefix(pattern: string): { prefix: string; exactPrefix: boolean } {
  let prefix = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === "\\" && i + 1 < pattern.length) {
      prefix += pattern[++i];
    } else if (ch === "%") {
      // `abc%` (nothing after the first wildcard) is a pure prefix match: a range on the index.
      return { prefix, exactPrefix: i === pattern.length - 1 };
    } else if (ch === "_") {
      return { prefix, exactPrefix: false };
    } else {
      prefix += ch;
    }
  }
  return { prefix, exactPrefix: false };
}

/** Translates a `like` pattern to a case-sensitive SQLite GLOB pattern. */
export function likeToGlob(pattern: string): string {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === "\\" && i + 1 < pattern.length) {
      const next = pattern[++i] as string;
      out += next === "*" || next === "?" || next === "[" ? `[${next}]` : next;
    } else if (ch === "%") out += "*";
    else if (ch === "_") out += "?";
    else if (ch === "*" || ch === "?" || ch === "[") out += `[${ch}]`;
    else out += ch;
  }
  return out;
}

/**
 * The smallest string greater than every string starting with `prefix` (last code unit plus
 * one), or null when the last code unit cannot be incremented safely (a surrogate or U+FFFF).
 */
function prefixUpperBound(prefix: string): string | null {
  const code = prefix.charCodeAt(prefix.length - 1);
  if (Number.isNaN(code) || code >= 0xffff || (code >= 0xd800 && code <= 0xdfff)) return null;
  return prefix.slice(0, -1) + String.fromCharCode(code + 1);
}

function countBindings(p: Predicate): number {
  if ("and" in p) return p.and.reduce((n, c) => n + countBindings(c), 0);
  if ("or" in p) return p.or.reduce((n, c) => n + countBindings(c), 0);
  if ("not" in p) return countBindings(p.not);
  switch (p.op) {
    case "between":
      return 2;
    case "isNull":
    case "isNotNull":
      return 0;
    case "like":
      return 3;
    default:
      return 1;
  }
}

/**
 * Compiles a predicate to SQL. Every value is bound, never spliced into the text. Semantics:
 * SQL's (a comparison with NULL is never true; use `isNull`), `like` is case-sensitive with
 * `%`, `_` and `\` escapes, and a prefix pattern (`abc%`) becomes an index range.
 * @param predicate a validated predicate (see {@link parsePredicate})
 * @param options the column resolver and binding budget
 * @returns the SQL expression and its bindings
 * @throws {INVALID_PREDICATE} 400 for a `null` compared with an operator, `like` on a non-text
 *   column, or whatever the resolver throws for an unknown column or a wrongly typed value
 * @example
 * const where = compilePredicate({ col: "delay", op: ">", value: 60 }, { resolve });
 * sql.exec(`SELECT * FROM t_flights WHERE ${where.sql}`, ...where.bindings);
 */
export function compilePredicate(predicate: Predicate, options: CompileOptions): CompiledPredicate {
  const budget = options.maxBindings ?? 64;
  const pack = countBindings(predicate) > budget;
  const bindings: SqlBinding[] = [];
  const bindValue = (col: ResolvedColumn, name: string, value: PredicateValue): SqlBinding => {
    if (value === null) throw invalid(`${name}: compare with null through isNull or isNotNull`);
    return col.bind(value);
  };
  const walk = (p: Predicate): string => {
    if ("and" in p) return `(${p.and.map(walk).join(" AND ")})`;
    if ("or" in p) return `(${p.or.map(walk).join(" OR ")})`;
    if ("not" in p) return `(NOT ${walk(p.not)})`;
    const col = options.resolve(p.col);
    switch (p.op) {
      case "isNull":
        return `(${col.sql} IS NULL)`;
      case "isNotNull":
        return `(${col.sql} IS NOT NULL)`;
      case "between": {
        const low = bindValue(col, p.col, p.low);
        const high = bindValue(col, p.col, p.high);
        if (pack && (typeof low === "number" || typeof low === "string") && typeof high === typeof low) {
          // One binding for both bounds: a JSON pair read by a scalar subquery.
          bindings.push(JSON.stringify([low, high]));
          return `(SELECT ${col.sql} BETWEEN json_extract(b.v, '$[0]') AND json_extract(b.v, '$[1]') FROM (SELECT ? AS v) b)`;
        }
        bindings.push(low, high);
        return `(${col.sql} BETWEEN ? AND ?)`;
      }
      case "in": {
        const values = p.values.map((v) => bindValue(col, p.col, v));
        if (values.some((v) => typeof v !== "number" && typeof v !== "string")) {
          throw invalid(`${p.col}: in accepts numbers, strings and booleans`);
        }
        // One binding for the whole list, so that 1,000 values fit under the 100-parameter cap.
        bindings.push(JSON.stringify(values));
        return `(${col.sql} IN (SELECT value FROM json_each(?)))`;
      }
      case "like": {
        if (!col.text) throw invalid(`${p.col}: like applies to text columns only`);
        const { prefix, exactPrefix } = likePrefix(p.pattern);
        if (exactPrefix && prefix === "") {
          // `%` matches every text and, like GLOB, is unknown (not false) for NULL.
          bindings.push("");
          return `(${col.sql} >= ?)`;
        }
        if (pack) {
          bindings.push(likeToGlob(p.pattern));
          return `(${col.sql} GLOB ?)`;
        }
        const upper = prefix === "" ? null : prefixUpperBound(prefix);
        if (exactPrefix && upper !== null) {
          // A pure prefix (`abc%`) is exactly the index range [prefix, upper).
          bindings.push(prefix, upper);
          return `(${col.sql} >= ? AND ${col.sql} < ?)`;
        }
        bindings.push(likeToGlob(p.pattern));
        if (prefix === "") return `(${col.sql} GLOB ?)`;
        // A literal prefix still narrows the index range; GLOB checks the rest.
        bindings.push(prefix);
        if (upper === null) return `(${col.sql} GLOB ? AND ${col.sql} >= ?)`;
        bindings.push(upper);
        return `(${col.sql} GLOB ? AND ${col.sql} >= ? AND ${col.sql} < ?)`;
      }
      default: {
        bindings.push(bindValue(col, p.col, p.value));
        return `(${col.sql} ${COMPARISON_SQL[p.op]} ?)`;
      }
    }
  };
  const sql = walk(predicate);
  // A bound value over DO SQLite's cap (an `in` list of long strings) is the caller's error, not a fault.
  for (const b of bindings) {
    if (
      typeof b === "string" &&
      b.length * 3 > SQL_LIMITS.maxValueBytes &&
      new TextEncoder().encode(b).length > SQL_LIMITS.maxValueBytes
    ) {
      throw invalid(`a predicate value (or in list) is larger than ${SQL_LIMITS.maxValueBytes} bytes`);
    }
  }
  return { sql, bindings };
}
