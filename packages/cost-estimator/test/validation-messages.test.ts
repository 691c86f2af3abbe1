/**
 * Pins the exact text of representative validation messages (wrong type, too small/too big,
 * an enum, a custom regex message, nested paths, an unknown key), so the move from full `zod`
 * to `zod/mini` (issue 15) is proven to change none of them.
 */

import { thrownMessage } from "@durable/core/testing";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/config.ts";
import { parseConstants } from "../src/cost-model.ts";
import { parseFeedback } from "../src/inputs.ts";
import { parseEstimateRequest } from "../src/request.ts";

describe("validation messages", () => {
  it("the configuration: too small, wrong type, a nested constant", () => {
    expect(thrownMessage(() => resolveConfig({ mcvCounters: 8 }))).toBe(
      "[CONFIG_INVALID] mcvCounters: Too small: expected number to be >=16",
    );
    expect(thrownMessage(() => resolveConfig({ hllPrecision: "x" as never }))).toBe(
      "[CONFIG_INVALID] hllPrecision: Invalid input: expected number, received string",
    );
    expect(thrownMessage(() => resolveConfig({ constants: { crossDoHopUs: -1 } }))).toBe(
      "[CONFIG_INVALID] constants.crossDoHopUs: Too small: expected number to be >0",
    );
  });

  it("estimate requests: too small, too big, a tuple and an enum in a nested path", () => {
    expect(thrownMessage(() => parseEstimateRequest({ table: "", groupBy: [] }))).toBe(
      "[INVALID_PREDICATE] table: Too small: expected string to have >=1 characters; groupBy: Too small: expected array to have >=1 items",
    );
    expect(thrownMessage(() => parseEstimateRequest({ table: "a", groupBy: "abcdefghi".split("") }))).toBe(
      "[INVALID_PREDICATE] groupBy: Too big: expected array to have <=8 items",
    );
    expect(
      thrownMessage(() => parseEstimateRequest({ table: "a", joins: [{ table: "b", on: ["x"], kind: "outer" }] })),
    ).toBe(
      '[INVALID_PREDICATE] joins[0].on: Too small: expected array to have >=2 items; joins[0].kind: Invalid option: expected one of "inner"|"left"|"semi"|"cross"',
    );
  });

  it("feedback and constants: a custom message, not an integer, not finite, an unknown key", () => {
    expect(thrownMessage(() => parseFeedback({ fingerprint: "zz", estimatedRows: 1, actualRows: 1 }))).toBe(
      "[INVALID_FEEDBACK] fingerprint: a 16-digit hex fingerprint",
    );
    expect(
      thrownMessage(() => parseFeedback({ fingerprint: "0123456789abcdef", estimatedRows: 1, actualRows: 1.5 })),
    ).toBe("[INVALID_FEEDBACK] actualRows: Invalid input: expected int, received number");
    expect(
      thrownMessage(() => parseFeedback({ fingerprint: "0123456789abcdef", estimatedRows: Infinity, actualRows: 1 })),
    ).toBe("[INVALID_FEEDBACK] estimatedRows: Invalid input: expected number, received Infinity");
    expect(thrownMessage(() => parseConstants({ r2ByteUs: 0 }))).toBe(
      "[INVALID_CALIBRATION] r2ByteUs: Too small: expected number to be >0",
    );
    expect(thrownMessage(() => parseConstants({ nope: 1 }))).toBe(
      '[INVALID_CALIBRATION] constants: Unrecognized key: "nope"',
    );
  });
});
