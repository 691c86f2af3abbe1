/**
 * zod at the boundary: a parse failure becomes a 400 {@link PlatformError} naming the path.
 *
 * Packages build their schemas with `zod/mini` (a fraction of full zod's bundle), whose own
 * messages are all "Invalid input". Every parse here passes zod's English locale as a per-parse
 * error map, so messages read as full zod's do, without `z.config()`, which would change the
 * host Worker's own zod. Any zod 4 schema is accepted: `zod/mini` or full `zod`.
 * @module
 */
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { PlatformError } from "./errors.ts";

/** Any zod 4 schema, built with `zod` or `zod/mini`. */
export type AnySchema = z.core.$ZodType;

let english: z.core.$ZodErrorMap | undefined;

/** zod's English messages, built on first use (the locale is a table of strings). */
function englishErrors(): z.core.$ZodErrorMap {
  english ??= en().localeError;
  return english;
}

/**
 * Parses with zod's English messages, never throwing: what `schema.safeParse(value)` is in full
 * zod. Use it where a failure is not a 400 (an optional header, a stored row).
 *
 * A valid value is parsed once, without a per-parse context: zod copies a given context
 * (`{ ...ctx }`) and the copy slows every schema it passes through (a 6-column row parsed 2×
 * slower in Node, a small object 10×). Only a failure is parsed again with the English error
 * map, so refinements and transforms of a failing value run twice (keep them pure).
 * @param schema any zod 4 schema
 * @param value untrusted input
 */
export function safeParse<S extends AnySchema>(schema: S, value: unknown): z.core.util.SafeParseResult<z.output<S>> {
  const result = z.safeParse(schema, value);
  if (result.success) return result;
  return z.safeParse(schema, value, { error: englishErrors() });
}

/**
 * Formats a zod issue path as `rows[3].price`.
 * @param path the issue's path
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

/**
 * One readable line per issue: `path: message`.
 * @param error a zod error (from either flavour of zod 4)
 * @param prefix a path to put before every issue path (e.g. `rows[2]`)
 */
export function describeZodError(error: { readonly issues: readonly z.core.$ZodIssue[] }, prefix = ""): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = formatPath(issue.path);
      const full = prefix && path ? `${prefix}.${path}` : prefix || path || "(root)";
      return `${full}: ${issue.message}`;
    })
    .join("; ");
}

/**
 * Parses `value` with `schema` or throws a 400 with the given code and the failing paths.
 * @param schema any zod 4 schema
 * @param value untrusted input
 * @param code the error code (default INVALID_INPUT)
 * @param prefix a path prefix for the message
 * @returns the parsed value
 * @throws {PlatformError} status 400 with `code`
 */
export function parseOrThrow<S extends AnySchema>(
  schema: S,
  value: unknown,
  code = "INVALID_INPUT",
  prefix = "",
): z.output<S> {
  const result = safeParse(schema, value);
  if (result.success) return result.data;
  throw new PlatformError(code, describeZodError(result.error, prefix), { status: 400 });
}
