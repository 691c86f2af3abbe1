/**
 * The DAG listings: `listDags` (each DAG's latest definition with `dependsOn`, keyset by id) and
 * `dagRuns` (newest first, keyset by start time then id, ties at one millisecond included), with
 * bad cursors, bad limits and unknown DAGs refused with stable codes. Property: paging through
 * any mix of runs returns every run exactly once, in order.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Scheduler } from "../src/index.ts";
import { expectCode, rig } from "./helpers.ts";

const setup = (s: Scheduler) => s.handler("step", z.object({}).passthrough(), () => {});
const task = (id: string, dependsOn: string[] = []) => ({ id, handler: "step", payload: { id }, dependsOn });

describe("listDags", () => {
  it("lists each DAG once at its latest version, with dependencies and no payloads", () => {
    const r = rig(setup);
    r.s.defineDag({ id: "etl", tasks: [task("extract"), task("load", ["extract"])] });
    r.s.defineDag({ id: "etl", tasks: [task("extract"), task("clean", ["extract"]), task("load", ["clean"])] });
    r.clock.advance(10);
    r.s.defineDag({ id: "audit", tasks: [task("scan")], maxParallel: 2 });
    const page = r.s.listDags();
    expect(page.cursor).toBeUndefined();
    expect(page.items).toEqual([
      {
        id: "audit",
        version: 1,
        maxParallel: 2,
        tasks: [{ id: "scan", handler: "step", dependsOn: [] }],
        createdAt: r.clock.now(),
      },
      {
        id: "etl",
        version: 2,
        maxParallel: 4,
        tasks: [
          { id: "extract", handler: "step", dependsOn: [] },
          { id: "clean", handler: "step", dependsOn: ["extract"] },
          { id: "load", handler: "step", dependsOn: ["clean"] },
        ],
        createdAt: r.clock.now() - 10,
      },
    ]);
  });

  it("pages by id and refuses a bad limit", () => {
    const r = rig(setup);
    for (const id of ["c", "a", "e", "b", "d"]) r.s.defineDag({ id, tasks: [task("t")] });
    const first = r.s.listDags({ limit: 2 });
    expect(first.items.map((d) => d.id)).toEqual(["a", "b"]);
    const second = r.s.listDags({ limit: 2, cursor: first.cursor });
    expect(second.items.map((d) => d.id)).toEqual(["c", "d"]);
    const third = r.s.listDags({ limit: 2, cursor: second.cursor });
    expect(third).toEqual({ items: [expect.objectContaining({ id: "e" })] });
    expectCode(() => r.s.listDags({ limit: 0 }), "INVALID_SCHEDULE", 400);
    expectCode(() => r.s.listDags({ limit: 101 }), "INVALID_SCHEDULE", 400);
    expect(rig(setup).s.listDags()).toEqual({ items: [] });
  });
});

describe("dagRuns", () => {
  it("lists a DAG's runs newest first with their progress, only that DAG's", async () => {
    const r = rig(setup);
    r.s.defineDag({ id: "etl", tasks: [task("a"), task("b", ["a"])] });
    r.s.defineDag({ id: "other", tasks: [task("x")] });
    const first = r.s.runDag("etl", { key: "day-1" });
    await r.drain();
    r.clock.advance(1_000);
    r.s.runDag("other", { key: "x-1" });
    const second = r.s.runDag("etl", { key: "day-2" });
    const page = r.s.dagRuns("etl");
    expect(page.items.map((run) => run.id)).toEqual([second.id, first.id]);
    expect(page.items[0]).toMatchObject({
      key: "day-2",
      status: "running",
      remaining: 2,
      failed: false,
      endedAt: null,
    });
    expect(page.items[1]).toMatchObject({ key: "day-1", status: "succeeded", remaining: 0, failed: false });
    expect(page.items[1]?.endedAt).toBeTypeOf("number");
    expect(r.s.dagRuns("other").items).toHaveLength(1);
  });

  it("refuses an unknown DAG (404) and a forged cursor (400)", () => {
    const r = rig(setup);
    r.s.defineDag({ id: "etl", tasks: [task("a")] });
    expectCode(() => r.s.dagRuns("missing"), "NOT_FOUND", 404);
    for (const cursor of ["x", "12", ":abc", "1:a b", "99999999999999999:a"]) {
      expectCode(() => r.s.dagRuns("etl", { cursor }), "INVALID_SCHEDULE", 400);
    }
    expectCode(() => r.s.dagRuns("etl", { limit: "many" as never }), "INVALID_SCHEDULE", 400);
  });

  it("property: any runs, many in the same millisecond, page exactly once each, newest first", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 40 }),
        fc.integer({ min: 1, max: 7 }),
        (gaps, limit) => {
          const r = rig(setup);
          r.s.defineDag({ id: "d", tasks: [task("a")] });
          const made: { id: string; startedAt: number }[] = [];
          gaps.forEach((gap, i) => {
            r.clock.advance(gap);
            const run = r.s.runDag("d", { key: `k${i}` });
            made.push({ id: run.id, startedAt: run.startedAt });
          });
          const seen: string[] = [];
          let cursor: string | undefined;
          for (let pages = 0; pages < 100; pages++) {
            const page = r.s.dagRuns("d", { limit, ...(cursor ? { cursor } : {}) });
            expect(page.items.length).toBeLessThanOrEqual(limit);
            seen.push(...page.items.map((run) => run.id));
            cursor = page.cursor;
            if (!cursor) break;
          }
          const expected = [...made]
            .sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
            .map((m) => m.id);
          expect(seen).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });
});
