/**
 * Proves the scheduler routes that act on work the alarm produced, through the fixture DO's
 * real fetch (DOBase routing, DO SQLite, alarms): a dead letter is listed, replayed with the same
 * key (and fails again into a new dead letter), deleted, and a second delete is 404; a chunked
 * task's progress is readable at `GET /tasks/:id` and `DELETE /tasks/:id` stops it between
 * steps; a DAG run started over HTTP is driven by alarms to success and read back by id.
 * Does not prove the Worker's auth (scheduler-routes.test.ts) or the package's policies (Node tests).
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { env, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";
import type { TestSchedulerDO } from "./scheduler-fixture.ts";

const scheds = (env as unknown as { SCHED: DurableObjectNamespace<TestSchedulerDO> }).SCHED;

async function client(prefix: string) {
  const name = uniqueTenant(prefix);
  const stub = scheds.getByName(name);
  const headers = { authorization: `Bearer ${await tokenFor(name)}`, "content-type": "application/json" };
  const send = (method: string, path: string, body?: unknown) =>
    stub.fetch(`https://sched.test/v1/tenants/${name}/scheduler${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  /** Fires the alarm until `done()` holds (bounded); the alarm may also fire by itself. */
  const until = async (done: () => Promise<boolean>, max = 10) => {
    for (let i = 0; i < max && !(await done()); i++) {
      if (!(await runDurableObjectAlarm(stub))) await stub.pass();
    }
    return done();
  };
  return { stub, send, until };
}

const TOTAL = 100_000;

type Letter = { id: string; key: string; code: string; handler: string; attempts: number };

describe("dead-letter routes on a real dead letter", () => {
  it("list → replay (same key, fails again) → delete → 404", async () => {
    const { send, until } = await client("dlf");
    const created = await send("POST", "/schedules", {
      key: "bad",
      handler: "test.fail",
      when: { delayMs: 0 },
      retry: { maxAttempts: 1 },
    });
    expect(created.status).toBe(201);
    const letters = async () => (await jsonOf(await send("GET", "/dead-letters"))).items as Letter[];
    expect(await until(async () => (await letters()).length === 1)).toBe(true);
    const [first] = await letters();
    expect(first).toMatchObject({ handler: "test.fail", code: "RETRIES_EXHAUSTED", attempts: 1 });
    const replay = await send("POST", `/dead-letters/${first?.id}/replay`);
    expect(replay.status).toBe(200);
    expect(await letters()).toEqual([]);
    expect(await until(async () => (await letters()).length === 1)).toBe(true);
    const [second] = await letters();
    expect(second?.id).not.toBe(first?.id);
    expect(second?.key).toBe(first?.key);
    const del = await send("DELETE", `/dead-letters/${second?.id}`);
    expect(del.status).toBe(200);
    expect(await letters()).toEqual([]);
    const again = await send("DELETE", `/dead-letters/${second?.id}`);
    expect(again.status).toBe(404);
    expect((await jsonOf(again)).error.code).toBe("NOT_FOUND");
  });
});

describe("task progress routes", () => {
  it("GET /tasks/:id shows progress between chunks; DELETE stops it between steps", async () => {
    const { stub, send } = await client("tpf");
    const res = await send("POST", "/schedules", {
      key: "job",
      handler: "test.count",
      payload: { total: TOTAL },
      when: { delayMs: 0 },
    });
    const id = ((await jsonOf(res)) as unknown as { schedule: { id: string } }).schedule.id;
    // Chunks of 10 steps, one per alarm (local alarms also fire by themselves): far too many
    // chunks to finish during the test, so the task is seen running, then cancelled.
    let taskId: string | undefined;
    for (let i = 0; i < 5 && taskId === undefined; i++) {
      if (!(await runDurableObjectAlarm(stub))) await stub.pass();
      const runs = (await jsonOf(await send("GET", `/schedules/${id}/runs`))).items as {
        detail: { taskId?: string };
      }[];
      taskId = runs[0]?.detail?.taskId;
    }
    expect(taskId).toBeDefined();
    const progress = await jsonOf(await send("GET", `/tasks/${taskId}`));
    expect(progress).toMatchObject({ id: taskId, name: "test.count", status: "running" });
    expect(progress.steps as number).toBeGreaterThanOrEqual(10);
    expect(progress.steps as number).toBeLessThan(TOTAL);
    // A synchronous chunk has no await: a request only ever sees whole chunks.
    expect((progress.steps as number) % 10).toBe(0);
    expect(progress.progress).toBeCloseTo((progress.steps as number) / TOTAL);
    const stopped = await send("DELETE", `/tasks/${taskId}`);
    expect(stopped.status).toBe(200);
    for (let i = 0; i < 10 && (await stub.state()).earliest !== null; i++) {
      if (!(await runDurableObjectAlarm(stub))) await stub.pass();
    }
    const end = await jsonOf(await send("GET", `/tasks/${taskId}`));
    expect(end.status).toBe("cancelled");
    expect((await stub.state()).earliest).toBeNull();
    expect(end.steps as number).toBeGreaterThanOrEqual(progress.steps as number);
    expect(end.steps as number).toBeLessThan(TOTAL);
    // Each step wrote one row in its own transaction with the cursor: rows equal saved steps.
    expect((await stub.state()).steps).toBe(end.steps);
    expect((await send("GET", "/tasks/nope")).status).toBe(404);
  });
});

describe("DAG routes", () => {
  it("a run started over HTTP is driven by alarms to success, in dependency order", async () => {
    const { send, until } = await client("dgf");
    const put = await send("PUT", "/dags/etl", {
      tasks: [
        { id: "extract", handler: "platform.noop" },
        { id: "load", handler: "platform.noop", dependsOn: ["extract"] },
      ],
    });
    expect(put.status).toBe(201);
    const run = await jsonOf(await send("POST", "/dags/etl/runs", { key: "day-1" }));
    const read = async () => jsonOf(await send("GET", `/dags/etl/runs/${run.id as string}`));
    expect(await until(async () => (await read()).status === "succeeded")).toBe(true);
    const done = await read();
    expect((done.tasks as { id: string; status: string }[]).map((t) => [t.id, t.status])).toEqual([
      ["extract", "succeeded"],
      ["load", "succeeded"],
    ]);
    expect((await send("POST", "/dags/etl/runs", { key: "bad key!" })).status).toBe(400);
    expect((await send("POST", "/dags/nope/runs", { key: "k" })).status).toBe(404);
  });
});
