/**
 * Pins the exact text of representative validation messages (wrong type, too small/too big,
 * an enum, a custom regex message, a refine, nested paths), so the move from full `zod` to
 * `zod/mini` (issue 15) is proven to change none of them.
 */
import type { RouteRequest } from "@durable/core";
import { thrownMessage } from "@durable/core/testing";
import { describe, expect, it } from "vitest";
import { parseCdcConfig } from "../src/config.ts";
import { ORDERS, setup } from "./helpers.ts";

describe("validation messages", () => {
  it("the configuration: wrong type, too big and too small, not an integer, an unknown key", () => {
    expect(thrownMessage(() => parseCdcConfig({ batchDelayMs: "x" }))).toBe(
      "[CONFIG_INVALID] batchDelayMs: Invalid input: expected number, received string",
    );
    expect(thrownMessage(() => parseCdcConfig({ batchDelayMs: 60_001, maxAttempts: 0 }))).toBe(
      "[CONFIG_INVALID] batchDelayMs: Too big: expected number to be <=60000; maxAttempts: Too small: expected number to be >=1",
    );
    expect(thrownMessage(() => parseCdcConfig({ retentionMs: 1000.5 }))).toBe(
      "[CONFIG_INVALID] retentionMs: Invalid input: expected int, received number",
    );
    expect(thrownMessage(() => parseCdcConfig({ nope: 1 }))).toBe('[CONFIG_INVALID] (root): Unrecognized key: "nope"');
  });

  it("consumer definitions: a custom message, an enum, a discriminator, nested paths", async () => {
    const { tables, cdc } = await setup();
    tables.createTable(ORDERS);
    const create = (def: unknown) => thrownMessage(() => cdc.createConsumer(def as never));
    expect(create({ name: "Bad Name", sink: { type: "pull" } })).toBe(
      "[INVALID_CONSUMER] name: 1–64 characters of [a-z0-9_-], starting with a letter or digit",
    );
    expect(create({ name: "a", sink: { type: "pull" }, deadLetter: "drop" })).toBe(
      '[INVALID_CONSUMER] deadLetter: Invalid option: expected one of "dlq"|"block"',
    );
    expect(create({ name: "a", sink: { type: "ftp" } })).toBe(
      "[INVALID_CONSUMER] sink.type: Invalid discriminator value. Expected 'pull' | 'queue' | 'r2' | 'do'",
    );
    expect(
      create({
        name: "a",
        sink: { type: "queue", binding: "Q", maxEventsPerMessage: 0 },
        filter: { tables: { include: ["Bad"] } },
      }),
    ).toBe(
      "[INVALID_CONSUMER] sink.maxEventsPerMessage: Too small: expected number to be >=1; filter.tables.include[0]: a table name",
    );
    expect(create({ name: "a", sink: { type: "pull" }, startAt: "now" })).toBe(
      "[INVALID_CONSUMER] startAt: Invalid input",
    );
  });

  it("route bodies: track, offsets and the DLQ's refine", async () => {
    const { cap } = await setup();
    const call = async (method: string, path: string, body: unknown) => {
      const route = cap.routes.find((r) => r.method === method && r.path === path);
      if (!route) throw new Error(`no route ${method} ${path}`);
      try {
        await route.handle({ params: { name: "a" }, body } as unknown as RouteRequest);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error("expected a failure");
    };
    expect(await call("POST", "/cdc/tables", { table: 1, excludeColumns: [""], x: 1 })).toBe(
      '[INVALID_INPUT] excludeColumns[0]: Too small: expected string to have >=1 characters; table: Invalid input: expected string, received number; (root): Unrecognized key: "x"',
    );
    expect(await call("POST", "/cdc/consumers/:name/commit", { lsn: -1 })).toBe(
      "[INVALID_OFFSET] lsn: Too small: expected number to be >=0",
    );
    expect(await call("DELETE", "/cdc/dlq", { consumer: "a" })).toBe(
      "[INVALID_INPUT] (root): give lsns or olderThanMs",
    );
    expect(await call("POST", "/cdc/dlq/replay", { consumer: "a", lsns: [1.5] })).toBe(
      "[INVALID_INPUT] lsns[0]: Invalid input: expected int, received number",
    );
  });
});
