/**
 * Pins the exact messages of bad schedules, DAGs, triggers, list queries, payloads and configs,
 * so that a change of zod flavour (full zod → zod/mini with the English locale) cannot change
 * what clients read. Handler payload schemas here are the host's full zod.
 */
import { PlatformError } from "@durable/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { schedulerApi } from "../src/api.ts";
import type { Scheduler } from "../src/index.ts";
import { rig } from "./helpers.ts";

async function failure(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof PlatformError) return `${err.code} ${err.status} ${err.detail}`;
    throw err;
  }
  return "no error";
}

const setup = (s: Scheduler) => {
  s.handler("noop", z.unknown(), () => {});
  s.handler("mail", z.strictObject({ to: z.string().email(), n: z.number().int().optional() }), () => {});
};
const every = { key: "k", handler: "noop", when: { everyMs: 60_000 } };
const KEY_RULE = "use 1-128 characters of A-Z a-z 0-9 : . _ -";

describe("schedule() messages", () => {
  const r = rig(setup);
  it.each([
    ["everyMs 500", { ...every, when: { everyMs: 500 } }, "when.everyMs: everyMs must be at least 1000"],
    ["an empty key", { ...every, key: "" }, `key: Too small: expected string to have >=1 characters; key: ${KEY_RULE}`],
    ["a bad key", { ...every, key: "a b" }, `key: ${KEY_RULE}`],
    ["a long key", { ...every, key: "a".repeat(129) }, "key: Too big: expected string to have <=128 characters"],
    ["an empty when", { ...every, when: {} }, "when: Invalid input"],
    ["a bad at", { ...every, when: { at: "tomorrow" } }, "when.at: Invalid ISO datetime"],
    [
      "an unknown overlap",
      { ...every, overlap: "x" },
      'overlap: Invalid option: expected one of "skip"|"buffer-one"|"allow"',
    ],
    [
      "a short catch-up window",
      { ...every, missed: { catchUp: { windowMs: 1 } } },
      "missed.catchUp.windowMs: Too small: expected number to be >=1000",
    ],
    ["an unknown missed policy", { ...every, missed: "x" }, "missed: Invalid input"],
    ["handler and dag", { ...every, dag: "d" }, "handler: name exactly one of handler or dag"],
    ["neither handler nor dag", { key: "k", when: { everyMs: 60_000 } }, "handler: name exactly one of handler or dag"],
    [
      "a bad retry",
      { ...every, retry: { maxAttempts: 0, multiplier: "x" } },
      "retry.maxAttempts: Too small: expected number to be >=1; retry.multiplier: Invalid input: expected number, received string",
    ],
    ["a negative grace", { ...every, graceMs: -1 }, "graceMs: Too small: expected number to be >=0"],
    [
      "a delay over a year",
      { ...every, when: { delayMs: 366 * 86_400_000 } },
      "when.delayMs: Too big: expected number to be <=31536000000",
    ],
    ["an extra key", { ...every, x: 1 }, '(root): Unrecognized key: "x"'],
    ["a number", 5, "(root): Invalid input: expected object, received number"],
    [
      "a long cron",
      { ...every, when: { cron: "x".repeat(257) } },
      "when.cron: Too big: expected string to have <=256 characters",
    ],
  ])("%s", async (_, input, detail) => {
    expect(await failure(() => r.s.schedule(input as never))).toBe(`INVALID_SCHEDULE 400 ${detail}`);
  });

  it("payloads are checked with the handler's own (full zod) schema", async () => {
    expect(await failure(() => r.s.schedule({ ...every, handler: "mail", payload: { to: 5 } }))).toBe(
      "INVALID_PAYLOAD 400 payload.to: Invalid input: expected string, received number",
    );
    expect(await failure(() => r.s.schedule({ ...every, handler: "mail", payload: { to: "x", n: 1.5 } }))).toBe(
      "INVALID_PAYLOAD 400 payload.to: Invalid email address; payload.n: Invalid input: expected int, received number",
    );
  });
});

