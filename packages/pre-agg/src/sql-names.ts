/**
 * Quoting of SQL identifiers (names are validated; quoting is belt and braces).
 * @module
 */

/** Double-quotes an identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
