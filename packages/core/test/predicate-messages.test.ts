/**
 * Pins the exact messages of a bad predicate (INVALID_PREDICATE), so that a change of zod
 * flavour (full zod → zod/mini with the English locale) cannot change what clients read.
 */
import { describe, expect, it } from "vitest";
import { describeZodError, PlatformError, PredicateSchema, parsePredicate, safeParse } from "../src/index.ts";

function failure(input: unknown): string {
  try {
    parsePredicate(input);
  } catch (err) {
    if (err instanceof PlatformError) return `${err.code} ${err.status} ${err.detail}`;
    throw err;
  }
  return "no error";
}

const leaf = { col: "n", op: "=", value: 1 };

describe("parsePredicate messages", () => {
  it.each([
    [
      "an unknown op",
      { col: "n", op: "~", value: 1 },
      "where.op: Invalid discriminator value. Expected '=' | '!=' | '<' | '<=' | '>' | '>=' | 'between' | 'in' | 'like' | 'isNull' | 'isNotNull'",
    ],
    ["an empty column", { col: "", op: "=", value: 1 }, "where.col: Too small: expected string to have >=1 characters"],
    [
      "a long column",
      { col: "x".repeat(129), op: "=", value: 1 },
      "where.col: Too big: expected string to have <=128 characters",
    ],
    [
      "an empty in list",
      { col: "n", op: "in", values: [] },
      "where.values: Too small: expected array to have >=1 items",
    ],
    [
      "1001 in values",
      { col: "n", op: "in", values: Array.from({ length: 1001 }, () => 1) },
      "where.values: Too big: expected array to have <=1000 items",
    ],
    [
      "an object value, nested",
      { and: [leaf, { not: { col: "n", op: "<", value: {} } }] },
      "where.and[1].not.value: Invalid input",
    ],
    ["an extra key", { ...leaf, extra: 1 }, 'where: Unrecognized key: "extra"'],
    ["an empty and, nested", { or: [{ and: [] }] }, "where.or[0].and: Too small: expected array to have >=1 items"],
    [
      "a numeric pattern",
      { col: "n", op: "like", pattern: 5 },
      "where.pattern: Invalid input: expected string, received number",
    ],
    [
      "a long pattern",
      { col: "n", op: "like", pattern: "x".repeat(1001) },
      "where.pattern: Too big: expected string to have <=1000 characters",
    ],
    ["a number", 5, "where: Invalid input: expected object, received number"],
    ["null", null, "where: Invalid input: expected object, received null"],
    ["a missing column", { op: "isNull" }, "where.col: Invalid input: expected string, received undefined"],
    ["an extra key beside not", { not: { col: "n", op: "isNull" }, x: 1 }, 'where: Unrecognized key: "x"'],
  ])("%s", (_, input, detail) => {
    expect(failure(input)).toBe(`INVALID_PREDICATE 400 ${detail}`);
  });

  it("PredicateSchema (shape only) fails as a whole at the union", () => {
    const r = safeParse(PredicateSchema, { and: [{ col: "n", op: "between", low: 1 }] });
    expect(r.success || describeZodError(r.error)).toBe("(root): Invalid input");
    expect(safeParse(PredicateSchema, { and: [leaf, { not: leaf }] }).success).toBe(true);
  });
});
