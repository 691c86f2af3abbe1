/**
 * zod at the boundary: a parse failure becomes a 400 {@link PlatformError} naming the path.
 * @module
 */
import type { z } from "zod";
import { PlatformError } from "./errors.ts";

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
 * @param error a zod error
 * @param prefix a path to put before every issue path (e.g. `rows[2]`)
 */
export function describeZodError(error: z.ZodError, prefix = ""): string {
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
 * @param schema the zod schema
 * @param value untrusted input
 * @param code the error code (default INVALID_INPUT)
 * @param prefix a path prefix for the message
 * @returns the parsed value
 * @throws {PlatformError} status 400 with `code`
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  code = "INVALID_INPUT",
  prefix = "",
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new PlatformError(code, describeZodError(result.error, prefix), { status: 400 });
}
