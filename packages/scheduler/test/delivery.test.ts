/**
 * At-least-once delivery with side effects once: done markers, double delivery, a crash after
 * the handler and before the done marker (re-run with the same key), retries as queue rows with
 * backoff, NonRetryableError, dead letters with replay and delete, async handlers.
 */

import { SimulatedCrash } from "@durable/scheduler/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { NonRetryableError, type Scheduler } from "../src/index.ts";
import { count, expectCode, rig, T0 } from "./helpers.ts";

function effects(r: ReturnType<typeof rig>) {
  r.db.sql.exec("CREATE TABLE IF NOT EXISTS t_effects (key TEXT PRIMARY KEY, n INTEGER NOT NULL) STRICT");
  return () =>
    Object.fromEntries(
      r.db.sql
        .exec<{ key: string; n: number }>("SELECT key, n FROM t_effects")
        .toArray()
        .map((x) => [x.key, x.n]),
    );
}

function effectHandler(r: ReturnType<typeof rig>) {
  return (s: Scheduler) =>
    s.handler("effect", z.unknown(), (_p, ctx) => {
      r.db.sql.exec(
        "INSERT INTO t_effects (key, n) VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET n = n + 1",
        ctx.idempotencyKey,
      );
    });
}

describe("dedup", () => {
  it("the same alarm delivered twice → one side effect", async () => {
    const r = rig();
    const read = effects(r);
    r.restart(effectHandler(r));
    r.s.schedule({ key: "k", handler: "effect", when: { delayMs: 1_000 } });
    r.clock.advance(1_000);
    await Promise.all([r.s.onAlarm(), r.s.onAlarm()]);
    await r.s.onAlarm();
    expect(Object.values(read())).toEqual([1]);
  });

  it("a redelivered run row for a done key runs nothing", async () => {
    const r = rig();
    const read = effects(r);
    r.restart(effectHandler(r));
    const { schedule } = r.s.schedule({ key: "k", handler: "effect", when: { delayMs: 1_000 } });
    r.clock.advance(1_000);
    await r.fire();
    const key = `${schedule.id}:${T0 + 1_000}`;
    r.db.sql.exec(
      "INSERT INTO sched_queue (due_at, kind, ref, data) VALUES (?, 'run', ?, ?)",
      r.clock.now(),
      key,
      JSON.stringify({
        origin: "schedule",
        action: "handler",
        scheduleId: schedule.id,
        scheduleKey: "k",
        slot: T0 + 1_000,
        version: 1,
        handler: "effect",
        payload: "null",
        inflight: false,
      }),
    );
    const report = await r.fire();
    expect(report.duplicates).toBe(1);
    expect(read()).toEqual({ [key]: 1 });
  });

  it("a crash after the handler, before the done marker → one re-run with the same key, one effect", async () => {
    let crash = true;
    const seen: string[] = [];
    const extra = {
      faults: {
        beforeDone: () => {
          if (crash) throw new SimulatedCrash("before done marker");
        },
      },
    };
    const db = rig(() => {}, {}, extra);
    effects(db);
    db.restart((s) => {
      s.handler("effect", z.unknown(), (_p, ctx) => {
        seen.push(ctx.idempotencyKey);
        db.db.sql.exec(
          "INSERT INTO t_effects (key, n) VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET n = n + 1",
          ctx.idempotencyKey,
        );
      });
    });
    db.s.schedule({ key: "k", handler: "effect", when: { delayMs: 1_000 } });
    db.clock.advance(1_000);
    await expect(db.fire()).rejects.toBeInstanceOf(SimulatedCrash);
    // The isolate died inside the handler's transaction: its writes, claim and done marker rolled
    // back together; the run row is still queued, so the next instance re-runs the same key.
    expect(count(db, "sched_dedup", "state = 'done'")).toBe(0);
    expect(count(db, "sched_queue", "kind = 'run'")).toBe(1);
    crash = false;
    const fresh = db.restart((s) => {
      s.handler("effect", z.unknown(), (_p, ctx) => {
        seen.push(ctx.idempotencyKey);
        db.db.sql.exec(
          "INSERT INTO t_effects (key, n) VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET n = n + 1",
          ctx.idempotencyKey,
        );
      });
    });
    await fresh.start();
    await db.fire();
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(seen[1]);
    const rows = db.db.sql.exec<{ n: number }>("SELECT n FROM t_effects").toArray();
    expect(rows).toEqual([{ n: 1 }]);
    expect(count(db, "sched_dedup", "state = 'done'")).toBe(1);
  });

  it("an async handler's claim commits before its await: after a crash the next instance re-runs the same key", async () => {
    let crash = true;
    const keys: string[] = [];
    const db = rig(
      () => {},
      {},
      {
        faults: {
          beforeDone: () => {
            if (crash) throw new SimulatedCrash("before done marker");
          },
        },
      },
    );
    const setup = (s: Scheduler) =>
      s.handler("remote", z.unknown(), async (_p, ctx) => {
        await Promise.resolve();
        keys.push(ctx.idempotencyKey);
      });
    db.restart(setup);
    db.s.schedule({ key: "k", handler: "remote", when: { delayMs: 0 } });
    await expect(db.fire()).rejects.toBeInstanceOf(SimulatedCrash);
    const claim = db.db.sql.exec<{ state: string; start_id: string }>("SELECT state, start_id FROM sched_dedup").one();
    expect(claim.state).toBe("claimed");
    crash = false;
    db.restart(setup);
    await db.s.start();
    await db.fire();
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    const after = db.db.sql.exec<{ state: string; start_id: string }>("SELECT state, start_id FROM sched_dedup").one();
    expect(after.state).toBe("done");
    expect(after.start_id).not.toBe(claim.start_id);
  });

  it("done markers expire after dedupTtlMs", async () => {
    const r = rig((s) => s.handler("noop", z.unknown(), () => {}), { dedupTtlMs: 3_600_000 });
    r.s.schedule({ key: "k", handler: "noop", when: { delayMs: 1_000 } });
    r.clock.advance(1_000);
    await r.fire();
    expect(count(r, "sched_dedup")).toBe(1);
    r.s.schedule({ key: "k2", handler: "noop", when: { delayMs: 3_600_000 } });
    r.clock.advance(3_600_000);
    await r.fire();
    expect(count(r, "sched_dedup", "expires_at < ?", r.clock.now())).toBe(0);
  });
});

