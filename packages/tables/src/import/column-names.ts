/**
 * Maps the column names of a file (`Cost Total $`, `Zip Code`, `1st`) to catalog names that
 * follow the name rules: lower case `[a-z][a-z0-9_]*`, at most 48 characters, unique, no
 * reserved prefix or SQLite column name. The mapping is returned to the user, so it must be
 * predictable: the same header always maps the same way.
 * @module
 */
import { nameProblem } from "../names.ts";

/** One name of a file that is not a valid catalog name, made into one. */
export function normalizeName(raw: string): string {
  let name = raw
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (name === "") name = "column";
  if (!/^[a-z]/.test(name)) name = `c_${name}`;
  name = name.slice(0, 48).replace(/_+$/, "");
  // A reserved prefix or name keeps its meaning out of the user's way with a `c_` in front.
  if (nameProblem(name, "column") !== undefined) name = `c_${name}`.slice(0, 48);
  return name;
}

/**
 * Maps every header to a unique valid name (`name`, `name_2`, … for repeats).
 * @returns the names in header order
 */
export function mapColumnNames(headers: readonly string[]): string[] {
  const used = new Set<string>();
  return headers.map((raw) => {
    const base = nameProblem(raw, "column") === undefined ? raw : normalizeName(raw);
    let name = base;
    for (let n = 2; used.has(name); n++) {
      const suffix = `_${n}`;
      name = base.slice(0, 48 - suffix.length) + suffix;
    }
    used.add(name);
    return name;
  });
}
