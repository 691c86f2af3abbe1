/**
 * DAGs: validation (DAG_INVALID, DAG_CYCLE with the path), versions, dependency order, the
 * maxParallel cap, per-task retries, skipped descendants, idempotent runs by key, a schedule
 * targeting a DAG, and cross-DAG triggers through the outbox (killed between persist and send).
 */

import { SimulatedCrash } from "@durable/scheduler/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Scheduler } from "../src/index.ts";
import { expectCode, rig } from "./helpers.ts";

function dagRig(extra: Parameters<typeof rig>[2] = {}) {
  const order: string[] = [];
  const inFlight: number[] = [];
  const fail = new Set<string>();
  const setup = (s: Scheduler) => {
    s.handler("step", z.object({ name: z.string() }), (p, ctx) => {
      const row = r.db.sql
        .exec<{ n: number }>(
          "SELECT count(*) AS n FROM sched_dag_task_runs WHERE run_id = ? AND status IN ('queued', 'running')",
          ctx.dag?.runId ?? "",
        )
        .one();
      inFlight.push(row.n);
      order.push(p.name);
      if (fail.has(p.name)) throw new Error(`${p.name} fails`);
    });
  };
  const r = rig(setup, {}, extra);
  return { r, order, inFlight, fail };
}

const t = (id: string, dependsOn: string[] = []) => ({ id, handler: "step", payload: { name: id }, dependsOn });

describe("DAG definitions", () => {
  it("rejects duplicate ids, unknown dependencies and 1,001 tasks with DAG_INVALID", () => {
    const { r } = dagRig();
    expectCode(() => r.s.defineDag({ id: "d", tasks: [t("a"), t("a")] }), "DAG_INVALID", 400);
    expectCode(() => r.s.defineDag({ id: "d", tasks: [t("a", ["x"])] }), "DAG_INVALID", 400);
    const many = Array.from({ length: 1_001 }, (_, i) => t(`t${i}`));
    expectCode(() => r.s.defineDag({ id: "d", tasks: many }), "DAG_INVALID", 400);
    expectCode(() => r.s.defineDag({ id: "d", tasks: [t("a")], maxParallel: 33 }), "DAG_INVALID", 400);
    expectCode(
      () => r.s.defineDag({ id: "d", tasks: [{ id: "a", handler: "nope", dependsOn: [] }] }),
      "UNKNOWN_HANDLER",
      400,
    );
    expectCode(
      () => r.s.defineDag({ id: "d", tasks: [{ id: "a", handler: "step", payload: {} }] }),
      "INVALID_PAYLOAD",
      400,
    );
    expect(r.db.sql.exec("SELECT count(*) AS n FROM sched_dags").one().n).toBe(0);
  });

  it("a self-dependency or cycle → DAG_CYCLE naming the path", () => {
    const { r } = dagRig();
    expectCode(() => r.s.defineDag({ id: "d", tasks: [t("a", ["a"])] }), "DAG_CYCLE", 400);
    try {
      r.s.defineDag({ id: "d", tasks: [t("a", ["c"]), t("b", ["a"]), t("c", ["b"]), t("z")] });
    } catch (err) {
      expect((err as Error).message).toMatch(/cycle: (a|b|c) → (a|b|c) → (a|b|c) → (a|b|c)/);
    }
    expect.assertions(4);
  });

  it("identical definitions are a no-op; a change makes version n+1; a run stays on its start version", async () => {
    const { r, order } = dagRig();
    expect(r.s.defineDag({ id: "d", tasks: [t("a")] })).toEqual({ version: 1, created: true });
    expect(r.s.defineDag({ id: "d", tasks: [t("a")] })).toEqual({ version: 1, created: false });
    const run = r.s.runDag("d", { key: "r1" });
    expect(r.s.defineDag({ id: "d", tasks: [t("a"), t("b", ["a"])] })).toEqual({ version: 2, created: true });
    await r.drain();
    expect(order).toEqual(["a"]);
    expect(r.s.getDagRun("d", run.id)).toMatchObject({ version: 1, status: "succeeded" });
    const run2 = r.s.runDag("d", { key: "r2" });
    await r.drain();
    expect(r.s.getDagRun("d", run2.id)).toMatchObject({ version: 2, status: "succeeded" });
  });
});

