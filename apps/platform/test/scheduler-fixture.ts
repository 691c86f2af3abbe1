/**
 * `TestSchedulerDO`: a DOBase whose alarm owner is the platform scheduler, plus fixtures the
 * production DO must not carry: a chunked task that writes one row per step, and a capability
 * that records its wake-ups.
 */
import type { Capability, CapabilityDefinition, CapabilityPorts } from "@durable/core";
import type { DagInput, PassReport, ScheduleInput, Scheduler } from "@durable/scheduler";
import { z } from "zod";
import { platformScheduler } from "../src/capabilities/scheduler.ts";
import { DOBase } from "../src/index.ts";

/** The wake probe: records its wake-ups; `setWake` uses its own (scoped) wake port. */
interface WakeProbe extends Capability {
  setWake(key: string, atMs: number, payload?: unknown): void;
}

function wakeProbe({ sql, wake, clock }: CapabilityPorts): WakeProbe {
  return {
    name: "wakeprobe",
    migrations: {
      owner: "wakeprobe",
      prefix: "wakeprobe_",
      migrations: [
        {
          version: 1,
          name: "events and steps",
          sql: `CREATE TABLE wakeprobe_events (key TEXT NOT NULL, due_at INTEGER NOT NULL, payload TEXT, at INTEGER NOT NULL) STRICT;
                CREATE TABLE wakeprobe_steps (i INTEGER PRIMARY KEY) STRICT;`,
        },
      ],
    },
    onWake: (e) => {
      sql.exec(
        "INSERT INTO wakeprobe_events (key, due_at, payload, at) VALUES (?, ?, ?, ?)",
        e.key,
        e.dueAt,
        JSON.stringify(e.payload),
        clock.now(),
      );
    },
    routes: [
      {
        method: "POST",
        path: "/wakeprobe/:key",
        handle: ({ params, body }) => {
          const { atMs, payload } = body as { atMs: number; payload?: unknown };
          wake.set(params.key ?? "", atMs, payload);
          return { ok: true };
        },
      },
    ],
    setWake: (key, atMs, payload) => wake.set(key, atMs, payload),
  };
}

const wakeProbeCapability: CapabilityDefinition<WakeProbe> = { name: "wakeprobe", create: (ports) => wakeProbe(ports) };

/** The scheduler composed first, a wake-recording capability second, and RPC for the tests. */
export class TestSchedulerDO extends DOBase<Env> {
  readonly #scheduler: Scheduler;
  readonly #probe: WakeProbe;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const cap = this.use(platformScheduler());
    this.#scheduler = cap.scheduler;
    const sql = ctx.storage.sql;
    cap.scheduler.task(
      "test.count",
      z.object({ total: z.number().int().min(1) }),
      {
        init: (p) => ({ i: 0, total: p.total }),
        step: (c: { i: number; total: number }) => {
          sql.exec("INSERT INTO wakeprobe_steps (i) VALUES (?)", c.i);
          return { cursor: { i: c.i + 1, total: c.total }, done: c.i + 1 >= c.total, progress: (c.i + 1) / c.total };
        },
      },
      { maxStepsPerChunk: 10 },
    );
    // A synchronous handler that schedules a follow-up: a nested transactionSync in a real DO.
    cap.scheduler.handler("test.chain", z.object({ left: z.number().int().min(0) }), (p, ctx) => {
      if (p.left === 0) return;
      cap.scheduler.schedule({
        key: `${ctx.key}-${p.left}`,
        handler: "test.chain",
        payload: { left: p.left - 1 },
        when: { delayMs: 0 },
      });
    });
    cap.scheduler.handler("test.fail", z.unknown(), () => {
      throw new Error("always fails");
    });
    this.#probe = this.use(wakeProbeCapability);
  }

  async schedule(input: ScheduleInput): Promise<{ id: string; nextRunAt: number | null; created: boolean }> {
    await this.ready();
    const { schedule, created } = this.#scheduler.schedule(input);
    await this.#scheduler.settle();
    return { id: schedule.id, nextRunAt: schedule.nextRunAt, created };
  }

  async cancel(id: string): Promise<void> {
    await this.ready();
    this.#scheduler.cancel(id);
    await this.#scheduler.settle();
  }

  async wakeAt(key: string, atMs: number): Promise<void> {
    await this.ready();
    this.#probe.setWake(key, atMs, { key });
    await this.#scheduler.settle();
  }

  async pass(): Promise<PassReport> {
    await this.ready();
    return this.#scheduler.onAlarm();
  }

  async defineDag(d: DagInput): Promise<number> {
    await this.ready();
    return this.#scheduler.defineDag(d).version;
  }

  async scheduleCount(): Promise<number> {
    await this.ready();
    return this.ctx.storage.sql
      .exec<{ n: number }>("SELECT count(*) AS n FROM sched_schedules WHERE status = 'completed'")
      .one().n;
  }

  async state(): Promise<{
    alarm: number | null;
    earliest: number | null;
    steps: number;
    wakes: number;
    /** Highest attempt number among queued runs (2+ means a retry is waiting). */
    maxAttempt: number;
    task: { status: string; steps: number; chunks: number } | null;
  }> {
    await this.ready();
    const sql = this.ctx.storage.sql;
    const task = sql
      .exec<{ status: string; steps: number; chunks: number }>("SELECT status, steps, chunks FROM sched_tasks LIMIT 1")
      .toArray()[0];
    return {
      alarm: await this.ctx.storage.getAlarm(),
      earliest: sql.exec<{ t: number | null }>("SELECT min(due_at) AS t FROM sched_queue").one().t,
      steps: sql.exec<{ n: number }>("SELECT count(*) AS n FROM wakeprobe_steps").one().n,
      wakes: sql.exec<{ n: number }>("SELECT count(*) AS n FROM wakeprobe_events").one().n,
      maxAttempt:
        sql.exec<{ a: number | null }>("SELECT max(attempt) AS a FROM sched_queue WHERE kind = 'run'").one().a ?? 0,
      task: task ? { status: task.status, steps: task.steps, chunks: task.chunks } : null,
    };
  }
}
