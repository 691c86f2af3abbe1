/**
 * Pins the exact text of representative validation messages (wrong type, too small, an enum,
 * custom refine and superRefine messages, nested paths), so the move from full `zod` to
 * `zod/mini` (issue 15) is proven to change none of them.
 */
import { parseOrThrow } from "@durable/core";
import { thrownMessage } from "@durable/core/testing";
import { describe, expect, it } from "vitest";
import { PreAggRefreshPayloadSchema } from "../src/capability.ts";
import { parseRollupDefinition } from "../src/definition.ts";
import { parseAnalyticsQuery, parseQueryOptions } from "../src/query-schema.ts";

const time = { column: "ts", grain: "day" };

describe("validation messages", () => {
  it("rollup definitions: custom messages, an enum, refines across fields", () => {
    expect(
      thrownMessage(() =>
        parseRollupDefinition({ name: "A", source: "t", measures: [{ name: "m", agg: "sum" }], timeDimension: time }),
      ),
    ).toBe(
      "[INVALID_ROLLUP] definition.name: must match [a-z][a-z0-9_]{0,47}; definition.measures[0].column: required",
    );
    expect(
      thrownMessage(() =>
        parseRollupDefinition({
          name: "a",
          source: "t",
          measures: [{ name: "m", agg: "countDistinct", column: "x", precision: 9 }],
          timeDimension: { column: "ts", grain: "fortnight" },
        }),
      ),
    ).toBe(
      '[INVALID_ROLLUP] definition.measures[0].precision: precision must be 10–16; definition.timeDimension.grain: Invalid option: expected one of "minute"|"hour"|"day"|"week"|"month"|"quarter"|"year"',
    );
    expect(
      thrownMessage(() =>
        parseRollupDefinition({
          name: "a",
          source: "t",
          measures: [{ name: "m", agg: "count" }],
          timeDimension: { ...time, timeZone: "Mars/Base" },
          partitionGrain: "hour",
        }),
      ),
    ).toBe(
      "[INVALID_ROLLUP] definition.timeDimension.timeZone: unknown IANA time zone; definition.partitionGrain: hour is not a whole multiple of the grain day",
    );
  });

  it("queries and options: refines, too small, wrong type", () => {
    expect(
      thrownMessage(() =>
        parseAnalyticsQuery({
          table: "t",
          measures: [{ agg: "sum" }],
          dimensions: ["a", "a"],
          timeDimension: { column: "ts", range: { from: "2024-02-30", to: "2024-01-01" } },
        }),
      ),
    ).toBe(
      "[INVALID_QUERY] query.measures[0].column: required; query.timeDimension.range.from: must be an ISO 8601 date or date-time; query.dimensions[1]: repeated",
    );
    expect(
      thrownMessage(() =>
        parseAnalyticsQuery({
          table: "t",
          measures: [{ agg: "count" }],
          timeDimension: { column: "ts", range: { from: "2024-02-01", to: "2024-01-01" } },
          limit: 0,
        }),
      ),
    ).toBe(
      "[INVALID_QUERY] query.limit: Too small: expected number to be >=1; query.timeDimension.range.to: must be after from",
    );
    expect(thrownMessage(() => parseQueryOptions({ rollup: "", lambda: 1 }))).toBe(
      "[INVALID_QUERY] options.rollup: Too small: expected string to have >=1 characters; options.lambda: Invalid input: expected boolean, received number",
    );
  });

  it("the refresh payload: too big and an unknown key", () => {
    expect(thrownMessage(() => parseOrThrow(PreAggRefreshPayloadSchema, { rollup: "r".repeat(65), x: 1 }))).toBe(
      '[INVALID_INPUT] rollup: Too big: expected string to have <=64 characters; (root): Unrecognized key: "x"',
    );
  });
});
