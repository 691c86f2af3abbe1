/**
 * The scheduler as a capability, composed the way DOBase composes it (core's `TestHost`, the same
 * `Composition`): the definition (`name`, `ownsAlarm`, config checked at definition time), the
 * host running the migrations (the scheduler never does), `setup` registering handlers, another
 * capability's scoped `wake` delivered through `onAlarm`, the RPC `api` (plain data, `[CODE]`
 * errors, mutations answered after the alarm is written) and the routes over it. It does not
 * cover Workers RPC itself or DOBase's tenant check (apps/platform's workerd tests do).
 */
import {
  type Capability,
  type CapabilityDefinition,
  errorCodeOf,
  ManualClock,
  type Route,
  type RouteRequest,
  type Wake,
  type WakeEvent,
} from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { TestHost } from "@durable/core/testing";
import { MemoryAlarm } from "@durable/scheduler/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createScheduler, NonRetryableError, schedulerCapability } from "../src/index.ts";
import { expectCode, T0 } from "./helpers.ts";

/** A capability that asks for wake-ups through its own scoped port and records them. */
function probe(events: WakeEvent[]): CapabilityDefinition<Capability & { wake: Wake }> {
  return {
    name: "probe",
    create: ({ wake }) => ({ name: "probe", wake, onWake: (e) => void events.push(e) }),
  };
}

async function composed(events: WakeEvent[] = []) {
  const db = openSqlite();
  const clock = new ManualClock(T0);
  const host = new TestHost({ sql: db.sql, transactionSync: db.transactionSync, clock });
  const cap = host.use(
    schedulerCapability({
      maxPerPass: 50,
      setup: (s) => {
        s.handler("noop", z.unknown(), () => {});
        s.handler("fails", z.unknown(), () => {
          throw new NonRetryableError("no");
        });
        s.task("count", z.object({ n: z.number() }), {
          init: (p) => ({ i: 0, n: p.n }),
          step: (c: { i: number; n: number }) => ({ cursor: { i: c.i + 1, n: c.n }, done: c.i + 1 >= c.n }),
        });
      },
    }),
  );
  const other = host.use(probe(events));
  await host.start();
  const fire = async () => {
    host.alarm.at = null;
    await cap.onAlarm();
  };
  return { db, clock, host, cap, other, api: cap.api, fire };
}

/** The code an async call fails with (as a caller across RPC reads it). */
async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return errorCodeOf(err);
  }
  return "resolved";
}

describe("schedulerCapability: the definition", () => {
  it("is the alarm owner named scheduler, and checks its config when defined", () => {
    const def = schedulerCapability();
    expect(def.name).toBe("scheduler");
    expect(def.ownsAlarm).toBe(true);
    expectCode(() => schedulerCapability({ maxPerPass: 0 }), "CONFIG_INVALID");
    expectCode(() => schedulerCapability({ maxPerPass: 10, nope: 1 } as never), "CONFIG_INVALID");
  });

  it("never runs migrations itself: over an empty database it fails until the host ran them", () => {
    const db = openSqlite();
    const s = createScheduler({
      sql: db.sql,
      transactionSync: db.transactionSync,
      clock: new ManualClock(T0),
      alarm: new MemoryAlarm(),
    });
    expect(() => s.list()).toThrow(/no such table/);
  });
});

describe("schedulerCapability: composed", () => {
  it("runs setup, and a pass on the alarm runs due schedules", async () => {
    const { api, host, clock, fire } = await composed();
    const { schedule, created } = await api.schedule({ key: "tick", handler: "noop", when: { everyMs: 60_000 } });
    expect(created).toBe(true);
    // The answer comes after the alarm was written.
    expect(host.alarm.at).toBe(T0 + 60_000);
    clock.set(T0 + 60_000);
    await fire();
    expect((await api.runs(schedule.id)).items.map((r) => r.status)).toEqual(["succeeded"]);
    expect(host.alarm.at).toBe(T0 + 120_000);
  });

  it("delivers another capability's scoped wake-ups through the scheduler", async () => {
    const events: WakeEvent[] = [];
    const { other, host, clock, fire, cap } = await composed(events);
    other.wake.set("drain", T0 + 5_000, { n: 1 });
    await cap.scheduler.settle();
    expect(host.alarm.at).toBe(T0 + 5_000);
    clock.set(T0 + 5_000);
    await fire();
    expect(events).toEqual([{ owner: "probe", key: "drain", dueAt: T0 + 5_000, payload: { n: 1 } }]);
    other.wake.set("drain", T0 + 9_000);
    other.wake.cancel("drain");
    await cap.scheduler.settle();
    expect(host.alarm.at).toBeNull();
  });
});

