/**
 * Queries over a sharded table: partial states merged equal the single-DO answer; a dead shard
 * fails the query (503 FANOUT_FAILED with per-target codes) or, with allowPartial, answers with
 * coverage and is never cached; the deadline; the shard declaration's limits.
 */
import { errorCodeOf } from "@durable/core";
import { describe, expect, it } from "vitest";
import { shardedEvents } from "./shards-helpers.ts";

const Q = {
  table: "events",
  measures: [
    { agg: "count" },
    { agg: "sum", column: "amount" },
    { agg: "avg", column: "price" },
    { agg: "min", column: "amount" },
    { agg: "max", column: "price" },
  ],
  dimensions: ["region"],
} as const;

const close = (a: Record<string, unknown>[], b: Record<string, unknown>[]) => {
  expect(a.length).toBe(b.length);
  a.forEach((row, i) => {
    for (const [k, v] of Object.entries(row)) {
      if (typeof v === "number") expect(v).toBeCloseTo((b[i] as Record<string, number>)[k] as number, 9);
      else expect(v).toEqual((b[i] as Record<string, unknown>)[k]);
    }
  });
};

describe("fan-out queries", () => {
  it("merged partial states equal the single-source answer", async () => {
    const s = await shardedEvents(4);
    const fan = await s.coordinator.router.query(Q);
    expect(fan.meta.source).toBe("fanout");
    close(fan.rows, (await s.single.router.query(Q)).rows);
    const again = await s.coordinator.router.query(Q);
    expect(again.meta.source).toBe("cache");
  });

  it("a dead shard: 503 FANOUT_FAILED naming it; with allowPartial a partial answer, never cached", async () => {
    const s = await shardedEvents(4);
    s.behaviour.set("acme:shard-2", { fail: true });
    const err = await s.coordinator.router.query(Q).catch((e: unknown) => e);
    expect(errorCodeOf(err)).toBe("FANOUT_FAILED");
    expect((err as Error).message).toContain("acme:shard-2 [INTERNAL]");
    const partial = await s.coordinator.router.query(Q, { allowPartial: true });
    expect(partial.meta.partial).toMatchObject({ coverage: { succeeded: 3, attempted: 4 } });
    expect(partial.meta.partial?.errors[0]).toMatchObject({ target: "acme:shard-2", code: "INTERNAL" });
    const next = await s.coordinator.router.query(Q, { allowPartial: true });
    expect(next.meta.source).toBe("fanout");
    expect(s.coordinator.db.sql.exec("SELECT count(*) AS n FROM qr_results").one().n).toBe(0);
  });

  it("a slow shard times out (TARGET_TIMEOUT); the deadline gives DEADLINE_EXCEEDED", async () => {
    const s = await shardedEvents(3);
    s.behaviour.set("acme:shard-1", { delayMs: 2_000 });
    const partial = await s.coordinator.router.query(Q, { allowPartial: true });
    expect(partial.meta.partial?.errors[0]?.code).toBe("TARGET_TIMEOUT");
    const err = await s.coordinator.router.query(Q, { deadlineMs: 50, freshness: "realtime" }).catch((e: unknown) => e);
    expect(errorCodeOf(err)).toBe("DEADLINE_EXCEEDED");
  });

  it("after 5 failures a shard's breaker is open: calls fail fast with CIRCUIT_OPEN, not reaching it", async () => {
    const s = await shardedEvents(2, 20);
    s.behaviour.set("acme:shard-1", { fail: true });
    for (let i = 0; i < 5; i++) await s.coordinator.router.query(Q, { allowPartial: true });
    const before = s.transport.calls.filter((t) => t === "acme:shard-1").length;
    const err = await s.coordinator.router.query(Q).catch((e: unknown) => e);
    expect(errorCodeOf(err)).toBe("FANOUT_FAILED");
    expect((err as Error).message).toContain("acme:shard-1 [CIRCUIT_OPEN]");
    expect(s.transport.calls.filter((t) => t === "acme:shard-1").length).toBe(before);
    expect(s.coordinator.router.metrics().breakers.open).toBe(1);
  });

  it("a shard's own 4xx reaches the caller as that code", async () => {
    const s = await shardedEvents(2);
    const err = await s.coordinator.router.query({ ...Q, dimensions: ["nope"] }).catch((e: unknown) => e);
    expect(errorCodeOf(err)).toBe("UNKNOWN_FIELD");
  });

  it("shard counts: over 1,000 is TOO_MANY_TARGETS; not an integer is INVALID_SHARDS", async () => {
    const s = await shardedEvents(1, 10);
    expect(errorCodeOf(catchOf(() => s.coordinator.router.setShards("events", 1_001)))).toBe("TOO_MANY_TARGETS");
    expect(errorCodeOf(catchOf(() => s.coordinator.router.setShards("events", 1.5)))).toBe("INVALID_SHARDS");
  });

  it("explain sums the shards' estimates; a missing answer makes it heuristic", async () => {
    const s = await shardedEvents(3);
    const plan = await s.coordinator.router.explain(Q);
    expect(plan.candidates.find((c) => c.source === "fanout")?.estimatedRows).toBeGreaterThan(0);
    s.behaviour.set("acme:shard-0", { fail: true });
    const heuristic = await s.coordinator.router.explain(Q);
    expect(heuristic.candidates.find((c) => c.source === "fanout")?.method).toBe("heuristic");
  });
});

function catchOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}
