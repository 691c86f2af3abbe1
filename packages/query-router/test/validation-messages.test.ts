/**
 * Pins the exact text of representative validation messages of the router's boundaries (routing
 * options, a join, settings, the configuration, a join side request, the query through
 * pre-agg's schema): wrong type, too small/too big, not an integer, an unknown key, a tuple, an
 * enum, nested paths. Written against full `zod`; it proves the move to `zod/mini` (issue 15)
 * changed none of them.
 */

import { thrownMessage } from "@durable/core/testing";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.ts";
import { parseRouting } from "../src/freshness.ts";
import { parseJoin } from "../src/join-route.ts";
import { parseQuery } from "../src/query-input.ts";
import { SettingsStore } from "../src/settings.ts";
import { serveSideRows } from "../src/target-side.ts";

describe("validation messages", () => {
  it("routing options: too small, not an integer, wrong type, an unknown key", () => {
    expect(thrownMessage(() => parseRouting({ deadlineMs: 0 }))).toBe(
      "[INVALID_QUERY] routing.deadlineMs: Too small: expected number to be >=1",
    );
    expect(thrownMessage(() => parseRouting({ deadlineMs: 1.5 }))).toBe(
      "[INVALID_QUERY] routing.deadlineMs: Invalid input: expected int, received number",
    );
    expect(thrownMessage(() => parseRouting({ allowPartial: "yes" }))).toBe(
      "[INVALID_QUERY] routing.allowPartial: Invalid input: expected boolean, received string",
    );
    expect(thrownMessage(() => parseRouting({ bogus: 1 }))).toBe('[INVALID_QUERY] routing.: Unrecognized key: "bogus"');
  });

  it("a join: string and tuple lengths, a missing field", () => {
    const join = (spec: unknown) => thrownMessage(() => parseJoin(spec));
    expect(join({ type: "inner", table: "", on: ["a", "b"] })).toBe(
      "[INVALID_QUERY] join.table: Too small: expected string to have >=1 characters",
    );
    expect(join({ type: "inner", table: "t", on: ["a", "b", "c"] })).toBe(
      "[INVALID_QUERY] join.on: Too big: expected array to have <=2 items",
    );
    expect(join({ table: "t", on: ["a", "b"] })).toBe(
      "[INVALID_QUERY] join.type: Invalid input: expected string, received undefined",
    );
  });

  it("settings and the configuration: several issues in one message, defaults' bounds", () => {
    const settings = new SettingsStore({
      exec: () => {
        throw new Error("no SQL may run");
      },
    } as never);
    expect(thrownMessage(() => settings.update({ platformAggregation: 1 }))).toBe(
      "[INVALID_SETTINGS] platformAggregation: Invalid input: expected boolean, received number",
    );
    expect(thrownMessage(() => settings.update({ nope: 1 }))).toBe(
      '[INVALID_SETTINGS] settings: Unrecognized key: "nope"',
    );
    expect(thrownMessage(() => parseConfig({ memoryEntries: 0, breakerFailures: 2000 }))).toBe(
      "[CONFIG_INVALID] memoryEntries: Too small: expected number to be >=1; breakerFailures: Too big: expected number to be <=1000",
    );
    expect(thrownMessage(() => parseConfig({ maxCachedResultBytes: 3 * 1024 * 1024 }))).toBe(
      "[CONFIG_INVALID] maxCachedResultBytes: Too big: expected number to be <=2097152",
    );
    expect(thrownMessage(() => parseConfig({ nope: 1 }))).toBe('[CONFIG_INVALID] (root): Unrecognized key: "nope"');
  });

  it("a join side request and the query: a tuple member, a union, an enum", () => {
    const side = (input: unknown) => thrownMessage(() => serveSideRows({} as never, {} as never, input, 10, 0));
    expect(side({ table: "t", columns: ["c"], key: "k", filter: { partition: [0, 65] } })).toBe(
      "[INVALID_QUERY] side request: Too big: expected number to be <=64",
    );
    expect(side({ table: "t", columns: ["c"], key: "k", filter: { keys: [{}] } })).toBe(
      "[INVALID_QUERY] side request: Invalid input",
    );
    expect(thrownMessage(() => parseQuery({ table: "events", measures: [{ agg: "median", column: "amount" }] }))).toBe(
      '[INVALID_QUERY] query.measures.0.agg: Invalid option: expected one of "count"|"sum"|"min"|"max"|"avg"|"variance"|"countDistinct"|"quantiles"|"stddev"',
    );
    expect(thrownMessage(() => parseQuery({ table: "events", measures: [{ agg: "count" }], nope: 1 }))).toBe(
      '[INVALID_QUERY] query: Unrecognized key: "nope"',
    );
  });
});