describe("the RPC api", () => {
  it("mirrors the schedule routes with plain data and [CODE] errors", async () => {
    const { api } = await composed();
    const input = { key: "daily", handler: "noop", when: { cron: "0 9 * * *", timezone: "Europe/Berlin" } };
    const first = await api.schedule(input);
    expect((await api.schedule(input)).created).toBe(false);
    expect(JSON.parse(JSON.stringify(first.schedule))).toEqual(first.schedule);
    const id = first.schedule.id;
    expect((await api.get(id)).key).toBe("daily");
    expect((await api.list({ status: "active" })).items.map((s) => s.id)).toEqual([id]);
    expect((await api.pause(id)).status).toBe("paused");
    expect((await api.resume(id)).status).toBe("active");
    expect((await api.cancel(id)).status).toBe("cancelled");
    expect(await codeOf(api.get("nope"))).toBe("NOT_FOUND");
    expect(await codeOf(api.get(42 as unknown as string))).toBe("NOT_FOUND");
    expect(await codeOf(api.schedule("x" as never))).toBe("INVALID_SCHEDULE");
    expect(await codeOf(api.schedule({ ...input, key: "k2", handler: "ghost" }))).toBe("UNKNOWN_HANDLER");
    expect(await codeOf(api.list({ limit: 500 }))).toBe("INVALID_SCHEDULE");
    expect(await codeOf(api.runs("nope"))).toBe("NOT_FOUND");
  });

  it("lists, replays and deletes dead letters", async () => {
    const { api, clock, fire } = await composed();
    await api.schedule({ key: "bad", handler: "fails", when: { delayMs: 0 } });
    await fire();
    const letters = await api.listDeadLetters();
    expect(letters.items.map((d) => d.code)).toEqual(["NON_RETRYABLE"]);
    const letter = letters.items[0]?.id ?? "";
    expect(await api.replayDeadLetter(letter)).toEqual({ replayed: true });
    clock.advance(1);
    await fire();
    const again = (await api.listDeadLetters()).items[0]?.id ?? "";
    expect(await api.deleteDeadLetter(again)).toEqual({ deleted: true });
    expect((await api.listDeadLetters()).items).toEqual([]);
    expect(await codeOf(api.deleteDeadLetter(again))).toBe("NOT_FOUND");
  });

  it("defines and runs DAGs, adds triggers, reads and cancels tasks", async () => {
    const { api, fire, cap } = await composed();
    const dag = {
      id: "etl",
      tasks: [
        { id: "a", handler: "noop" },
        { id: "b", handler: "noop", dependsOn: ["a"] },
      ],
    };
    expect(await api.defineDag(dag)).toEqual({ version: 1, created: true });
    expect(await api.defineDag(dag)).toEqual({ version: 1, created: false });
    await api.defineDag({ id: "report", tasks: [{ id: "r", handler: "noop" }] });
    expect(await api.addTrigger({ from: "etl", on: "success", to: "report" })).toEqual({ ok: true });
    expect(await codeOf(api.addTrigger({ from: "report", on: "success", to: "etl" }))).toBe("DAG_CYCLE");
    const run = await api.runDag("etl", { key: "2024-06-01" });
    await fire();
    await fire();
    expect((await api.getDagRun("etl", run.id)).status).toBe("succeeded");
    expect(await codeOf(api.getDagRun("etl", "nope"))).toBe("NOT_FOUND");
    expect(await codeOf(api.runDag("etl", { key: "bad key!" }))).toBe("DAG_INVALID");
    expect(await codeOf(api.defineDag({ id: "loop", tasks: [{ id: "x", handler: "noop", dependsOn: ["x"] }] }))).toBe(
      "DAG_CYCLE",
    );
    const { schedule } = await api.schedule({
      key: "long",
      handler: "count",
      payload: { n: 1_000 },
      when: { delayMs: 0 },
    });
    await fire();
    const taskId = cap.scheduler.runs(schedule.id).items[0]?.detail?.taskId as string;
    expect((await api.getTask(taskId)).status).toBe("running");
    expect((await api.cancelTask(taskId)).status).toBe("cancelled");
    expect(await codeOf(api.getTask("nope"))).toBe("NOT_FOUND");
  });
});

describe("the routes", () => {
  const request = (body: unknown, params: Record<string, string> = {}, query = ""): RouteRequest => ({
    params,
    query: new URLSearchParams(query),
    body,
    tenant: "t",
    requestId: "r",
    request: new Request("http://x/"),
  });
  const route = (routes: readonly Route[], method: string, path: string): Route => {
    const r = routes.find((x) => x.method === method && x.path === path);
    if (!r) throw new Error(`no route ${method} ${path}`);
    return r;
  };

  it("answer 201 for a new schedule, 200 for the same again, and read through the api", async () => {
    const { cap } = await composed();
    const post = route(cap.routes, "POST", "/scheduler/schedules");
    const body = { key: "r1", handler: "noop", when: { everyMs: 60_000 } };
    const first = (await post.handle(request(body))) as Response;
    expect(first.status).toBe(201);
    expect(((await (post.handle(request(body)) as Promise<Response>)) as Response).status).toBe(200);
    const { schedule } = (await first.json()) as { schedule: { id: string } };
    const list = (await route(cap.routes, "GET", "/scheduler/schedules").handle(request(undefined, {}, "limit=5"))) as {
      items: unknown[];
    };
    expect(list.items).toHaveLength(1);
    const got = await route(cap.routes, "GET", "/scheduler/schedules/:id").handle(
      request(undefined, { id: schedule.id }),
    );
    expect((got as { key: string }).key).toBe("r1");
    await expect(
      route(cap.routes, "PUT", "/scheduler/dags/:id").handle(request({ id: "other", tasks: [] }, { id: "etl" })),
    ).rejects.toThrow(/DAG_INVALID/);
  });
});
