/**
 * Proves the scheduler's HTTP API end to end through the real Worker (auth, routing, the DO):
 * every route of the issue, 201 on create and 200 on the idempotent repeat, and the stable
 * error codes for bad input (400/404/409/413) with nothing stored.
 * Does not prove timing (scheduler-alarm.test.ts) or the package's policies (Node tests).
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, env, jsonInit, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";

async function setup() {
  const tenant = uniqueTenant("sr");
  const token = await tokenFor(tenant);
  const base = `/v1/tenants/${tenant}/scheduler`;
  const post = (path: string, body: unknown) => call(`${base}${path}`, jsonInit("POST", body, token));
  const put = (path: string, body: unknown) => call(`${base}${path}`, jsonInit("PUT", body, token));
  const get = (path: string) => call(`${base}${path}`, { token });
  const del = (path: string) => call(`${base}${path}`, { method: "DELETE", token });
  return { tenant, token, post, put, get, del };
}

describe("schedules", () => {
  it("POST → 201 new, 200 existing; GET one and list; pause, resume, runs, DELETE", async () => {
    const { post, get, del } = await setup();
    const body = {
      key: "nightly",
      handler: "platform.noop",
      payload: { a: 1 },
      when: { cron: "0 3 * * *", timezone: "Europe/Berlin" },
    };
    const first = await post("/schedules", body);
    expect(first.status).toBe(201);
    const created = (await jsonOf(first)) as unknown as { created: boolean; schedule: { id: string; status: string } };
    expect(created.created).toBe(true);
    const again = await post("/schedules", body);
    expect(again.status).toBe(200);
    expect(((await jsonOf(again)) as unknown as { created: boolean }).created).toBe(false);
    const id = created.schedule.id;
    expect((await jsonOf(await get(`/schedules/${id}`))).status).toBe("active");
    const list = await jsonOf(await get("/schedules?status=active"));
    expect((list.items as unknown[]).length).toBe(1);
    expect((await jsonOf(await post(`/schedules/${id}/pause`, {}))).status).toBe("paused");
    expect((await jsonOf(await get("/schedules?status=paused"))).items).toHaveLength(1);
    expect((await jsonOf(await post(`/schedules/${id}/resume`, {}))).status).toBe("active");
    expect((await jsonOf(await get(`/schedules/${id}/runs`))).items).toEqual([]);
    const cancelled = await del(`/schedules/${id}`);
    expect(cancelled.status).toBe(200);
    expect((await jsonOf(cancelled)).status).toBe("cancelled");
  });

  it.each([
    ["INVALID_CRON", 400, { key: "x", handler: "platform.noop", when: { cron: "0 0 30 2 *" } }],
    ["INVALID_CRON", 400, { key: "x", handler: "platform.noop", when: { cron: "0 0 L * *" } }],
    [
      "INVALID_TIMEZONE",
      400,
      { key: "x", handler: "platform.noop", when: { cron: "0 9 * * *", timezone: "Mars/Base" } },
    ],
    ["INVALID_SCHEDULE", 400, { key: "x", handler: "platform.noop", when: { everyMs: 999 } }],
    ["INVALID_SCHEDULE", 400, { key: "x", handler: "platform.noop", when: { at: 0 } }],
    ["UNKNOWN_HANDLER", 400, { key: "x", handler: "nope", when: { everyMs: 60_000 } }],
    [
      "PAYLOAD_TOO_LARGE",
      413,
      { key: "x", handler: "platform.noop", payload: "x".repeat(65 * 1024), when: { everyMs: 60_000 } },
    ],
    ["INVALID_SCHEDULE", 400, [1, 2, 3]],
  ])("POST /schedules → %s (%i), nothing stored, the alarm unchanged", async (code, status, body) => {
    const { tenant, post, get } = await setup();
    expect((await get("/schedules")).status).toBe(200);
    const stub = env.TENANT.getByName(tenant);
    const queue = () =>
      runInDurableObject(stub, async (_i, state) => ({
        alarm: await state.storage.getAlarm(),
        rows: state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM sched_queue").one().n,
      }));
    const before = await queue();
    const res = await post("/schedules", body);
    expect(res.status).toBe(status);
    expect((await jsonOf(res)).error.code).toBe(code);
    expect((await jsonOf(await get("/schedules"))).items).toEqual([]);
    expect(await queue()).toEqual(before);
  });

  it("same key, other definition → 409 SCHEDULE_CONFLICT; unknown id → 404 NOT_FOUND", async () => {
    const { post, get, del } = await setup();
    await post("/schedules", { key: "k", handler: "platform.noop", when: { everyMs: 60_000 } });
    const res = await post("/schedules", { key: "k", handler: "platform.noop", when: { everyMs: 120_000 } });
    expect(res.status).toBe(409);
    expect((await jsonOf(res)).error.code).toBe("SCHEDULE_CONFLICT");
    for (const r of [await get("/schedules/nope"), await del("/schedules/nope"), await get("/schedules/nope/runs")]) {
      expect(r.status).toBe(404);
      expect((await jsonOf(r)).error.code).toBe("NOT_FOUND");
    }
  });
});

describe("dead letters, DAGs, triggers, tasks", () => {
  it("dead-letter routes answer, and unknown ids are 404", async () => {
    const { post, get, del } = await setup();
    expect((await jsonOf(await get("/dead-letters"))).items).toEqual([]);
    expect((await post("/dead-letters/nope/replay", {})).status).toBe(404);
    expect((await del("/dead-letters/nope")).status).toBe(404);
  });

  it("PUT /dags/:id → 201 new version, 200 same; runs by key; GET run; triggers; cycles are 400", async () => {
    const { post, put, get } = await setup();
    const dag = {
      tasks: [
        { id: "a", handler: "platform.noop" },
        { id: "b", handler: "platform.noop", dependsOn: ["a"] },
      ],
    };
    const first = await put("/dags/etl", dag);
    expect(first.status).toBe(201);
    expect(await jsonOf(first)).toEqual({ version: 1, created: true });
    const same = await put("/dags/etl", dag);
    expect(same.status).toBe(200);
    const run = await post("/dags/etl/runs", { key: "2024-06-01" });
    expect(run.status).toBe(200);
    const runBody = await jsonOf(run);
    const again = await jsonOf(await post("/dags/etl/runs", { key: "2024-06-01" }));
    expect(again.id).toBe(runBody.id);
    const got = await jsonOf(await get(`/dags/etl/runs/${runBody.id as string}`));
    expect((got.tasks as { id: string; status: string }[]).map((t) => t.id)).toEqual(["a", "b"]);
    expect((await get("/dags/etl/runs/nope")).status).toBe(404);
    const cyc = await put("/dags/loop", {
      tasks: [
        { id: "a", handler: "platform.noop", dependsOn: ["b"] },
        { id: "b", handler: "platform.noop", dependsOn: ["a"] },
      ],
    });
    expect(cyc.status).toBe(400);
    expect((await jsonOf(cyc)).error.code).toBe("DAG_CYCLE");
    const dup = await put("/dags/dup", {
      tasks: [
        { id: "a", handler: "platform.noop" },
        { id: "a", handler: "platform.noop" },
      ],
    });
    expect((await jsonOf(dup)).error.code).toBe("DAG_INVALID");
    await put("/dags/report", { tasks: [{ id: "r", handler: "platform.noop" }] });
    expect((await post("/dags/etl/triggers", { on: "success", to: "report" })).status).toBe(201);
    const back = await post("/dags/report/triggers", { on: "completed", to: "etl" });
    expect(back.status).toBe(400);
    expect((await jsonOf(back)).error.code).toBe("DAG_CYCLE");
    expect((await get("/tasks/nope")).status).toBe(404);
  });

  it("a schedule list query over 100 is refused", async () => {
    const { get } = await setup();
    const res = await get("/schedules?limit=101");
    expect(res.status).toBe(400);
    expect((await jsonOf(res)).error.code).toBe("INVALID_SCHEDULE");
  });
});
