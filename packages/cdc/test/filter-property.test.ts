/**
 * Properties of consumer filters and of a sink that hangs: a `where` filter delivers exactly the
 * events whose before or after image satisfies `evaluatePredicate` (fast-check over random
 * writes and thresholds); a push that never answers times out, is retried, and never lets the
 * offset pass it.
 */
import { evaluatePredicate, type Predicate } from "@durable/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ChangeEvent } from "../src/index.ts";
import { ORDERS, readAll, setup } from "./helpers.ts";

describe("filters agree with evaluatePredicate", () => {
  it("property: pulled events are exactly those whose before or after matches", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 15 }), fc.integer({ min: -50, max: 50 })), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.constantFrom(">", ">=", "<", "=", "!="),
        fc.integer({ min: -50, max: 50 }),
        async (writes, op, value) => {
          const { tables, cdc } = await setup();
          tables.createTable(ORDERS);
          cdc.track("orders");
          const where = { col: "amount", op, value } as Predicate;
          cdc.createConsumer({ name: "f", sink: { type: "pull" }, filter: { where: { orders: where } } });
          for (const [id, amount] of writes) tables.upsert("orders", [{ id, amount }]);
          const all = readAll(cdc) as ChangeEvent[];
          const matches = (img: Record<string, unknown> | null) =>
            img !== null && evaluatePredicate(where, (c) => (img[c] ?? null) as number | null) === true;
          const expected = all.filter((e) => matches(e.before) || matches(e.after)).map((e) => e.source.lsn);
          expect(cdc.pull("f", { limit: 1000 }).events.map((e) => e.source.lsn)).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("a sink that hangs", () => {
  it("times out, backs off, and the offset does not pass the event", async () => {
    let calls = 0;
    const { tables, cdc, clock } = await setup({
      queues: {
        Q: {
          sendBatch: () => {
            calls++;
            return new Promise(() => {});
          },
        },
      },
      config: { sinkTimeoutMs: 20 },
    });
    tables.createTable(ORDERS);
    cdc.track("orders");
    cdc.createConsumer({ name: "q", sink: { type: "queue", binding: "Q" } });
    tables.insert("orders", [{ id: 1 }]);
    const report = await cdc.drain();
    expect(report).toMatchObject({ delivered: 0, retried: 1 });
    expect(cdc.getConsumer("q").offset).toBe(0);
    expect(cdc.metrics().consumers[0]?.lastError).toMatch(/timed out after 20 ms/);
    clock.advance(60_000);
    await cdc.drain();
    expect(calls).toBe(2);
    expect(cdc.getConsumer("q").offset).toBe(0);
  });
});