describe("DAG runs", () => {
  it("runs tasks in dependency order, never more than maxParallel at once", async () => {
    const { r, order, inFlight } = dagRig();
    // a → (b1..b6) → c
    const bs = Array.from({ length: 6 }, (_, i) => t(`b${i}`, ["a"]));
    r.s.defineDag({
      id: "d",
      tasks: [
        t("a"),
        ...bs,
        t(
          "c",
          bs.map((b) => b.id),
        ),
      ],
      maxParallel: 2,
    });
    r.s.runDag("d", { key: "k" });
    await r.drain();
    expect(order[0]).toBe("a");
    expect(order[order.length - 1]).toBe("c");
    expect(order).toHaveLength(8);
    expect(Math.max(...inFlight)).toBe(2);
  });

  it("async tasks of one run really run concurrently, at most maxParallel at a time", async () => {
    let active = 0;
    let peak = 0;
    const done: string[] = [];
    const r = rig((s: Scheduler) =>
      s.handler("slow", z.object({ id: z.string() }), async (p) => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active--;
        done.push(p.id);
      }),
    );
    const tasks = Array.from({ length: 8 }, (_, i) => ({ id: `t${i}`, handler: "slow", payload: { id: `t${i}` } }));
    r.s.defineDag({
      id: "fan",
      tasks: [...tasks, { id: "join", handler: "slow", payload: { id: "join" }, dependsOn: tasks.map((t) => t.id) }],
      maxParallel: 3,
    });
    r.s.runDag("fan", { key: "k" });
    await r.drain();
    expect(peak).toBe(3);
    expect(done).toHaveLength(9);
    expect(done[8]).toBe("join");
  });

  it("runDag is idempotent by key", () => {
    const { r } = dagRig();
    r.s.defineDag({ id: "d", tasks: [t("a")] });
    const one = r.s.runDag("d", { key: "k" });
    const two = r.s.runDag("d", { key: "k" });
    expect(two.id).toBe(one.id);
    expect(r.db.sql.exec("SELECT count(*) AS n FROM sched_dag_runs").one().n).toBe(1);
    expectCode(() => r.s.runDag("missing", { key: "k" }), "NOT_FOUND", 404);
  });

  it("per-task retries; a task failing for good skips its descendants and fails the run", async () => {
    const { r, order, fail } = dagRig();
    fail.add("b");
    r.s.defineDag({
      id: "d",
      tasks: [
        t("a"),
        { ...t("b", ["a"]), retry: { maxAttempts: 2, initialDelayMs: 100 } },
        t("c", ["b"]),
        t("d2", ["c"]),
        t("e", ["a"]),
      ],
    });
    const run = r.s.runDag("d", { key: "k" });
    await r.drain();
    r.clock.advance(1_000);
    await r.drain();
    expect(order.filter((x) => x === "b")).toHaveLength(2);
    expect(order).not.toContain("c");
    const got = r.s.getDagRun("d", run.id);
    expect(got?.status).toBe("failed");
    expect(Object.fromEntries(got?.tasks?.map((x) => [x.id, x.status]) ?? [])).toEqual({
      a: "succeeded",
      b: "failed",
      c: "skipped",
      d2: "skipped",
      e: "succeeded",
    });
  });

  it("a schedule can target a DAG; each slot starts one run keyed by its idempotency key", async () => {
    const { r, order } = dagRig();
    r.s.defineDag({ id: "d", tasks: [t("a")] });
    r.s.schedule({ key: "nightly", dag: "d", when: { everyMs: 60_000 } });
    r.clock.advance(60_000);
    await r.drain();
    r.clock.advance(60_000);
    await r.drain();
    expect(order).toEqual(["a", "a"]);
  });
});

describe("cross-DAG triggers", () => {
  it("A → B → A is rejected with DAG_CYCLE", () => {
    const { r } = dagRig();
    r.s.defineDag({ id: "A", tasks: [t("a")] });
    r.s.defineDag({ id: "B", tasks: [t("b")] });
    r.s.addTrigger({ from: "A", on: "success", to: "B" });
    expectCode(() => r.s.addTrigger({ from: "B", on: "completed", to: "A" }), "DAG_CYCLE", 400);
    expectCode(() => r.s.addTrigger({ from: "A", on: "success", to: "A" }), "DAG_CYCLE", 400);
    expectCode(() => r.s.addTrigger({ from: "A", on: "success", to: "missing" }), "NOT_FOUND", 404);
  });

  it("success of A starts B once, through the outbox", async () => {
    const { r, order } = dagRig();
    r.s.defineDag({ id: "A", tasks: [t("a")] });
    r.s.defineDag({ id: "B", tasks: [t("b")] });
    r.s.addTrigger({ from: "A", on: "success", to: "B" });
    r.s.runDag("A", { key: "k" });
    await r.drain();
    expect(order).toEqual(["a", "b"]);
    expect(r.db.sql.exec("SELECT state FROM sched_outbox").toArray()).toEqual([{ state: "delivered" }]);
  });

  it("killed between persist and send: the outbox row is redelivered from the queue, once", async () => {
    let crash = true;
    const { r, order } = dagRig({
      faults: {
        afterOutboxPersist: () => {
          if (crash) throw new SimulatedCrash("after outbox persist");
        },
      },
    });
    r.s.defineDag({ id: "A", tasks: [t("a")] });
    r.s.defineDag({ id: "B", tasks: [t("b")] });
    r.s.addTrigger({ from: "A", on: "completed", to: "B" });
    r.s.runDag("A", { key: "k" });
    await expect(r.fire()).rejects.toBeInstanceOf(SimulatedCrash);
    expect(r.db.sql.exec("SELECT state FROM sched_outbox").toArray()).toEqual([{ state: "pending" }]);
    crash = false;
    const before = order.length;
    r.restart();
    await r.s.start();
    expect(r.alarm.at).toBe(r.clock.now() + 1_000);
    r.clock.advance(1_000);
    await r.drain();
    await r.drain();
    expect(order.slice(before)).toEqual(["b"]);
    expect(r.db.sql.exec("SELECT count(*) AS n FROM sched_dag_runs WHERE dag_id = 'B'").one().n).toBe(1);
  });

  it("a trigger to another DO goes through the TriggerSink with the same key; failures retry 1 s → 30 s", async () => {
    const sent: string[] = [];
    let down = true;
    const { r } = dagRig({
      triggerSink: {
        send: async (m) => {
          if (down) throw new Error("unreachable");
          sent.push(`${m.target}/${m.dag}/${m.key}`);
        },
      },
    });
    r.s.defineDag({ id: "A", tasks: [t("a")] });
    r.s.addTrigger({ from: "A", on: "success", to: "B", target: "tenant:shard-2" });
    r.s.runDag("A", { key: "k" });
    await r.drain();
    expect(sent).toEqual([]);
    const due1 = r.alarm.at as number;
    expect(due1 - r.clock.now()).toBe(1_000);
    r.clock.advance(1_000);
    await r.drain();
    expect((r.alarm.at as number) - r.clock.now()).toBe(2_000);
    down = false;
    r.clock.advance(2_000);
    await r.drain();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^tenant:shard-2\/B\/trigger:A:/);
  });
});
