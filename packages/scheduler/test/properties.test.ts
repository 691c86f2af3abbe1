/**
 * Property tests (fast-check):
 * (The cron properties are in cron-properties.test.ts and cron-month-end.test.ts.)
 * 1. Random DAGs never start a task before its dependencies succeeded, never exceed maxParallel,
 *    and never run a descendant of a failed task.
 * 2. Random crashes and duplicate deliveries give exactly one effect per slot, and lose none.
 */

import { SimulatedCrash } from "@durable/scheduler/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Scheduler } from "../src/index.ts";
import { rig, T0 } from "./helpers.ts";

// ---- 1. DAG order -----------------------------------------------------------------------

describe("random DAGs", () => {
  it("never start a task before its dependencies, never exceed maxParallel, skip descendants of failures", {
    timeout: 60_000,
  }, async () => {
    const dagArb = fc.integer({ min: 2, max: 25 }).chain((n) =>
      fc.record({
        deps: fc.tuple(
          ...Array.from({ length: n }, (_, i) =>
            fc.subarray(
              Array.from({ length: i }, (_, j) => j),
              { maxLength: Math.min(4, i) },
            ),
          ),
        ),
        fails: fc.subarray(
          Array.from({ length: n }, (_, i) => i),
          { maxLength: Math.min(3, n) },
        ),
        maxParallel: fc.integer({ min: 1, max: 5 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(dagArb, async ({ deps, fails, maxParallel }) => {
        const started: number[] = [];
        const done = new Set<number>();
        const failing = new Set(fails);
        let peak = 0;
        const r = rig((s: Scheduler) =>
          s.handler("task", z.object({ i: z.number() }), (p, ctx) => {
            for (const d of deps[p.i] ?? []) expect(done.has(d), `task ${p.i} started before ${d}`).toBe(true);
            const inFlight = r.db.sql
              .exec<{ n: number }>(
                "SELECT count(*) AS n FROM sched_dag_task_runs WHERE run_id = ? AND status IN ('queued', 'running')",
                ctx.dag?.runId ?? "",
              )
              .one().n;
            peak = Math.max(peak, inFlight);
            started.push(p.i);
            if (failing.has(p.i)) throw new Error("fails");
            done.add(p.i);
          }),
        );
        r.s.defineDag({
          id: "g",
          maxParallel,
          tasks: deps.map((d, i) => ({
            id: `t${i}`,
            handler: "task",
            payload: { i },
            dependsOn: d.map((j) => `t${j}`),
            retry: { maxAttempts: 1 },
          })),
        });
        const run = r.s.runDag("g", { key: "k" });
        for (let i = 0; i < 50 && r.db.sql.exec("SELECT 1 FROM sched_queue").toArray().length > 0; i++) {
          await r.drain();
          r.clock.advance(1_000);
        }
        expect(peak).toBeLessThanOrEqual(maxParallel);
        const blocked = new Set<number>();
        deps.forEach((d, i) => {
          if (d.some((j) => failing.has(j) || blocked.has(j))) blocked.add(i);
        });
        for (const i of started) expect(blocked.has(i)).toBe(false);
        expect(new Set(started).size).toBe(deps.length - blocked.size);
        const status = r.s.getDagRun("g", run.id)?.status;
        expect(status).toBe([...failing].some((i) => !blocked.has(i)) ? "failed" : "succeeded");
      }),
      { numRuns: 60, seed: 42 },
    );
  });
});

// ---- 2. crashes and duplicate deliveries ------------------------------------------------

describe("crashes and duplicate deliveries", () => {
  it("one effect per slot, none lost", { timeout: 60_000 }, async () => {
    const actionArb = fc.array(
      fc.record({
        advance: fc.integer({ min: 0, max: 90_000 }),
        crash: fc.boolean(),
        duplicate: fc.boolean(),
        restart: fc.boolean(),
      }),
      { minLength: 5, maxLength: 25 },
    );
    await fc.assert(
      fc.asyncProperty(actionArb, async (actions) => {
        let crashNext = false;
        const r = rig(
          () => {},
          {},
          {
            faults: {
              beforeDone: () => {
                if (crashNext) {
                  crashNext = false;
                  throw new SimulatedCrash("before done");
                }
              },
            },
          },
        );
        r.db.sql.exec("CREATE TABLE t_effects (key TEXT PRIMARY KEY, n INTEGER NOT NULL) STRICT");
        const setup = (s: Scheduler) =>
          s.handler("effect", z.unknown(), (_p, ctx) => {
            r.db.sql.exec(
              "INSERT INTO t_effects (key, n) VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET n = n + 1",
              ctx.idempotencyKey,
            );
          });
        r.restart(setup);
        r.s.schedule({
          key: "every",
          handler: "effect",
          when: { everyMs: 30_000, startAt: T0 + 30_000 },
          overlap: "allow",
          missed: { catchUp: { windowMs: 3_600_000 } },
        });
        r.s.schedule({
          key: "cron",
          handler: "effect",
          when: { cron: "* * * * *" },
          overlap: "allow",
          missed: { catchUp: { windowMs: 3_600_000 } },
        });
        for (const a of actions) {
          r.clock.advance(a.advance);
          crashNext = a.crash;
          try {
            await r.fire();
            if (a.duplicate) {
              // Redeliver: the alarm again, and a stale run row for a slot that already ran.
              await r.s.onAlarm();
              const done = r.db.sql
                .exec<{ key: string }>("SELECT key FROM t_effects ORDER BY key LIMIT 1")
                .toArray()[0];
              if (done) {
                const [scheduleId, slot] = done.key.split(":");
                const spec = {
                  origin: "schedule",
                  action: "handler",
                  scheduleId,
                  scheduleKey: "k",
                  slot: Number(slot),
                  version: 1,
                  handler: "effect",
                  payload: "null",
                  inflight: false,
                };
                r.db.sql.exec(
                  "INSERT OR IGNORE INTO sched_queue (due_at, kind, ref, data) VALUES (?, 'run', ?, ?)",
                  r.clock.now(),
                  done.key,
                  JSON.stringify(spec),
                );
                await r.s.onAlarm();
              }
            }
          } catch (err) {
            if (!(err instanceof SimulatedCrash)) throw err;
            r.restart(setup);
            await r.s.start();
          }
          if (a.restart) {
            r.restart(setup);
            await r.s.start();
          }
        }
        crashNext = false;
        for (
          let i = 0;
          i < 20 && r.db.sql.exec("SELECT 1 FROM sched_queue WHERE due_at <= ?", r.clock.now()).toArray().length > 0;
          i++
        ) {
          await r.fire();
        }
        const counts = r.db.sql.exec<{ n: number }>("SELECT n FROM t_effects").toArray();
        expect(counts.every((c) => c.n === 1)).toBe(true);
        const end = r.clock.now();
        const expectedSlots = Math.floor((end - T0) / 30_000) + Math.floor((end - T0) / 60_000) + 1;
        expect(counts.length).toBe(expectedSlots);
      }),
      { numRuns: 60, seed: 99 },
    );
  });
});
