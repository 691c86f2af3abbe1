/**
 * Joins across DOs: the strategy thresholds (9,999 / 10,000 rows, 1 MB, heuristic-only
 * estimates, left joins broadcast only their right side, hash partitions, JOIN_TOO_LARGE,
 * UNSUPPORTED_JOIN), and every strategy's execution giving the same answer as a direct join.
 */
import { errorCodeOf } from "@durable/core";
import type { AnalyticsQuery } from "@durable/pre-agg";
import { describe, expect, it } from "vitest";
import { type JoinPlan, type JoinSpec, planJoin } from "../src/index.ts";
import { readSide, runJoin, type SideReader } from "../src/join-exec.ts";
import { mergePartials, orderAndLimit } from "../src/partial-states.ts";
import { createEvents, eventRows, routerHost } from "./helpers.ts";
import { shardedEvents } from "./shards-helpers.ts";

const MB = 1024 * 1024;
const side = (rows: number, bytes = rows * 50, heuristic = false) => ({ rows, bytes, heuristic });
const big = side(1_000_000, 200 * MB);

describe("planJoin", () => {
  it("broadcasts below 10,000 rows and 1 MB, not at 10,000 rows or 1 MB", () => {
    expect(planJoin("inner", side(9_999), big)).toMatchObject({ strategy: "broadcast", side: "left" });
    expect(planJoin("inner", big, side(9_999))).toMatchObject({ strategy: "broadcast", side: "right" });
    expect(planJoin("inner", side(10_000), big).strategy).not.toBe("broadcast");
    expect(planJoin("inner", side(100, MB), big).strategy).not.toBe("broadcast");
    expect(planJoin("inner", side(100, MB - 1), big).strategy).toBe("broadcast");
  });

  it("never broadcasts on a heuristic-only estimate", () => {
    expect(planJoin("inner", side(10, 100, true), big).strategy).not.toBe("broadcast");
  });

  it("a left join broadcasts only its right side", () => {
    expect(planJoin("left", side(10), big).strategy).not.toBe("broadcast");
    expect(planJoin("left", big, side(10))).toMatchObject({ strategy: "broadcast", side: "right" });
  });

  it("semi-join when the key set is small, else hash partitions of ⌈bytes / 1 MB⌉ (1–64)", () => {
    expect(planJoin("inner", { rows: 20_000, bytes: 2 * MB, keys: 500, heuristic: false }, big)).toMatchObject({
      strategy: "semi",
      keysFrom: "left",
    });
    expect(planJoin("inner", side(20_000, 2.5 * MB), side(50_000, 10 * MB))).toMatchObject({
      strategy: "hash",
      partitions: 3,
      build: "left",
    });
    expect(planJoin("inner", side(20_000, 10), side(50_000, 10 * MB)).strategy).toBe("hash");
    expect(planJoin("inner", side(20_000, 10), side(50_000, 10 * MB))).toMatchObject({ partitions: 1 });
  });

  it("a build side over 64 MB is JOIN_TOO_LARGE; a type but inner/left is UNSUPPORTED_JOIN", () => {
    expect(errorCodeOf(catchOf(() => planJoin("inner", side(1e6, 65 * MB), side(2e6, 70 * MB))))).toBe(
      "JOIN_TOO_LARGE",
    );
    expect(errorCodeOf(catchOf(() => planJoin("full", side(1), side(1))))).toBe("UNSUPPORTED_JOIN");
  });
});

const JOIN: JoinSpec = { type: "inner", table: "regions", on: ["region", "region"] };
const JQ: AnalyticsQuery = {
  table: "events",
  measures: [{ agg: "count" }, { agg: "sum", column: "amount" }, { agg: "avg", column: "regions.weight" }],
  dimensions: ["regions.zone", "kind"],
};

function createRegions(tables: { createTable(s: unknown): unknown; insert(t: string, r: unknown): unknown }) {
  tables.createTable({
    name: "regions",
    columns: [
      { name: "region", type: "text", nullable: false },
      { name: "zone", type: "text" },
      { name: "weight", type: "integer" },
    ],
    primaryKey: "region",
  });
  // "ap" has no row: an inner join drops its events, a left join keeps them with nulls.
  tables.insert("regions", [
    { region: "eu", zone: "emea", weight: 3 },
    { region: "us", zone: "amer", weight: 5 },
  ]);
}

describe("join execution", () => {
  it("broadcast, semi and hash strategies give the direct join's answer", async () => {
    const h = await routerHost();
    createEvents(h.tables);
    h.tables.insert("events", eventRows(900));
    createRegions(h.tables);
    const reader: SideReader = {
      read: async (s, filter) =>
        s === "left"
          ? readSide(h.tables, h.db.sql, {
              table: "events",
              columns: ["region", "kind", "amount"],
              key: "region",
              filter,
            })
          : readSide(h.tables, h.db.sql, { table: "regions", columns: ["zone", "weight"], key: "region", filter }),
    };
    const plans: JoinPlan[] = [
      { strategy: "broadcast", side: "right", reason: "" },
      { strategy: "semi", keysFrom: "right", reason: "" },
      { strategy: "semi", keysFrom: "left", reason: "" },
      { strategy: "hash", partitions: 4, build: "right", reason: "" },
    ];
    const answers = [];
    for (const plan of plans)
      answers.push(orderAndLimit(mergePartials(JQ, await runJoin(JQ, JOIN, plan, reader, 10_000)), JQ, true));
    for (const a of answers.slice(1)) expect(a).toEqual(answers[0]);
    const direct = eventRows(900).filter((e) => e.region !== "ap");
    expect(answers[0]?.reduce((n, r) => n + Number(r.count), 0)).toBe(direct.length);
    expect(answers[0]?.find((r) => r["regions.zone"] === "emea" && r.kind === "click")?.["avg_regions.weight"]).toBe(3);
  });

  it("a left join keeps unmatched left rows with nulls", async () => {
    const h = await routerHost();
    createEvents(h.tables);
    h.tables.insert("events", eventRows(90));
    createRegions(h.tables);
    const a = await h.router.query(
      { ...JQ, dimensions: ["regions.zone"] },
      { join: { ...JOIN, type: "left" }, explain: true },
    );
    expect(a.rows.reduce((n, r) => n + Number(r.count), 0)).toBe(90);
    expect(a.rows.find((r) => r["regions.zone"] === null)?.["avg_regions.weight"]).toBeNull();
    expect(a.meta.plan?.join).toMatchObject({ strategy: "broadcast", side: "right" });
  });

  it("a sharded left side gets the small right side broadcast to every shard", async () => {
    const s = await shardedEvents(3, 300);
    createRegions(s.coordinator.tables);
    createRegions(s.single.tables);
    const fan = await s.coordinator.router.query(JQ, { join: JOIN, explain: true });
    expect(fan.meta.source).toBe("fanout");
    expect(fan.meta.plan?.join?.strategy).toBe("broadcast");
    const local = await s.single.router.query(JQ, { join: JOIN });
    expect(fan.rows).toEqual(local.rows);
  });

  it("an unsupported join type is 400 UNSUPPORTED_JOIN before any call", async () => {
    const h = await routerHost();
    createEvents(h.tables);
    const err = await h.router.query(JQ, { join: { ...JOIN, type: "full" } }).catch((e: unknown) => e);
    expect(errorCodeOf(err)).toBe("UNSUPPORTED_JOIN");
  });
});

function catchOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}
