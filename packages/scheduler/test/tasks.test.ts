/**
 * Long-running tasks: chunks of `maxStepsPerChunk` with a continuation row due now, the cursor
 * saved with each step's writes, a kill between chunks and inside a chunk (each step applied
 * once), progress, cancel between steps, and the 64 KB cursor cap.
 */

import { SimulatedCrash } from "@durable/scheduler/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Scheduler } from "../src/index.ts";
import { count, rig } from "./helpers.ts";

function counting(r: ReturnType<typeof rig>) {
  return (s: Scheduler) =>
    s.task("count", z.object({ total: z.number().int() }), {
      init: (p) => ({ i: 0, total: p.total }),
      step: (c) => {
        r.db.sql.exec("INSERT INTO t_steps (i) VALUES (?)", c.i);
        const i = c.i + 1;
        return { cursor: { i, total: c.total }, done: i >= c.total, progress: i / c.total };
      },
    });
}

describe("tasks", () => {
  it("10,000 steps in chunks of 100, killed between chunks: each step applied once", { timeout: 30_000 }, async () => {
    const r = rig();
    r.db.sql.exec("CREATE TABLE t_steps (i INTEGER PRIMARY KEY) STRICT");
    r.restart(counting(r));
    const { schedule } = r.s.schedule({
      key: "job",
      handler: "count",
      payload: { total: 10_000 },
      when: { delayMs: 0 },
    });
    let passes = 0;
    while (count(r, "sched_queue") > 0 && passes < 500) {
      const report = await r.fire();
      passes++;
      if (passes % 7 === 0) {
        r.restart(counting(r)); // evicted between chunks
        await r.s.start();
      }
      if (report.continued > 0) expect(r.alarm.at).toBe(r.clock.now());
    }
    expect(passes).toBe(100);
    expect(count(r, "t_steps")).toBe(10_000);
    const run = r.s.runs(schedule.id).items[0];
    const task = r.s.tasks.get(run?.detail?.taskId as string);
    expect(task).toMatchObject({ status: "succeeded", steps: 10_000, chunks: 99, progress: 1 });
  });

  it("killed inside a chunk after a step committed: resumes from the saved cursor, nothing applied twice", async () => {
    let crashAt = 150;
    const r = rig(
      () => {},
      { maxStepsPerChunk: 100 },
      {
        faults: {
          afterStep: (_id, steps) => {
            if (steps === crashAt) throw new SimulatedCrash("mid chunk");
          },
        },
      },
    );
    r.db.sql.exec("CREATE TABLE t_steps (i INTEGER PRIMARY KEY) STRICT");
    r.restart(counting(r));
    r.s.schedule({ key: "job", handler: "count", payload: { total: 300 }, when: { delayMs: 0 } });
    await r.fire();
    await expect(r.fire()).rejects.toBeInstanceOf(SimulatedCrash);
    crashAt = -1;
    r.restart(counting(r));
    await r.s.start();
    await r.drain();
    expect(count(r, "t_steps")).toBe(300);
  });

  it("a step that throws inside its transaction leaves no write and retries from the same cursor", async () => {
    let failOnce = true;
    const r = rig();
    r.db.sql.exec("CREATE TABLE t_steps (i INTEGER PRIMARY KEY) STRICT");
    r.restart((s) =>
      s.task("count", z.object({ total: z.number() }), {
        init: (p) => ({ i: 0, total: p.total }),
        step: (c: { i: number; total: number }) => {
          r.db.sql.exec("INSERT INTO t_steps (i) VALUES (?)", c.i);
          if (c.i === 5 && failOnce) {
            failOnce = false;
            throw new Error("transient");
          }
          return { cursor: { i: c.i + 1, total: c.total }, done: c.i + 1 >= c.total };
        },
      }),
    );
    r.s.schedule({ key: "job", handler: "count", payload: { total: 10 }, when: { delayMs: 0 } });
    await r.fire();
    expect(count(r, "t_steps")).toBe(5);
    r.clock.advance(1_000);
    await r.drain();
    expect(count(r, "t_steps")).toBe(10);
  });

  it("cancel applies between steps; progress is readable", async () => {
    const r = rig(() => {}, { maxStepsPerChunk: 10 });
    r.db.sql.exec("CREATE TABLE t_steps (i INTEGER PRIMARY KEY) STRICT");
    r.restart(counting(r));
    const { schedule } = r.s.schedule({ key: "job", handler: "count", payload: { total: 100 }, when: { delayMs: 0 } });
    await r.fire();
    const taskId = r.s.runs(schedule.id).items[0]?.detail?.taskId as string;
    expect(r.s.tasks.get(taskId)).toMatchObject({ status: "running", steps: 10, progress: 0.1 });
    r.s.tasks.cancel(taskId);
    await r.drain();
    expect(r.s.tasks.get(taskId)?.status).toBe("cancelled");
    expect(count(r, "t_steps")).toBe(10);
    expect(r.s.runs(schedule.id).items[0]?.status).toBe("cancelled");
  });

  it("a chunk also ends when its CPU budget has passed; the next chunk gets a fresh budget", async () => {
    // Each step takes 1,000 ms on the fake clock: a 3,500 ms budget ends a chunk after 4 steps,
    // far below the 100-step cap.
    const r = rig(() => {}, { taskCpuBudgetMs: 3_500 });
    r.db.sql.exec("CREATE TABLE t_steps (i INTEGER PRIMARY KEY) STRICT");
    r.restart((s) =>
      s.task("slow", z.object({ total: z.number().int() }), {
        init: (p) => ({ i: 0, total: p.total }),
        step: (c) => {
          r.clock.advance(1_000);
          r.db.sql.exec("INSERT INTO t_steps (i) VALUES (?)", c.i);
          return { cursor: { i: c.i + 1, total: c.total }, done: c.i + 1 >= c.total };
        },
      }),
    );
    const { schedule } = r.s.schedule({ key: "job", handler: "slow", payload: { total: 10 }, when: { delayMs: 0 } });
    const report = await r.fire();
    expect(report.continued).toBe(1);
    const taskId = r.s.runs(schedule.id).items[0]?.detail?.taskId as string;
    expect(r.s.tasks.get(taskId)).toMatchObject({ status: "running", steps: 4 });
    await r.fire();
    expect(r.s.tasks.get(taskId)).toMatchObject({ status: "running", steps: 8 });
    await r.drain();
    expect(r.s.tasks.get(taskId)).toMatchObject({ status: "succeeded", steps: 10, chunks: 2 });
    expect(count(r, "t_steps")).toBe(10);
  });

  it("a cursor over 64 KB fails the task without retries", async () => {
    const r = rig((s) =>
      s.task("big", z.unknown(), {
        init: () => ({ blob: "" }),
        step: () => ({ cursor: { blob: "x".repeat(70_000) }, done: false }),
      }),
    );
    r.s.schedule({ key: "job", handler: "big", when: { delayMs: 0 } });
    await r.fire();
    expect(r.s.deadLetters.list().items[0]).toMatchObject({ code: "NON_RETRYABLE" });
  });
});
