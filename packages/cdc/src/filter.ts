/**
 * Consumer filters: table include/exclude lists, per-table column projections and per-table
 * `where` predicates (the core predicate, evaluated on decoded images by `evaluatePredicate`,
 * values bound by the table's `RowCodec.resolve` as `scan` does). Unknown is no match; a `u`
 * passes when its before or its after image matches.
 * @module
 */
import { compilePredicate, evaluatePredicate, type Predicate, parsePredicate, type SqlBinding } from "@durable/core";
import type { Tables } from "@durable/tables";
import type { DecodedChange } from "./change-log.ts";
import { cdcError } from "./errors.ts";
import type { FilterInput } from "./schemas.ts";
import type { ChangeEvent, RowImage } from "./types.ts";

/** A validated filter, ready to evaluate. */
export interface CompiledFilter {
  readonly tables: ReadonlySet<string>;
  matches(change: DecodedChange): boolean;
  project(event: ChangeEvent): ChangeEvent;
}

/** The tables a filter names (for `usesOf`). */
export function filterTables(filter: FilterInput): string[] {
  return [
    ...new Set([
      ...(filter.tables?.include ?? []),
      ...(filter.tables?.exclude ?? []),
      ...Object.keys(filter.columns ?? {}),
      ...Object.keys(filter.where ?? {}),
    ]),
  ];
}

/**
 * Validates a filter against the catalog.
 * @throws {INVALID_FILTER} 400 unknown table or column · {INVALID_PREDICATE} 400 with the path
 */
export function validateFilter(filter: FilterInput, tables: Tables): void {
  for (const table of filterTables(filter)) {
    if (!tables.catalog.find(table)) throw cdcError("INVALID_FILTER", `filter: unknown table ${table}`);
  }
  for (const [table, cols] of Object.entries(filter.columns ?? {})) {
    const def = tables.catalog.get(table);
    for (const c of [...(cols.include ?? []), ...(cols.exclude ?? [])]) {
      if (!def.columns.some((d) => d.name === c))
        throw cdcError("INVALID_FILTER", `filter.columns.${table}: unknown column ${c}`);
    }
  }
  for (const [table, where] of Object.entries(filter.where ?? {})) {
    let predicate: Predicate;
    try {
      predicate = parsePredicate(where);
    } catch (err) {
      throw cdcError(
        "INVALID_PREDICATE",
        `filter.where.${table}: ${(err as Error).message.replace(/^\[[A-Z_]+\] /, "")}`,
      );
    }
    const codec = tables.rows.codec(table);
    try {
      compilePredicate(predicate, { resolve: codec.resolve });
    } catch (err) {
      const message = (err as Error).message.replace(/^\[[A-Z_]+\] /, "");
      const code = /unknown column/.test(message) ? "INVALID_FILTER" : "INVALID_PREDICATE";
      throw cdcError(code, `filter.where.${table}: ${message}`);
    }
  }
}

function projectImage(
  image: RowImage | null,
  include?: readonly string[],
  exclude?: readonly string[],
): RowImage | null {
  if (!image) return image;
  const out: RowImage = {};
  for (const [k, v] of Object.entries(image)) {
    if (include && !include.includes(k)) continue;
    if (exclude?.includes(k)) continue;
    out[k] = v;
  }
  return out;
}

/**
 * Compiles a (validated) filter. Predicates bind through the table's current codec.
 * @param filter the stored filter
 * @param tables the catalog (for codecs)
 */
export function compileFilter(filter: FilterInput, tables: Tables): CompiledFilter {
  const include = filter.tables?.include;
  const exclude = new Set(filter.tables?.exclude ?? []);
  const where = new Map<string, Predicate>();
  for (const [t, w] of Object.entries(filter.where ?? {})) where.set(t, parsePredicate(w));
  const test = (table: string, image: Record<string, SqlBinding> | null): boolean => {
    if (!image) return false;
    const predicate = where.get(table);
    if (!predicate) return true;
    const codec = tables.rows.codec(table);
    try {
      return (
        evaluatePredicate(
          predicate,
          (col) => image[col] ?? null,
          (col, v) => codec.resolve(col).bind(v),
        ) === true
      );
    } catch {
      return false; // a column the image lacks (older schema) or a value that no longer binds: unknown
    }
  };
  return {
    tables: new Set(filterTables(filter)),
    matches(change) {
      const table = change.event.source.table;
      if (include && include.length > 0 && !include.includes(table)) return false;
      if (exclude.has(table)) return false;
      if (!where.has(table)) return true;
      return test(table, change.storedAfter) || test(table, change.storedBefore);
    },
    project(event) {
      const cols = filter.columns?.[event.source.table];
      if (!cols) return event;
      return {
        ...event,
        before: projectImage(event.before, cols.include, cols.exclude),
        after: projectImage(event.after, cols.include, cols.exclude),
      };
    },
  };
}