describe("retries and dead letters", () => {
  it("retries with backoff as queue rows, then a dead letter; replay runs with the same key", async () => {
    const attempts: { key: string; attempt: number; at: number }[] = [];
    let fail = true;
    const r = rig((s) =>
      s.handler(
        "fails",
        z.object({ n: z.number() }),
        (_p, ctx) => {
          attempts.push({ key: ctx.idempotencyKey, attempt: ctx.attempt, at: r.clock.now() });
          if (fail) throw new Error(`nope ${ctx.attempt}`);
        },
        { retry: { maxAttempts: 3, initialDelayMs: 1_000, multiplier: 2 } },
      ),
    );
    const { schedule } = r.s.schedule({ key: "k", handler: "fails", payload: { n: 1 }, when: { delayMs: 0 } });
    await r.fire();
    expect(r.alarm.at).toBe(T0 + 1_000);
    r.clock.set(T0 + 1_000);
    await r.fire();
    expect(r.alarm.at).toBe(T0 + 3_000);
    r.clock.set(T0 + 3_000);
    await r.fire();
    expect(attempts.map((a) => [a.attempt, a.at - T0])).toEqual([
      [1, 0],
      [2, 1_000],
      [3, 3_000],
    ]);
    expect(r.alarm.at).toBeNull();
    const [letter] = r.s.deadLetters.list().items;
    expect(letter).toMatchObject({
      scheduleId: schedule.id,
      handler: "fails",
      payload: { n: 1 },
      attempts: 3,
      code: "RETRIES_EXHAUSTED",
    });
    expect(letter?.lastError).toContain("nope 3");
    expect(r.s.runs(schedule.id).items[0]).toMatchObject({ status: "failed", attempts: 3 });
    fail = false;
    r.s.deadLetters.replay(letter?.id as string);
    expect(r.s.deadLetters.list().items).toHaveLength(0);
    await r.fire();
    expect(attempts[3]).toMatchObject({ key: attempts[0]?.key, attempt: 1 });
    expect(r.s.runs(schedule.id).items[0]).toMatchObject({ status: "succeeded" });
    expectCode(() => r.s.deadLetters.replay("missing"), "NOT_FOUND", 404);
    expectCode(() => r.s.deadLetters.delete("missing"), "NOT_FOUND", 404);
  });

  it("NonRetryableError stops at once", async () => {
    let calls = 0;
    const r = rig((s) =>
      s.handler("fatal", z.unknown(), () => {
        calls++;
        throw new NonRetryableError("bad data");
      }),
    );
    r.s.schedule({ key: "k", handler: "fatal", when: { delayMs: 0 } });
    await r.fire();
    expect(calls).toBe(1);
    const [letter] = r.s.deadLetters.list().items;
    expect(letter?.code).toBe("NON_RETRYABLE");
    r.s.deadLetters.delete(letter?.id as string);
    expect(r.s.deadLetters.list().items).toHaveLength(0);
  });

  it("a sync handler's SQL writes roll back with its failure", async () => {
    const r = rig();
    r.db.sql.exec("CREATE TABLE t_w (x INTEGER) STRICT");
    r.restart((s) =>
      s.handler("half", z.unknown(), () => {
        r.db.sql.exec("INSERT INTO t_w (x) VALUES (1)");
        throw new NonRetryableError("after a write");
      }),
    );
    r.s.schedule({ key: "k", handler: "half", when: { delayMs: 0 } });
    await r.fire();
    expect(count(r, "t_w")).toBe(0);
  });

  it("async handlers run, and their failures retry too", async () => {
    const seen: number[] = [];
    const r = rig((s) =>
      s.handler("async", z.unknown(), async (_p, ctx) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        seen.push(ctx.attempt);
        if (ctx.attempt === 1) throw new Error("once");
      }),
    );
    r.s.schedule({ key: "k", handler: "async", when: { delayMs: 0 } });
    await r.fire();
    r.clock.advance(1_000);
    await r.fire();
    expect(seen).toEqual([1, 2]);
    expect(count(r, "sched_dedup", "state = 'done'")).toBe(1);
  });

  it("the retry policy has limits", () => {
    const r = rig((s) => s.handler("noop", z.unknown(), () => {}));
    expectCode(
      () => r.s.schedule({ key: "k", handler: "noop", when: { delayMs: 0 }, retry: { maxAttempts: 21 } }),
      "INVALID_SCHEDULE",
      400,
    );
    expectCode(
      () => r.s.schedule({ key: "k", handler: "noop", when: { delayMs: 0 }, retry: { initialDelayMs: 99 } }),
      "INVALID_SCHEDULE",
      400,
    );
    expectCode(
      () => r.s.schedule({ key: "k", handler: "noop", when: { delayMs: 0 }, retry: { maxDelayMs: 86_400_001 } }),
      "INVALID_SCHEDULE",
      400,
    );
  });
});
