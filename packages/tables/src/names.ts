/**
 * Names of tables, columns and indexes: what is allowed, what is reserved, and how a catalog
 * name maps to its SQLite object (`orders` → `t_orders`). Only this module knows the mapping.
 * @module
 */
import * as z from "zod/mini";

/** `[a-z][a-z0-9_]{0,47}`: lower-case, starts with a letter, at most 48 characters. */
export const NAME_PATTERN = /^[a-z][a-z0-9_]{0,47}$/;

/**
 * Prefixes a user name may not start with: the platform's own table prefixes, SQLite's, and
 * `t_`, so that no user name reads like a storage name.
 */
export const RESERVED_PREFIXES = [
  "t_",
  "tbl_",
  "sqlite_",
  "core_",
  "platform_",
  "meta_",
  "rl_",
  "sched_",
  "ckpt_",
  "cdc_",
  "preagg_",
  "vec_",
  "est_",
  "qr_",
] as const;

/** Column names SQLite gives a meaning of its own. */
const RESERVED_COLUMNS = new Set(["rowid", "oid"]);

/** Why `name` is not a valid user name, or undefined when it is. */
export function nameProblem(name: string, kind: "table" | "column" | "index"): string | undefined {
  if (!NAME_PATTERN.test(name)) return `${kind} name must match [a-z][a-z0-9_]{0,47}`;
  const prefix = RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix) return `${kind} name may not start with the reserved prefix ${prefix}`;
  if (kind === "column" && RESERVED_COLUMNS.has(name)) return `${name} is reserved by SQLite`;
  return undefined;
}

/** zod schema of a user name of the given kind. */
export function nameSchema(kind: "table" | "column" | "index") {
  return z.string().check(
    z.superRefine((name, ctx) => {
      const problem = nameProblem(name, kind);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
  );
}

/** Double-quotes an identifier (names are validated, quoting is belt and braces). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The quoted SQLite name of user table `name`. */
export function storageTable(name: string): string {
  return quoteIdent(`t_${name}`);
}

/**
 * The quoted SQLite name of index `index` of table `table`. `$` cannot occur in user names,
 * so `t_a$b__c` and `t_a__b$c` never collide.
 */
export function storageIndex(table: string, index: string): string {
  return quoteIdent(`t_${table}$${index}`);
}