describe("list, DAG, trigger, config and API messages", () => {
  it("list queries, DAGs and triggers", async () => {
    const r = rig(setup);
    expect(await failure(() => r.s.list({ limit: 0, status: "x" } as never))).toBe(
      'INVALID_SCHEDULE 400 status: Invalid option: expected one of "active"|"paused"|"cancelled"|"completed"; limit: Too small: expected number to be >=1',
    );
    expect(await failure(() => r.s.list({ limit: "abc" }))).toBe(
      "INVALID_SCHEDULE 400 limit: Invalid input: expected number, received NaN",
    );
    const tasks = Array.from({ length: 1001 }, (_, i) => ({ id: `t${i}`, handler: "noop" }));
    expect(await failure(() => r.s.defineDag({ id: "d", tasks }))).toBe(
      "DAG_INVALID 400 tasks: a DAG has at most 1000 tasks",
    );
    expect(await failure(() => r.s.defineDag({ id: "d", tasks: [], maxParallel: 0 }))).toBe(
      "DAG_INVALID 400 tasks: Too small: expected array to have >=1 items; maxParallel: Too small: expected number to be >=1",
    );
    expect(
      await failure(() => r.s.defineDag({ id: "d", tasks: [{ id: "t", handler: "noop", dependsOn: [""] }] })),
    ).toBe(
      `DAG_INVALID 400 tasks[0].dependsOn[0]: Too small: expected string to have >=1 characters; tasks[0].dependsOn[0]: ${KEY_RULE}`,
    );
    expect(
      await failure(() => r.s.addTrigger({ from: "a", on: "x", to: "b", toVersion: 0, target: "" } as never)),
    ).toBe(
      'DAG_INVALID 400 on: Invalid option: expected one of "success"|"failure"|"completed"; toVersion: Too small: expected number to be >=1; target: Too small: expected string to have >=1 characters',
    );
  });

  it("configs, handler retries and task budgets", async () => {
    expect(await failure(() => rig(setup, { maxSchedules: 0, retry: { multiplier: 11 }, x: 1 } as never))).toBe(
      'CONFIG_INVALID 400 maxSchedules: Too small: expected number to be >=1; retry.multiplier: Too big: expected number to be <=10; (root): Unrecognized key: "x"',
    );
    expect(await failure(() => rig(setup, { leaseMs: "x" } as never))).toBe(
      "CONFIG_INVALID 400 leaseMs: Invalid input: expected number, received string",
    );
    const r = rig(setup);
    expect(await failure(() => r.s.handler("h2", z.unknown(), () => {}, { retry: { maxAttempts: 21 } }))).toBe(
      "CONFIG_INVALID 400 retry.maxAttempts: Too big: expected number to be <=20",
    );
    const task = { init: () => 0, step: () => ({ done: true }) } as never;
    expect(await failure(() => r.s.task("t2", z.unknown(), task, { cpuBudgetMs: 1, maxStepsPerChunk: 1.5 }))).toBe(
      "CONFIG_INVALID 400 cpuBudgetMs: Too small: expected number to be >=10; maxStepsPerChunk: Invalid input: expected int, received number",
    );
  });

  it("the RPC API's runDag options, ids and pages", async () => {
    const api = schedulerApi(rig(setup).s);
    expect(await failure(() => api.runDag("d", { key: "", version: 0 }))).toBe(
      `DAG_INVALID 400 key: Too small: expected string to have >=1 characters; key: ${KEY_RULE}; version: Too small: expected number to be >=1`,
    );
    expect(await failure(() => api.get(""))).toBe(
      "NOT_FOUND 400 id: Too small: expected string to have >=1 characters",
    );
    expect(await failure(() => api.listDeadLetters({ limit: 101, cursor: "x".repeat(201) }))).toBe(
      "INVALID_SCHEDULE 400 cursor: Too big: expected string to have <=200 characters; limit: Too big: expected number to be <=100",
    );
  });
});
