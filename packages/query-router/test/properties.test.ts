/**
 * Properties (fast-check): the fingerprint is invariant under reordering and changed by any
 * value; merged count/sum/avg/min/max over random splits into 1–20 targets (some empty) equal
 * the single-source answer; over random clocks, writes and refresh outcomes no answer exceeds
 * its budget, a within-budget entry is always served from cache (never awaiting a refresh),
 * and past budget a failing source is a 503, never a stale answer.
 */
import { errorCodeOf } from "@durable/core";
import type { AnalyticsQuery } from "@durable/pre-agg";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GroupAggregator } from "../src/group-aggregator.ts";
import { fingerprint, mergePartials } from "../src/index.ts";
import { BY_KIND, createEvents, eventRows, routerHost } from "./helpers.ts";

const shuffle = <T>(xs: readonly T[], seed: number): T[] => {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
};

const valueArb = fc.oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.string({ maxLength: 6 }));

describe("fingerprint", () => {
  it("is invariant under reordering measures, dimensions, and/or operands and in lists (with duplicates)", () => {
    fc.assert(
      fc.property(fc.array(valueArb, { minLength: 1, maxLength: 8 }), fc.integer(), (values, seed) => {
        const leaves = values.map((v, i) => ({ col: `c${i % 3}`, op: "=" as const, value: v }));
        const q: AnalyticsQuery = {
          table: "t",
          measures: [{ agg: "count" }, { agg: "sum", column: "a" }, { agg: "max", column: "b" }],
          dimensions: ["x", "y", "z"],
          where: { and: [{ or: leaves }, { col: "k", op: "in", values }] },
        };
        const r: AnalyticsQuery = {
          ...q,
          measures: shuffle(q.measures, seed),
          dimensions: shuffle(q.dimensions ?? [], seed + 1),
          where: {
            and: shuffle(
              [
                { col: "k", op: "in", values: [...shuffle(values, seed), ...values] },
                { or: shuffle(leaves, seed + 2) },
              ],
              seed,
            ),
          },
        };
        expect(fingerprint(r, "acme")).toEqual(fingerprint(q, "acme"));
      }),
    );
  });

  it("changes with any value, the tenant, the limit or the order", () => {
    fc.assert(
      fc.property(valueArb, valueArb, (a, b) => {
        fc.pre(a !== b);
        const q = (v: unknown): AnalyticsQuery => ({
          table: "t",
          measures: [{ agg: "count" }],
          where: { col: "c", op: "=", value: v as string },
        });
        expect(fingerprint(q(a), "acme").key).not.toBe(fingerprint(q(b), "acme").key);
      }),
    );
    const base: AnalyticsQuery = { table: "t", measures: [{ agg: "count" }], dimensions: ["x"] };
    const keys = [
      fingerprint(base, "acme").key,
      fingerprint(base, "other").key,
      fingerprint({ ...base, limit: 5 }, "acme").key,
      fingerprint({ ...base, order: [{ by: "count", dir: "desc" }] }, "acme").key,
      fingerprint({ ...base, measures: [{ agg: "count", column: "x" }] }, "acme").key,
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("merged partial aggregates", () => {
  const Q: AnalyticsQuery = {
    table: "t",
    measures: [
      { agg: "count" },
      { agg: "sum", column: "v" },
      { agg: "avg", column: "v" },
      { agg: "min", column: "v" },
      { agg: "max", column: "v" },
    ],
    dimensions: ["g"],
  };
  const rowArb = fc.record({
    g: fc.constantFrom("a", "b", "c"),
    v: fc.option(fc.integer({ min: -1000, max: 1000 }), { nil: null }),
  });
  const get = (row: { g: string; v: number | null }, name: string) => (name === "g" ? row.g : row.v);

  it("over random splits into 1–20 targets (some empty) equal one source", () => {
    fc.assert(
      fc.property(
        fc.array(rowArb, { maxLength: 200 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer(),
        (rows, n, seed) => {
          const single = new GroupAggregator(Q, get, [true], 10_000);
          for (const r of rows) single.add(r);
          const parts = Array.from({ length: n }, () => new GroupAggregator(Q, get, [true], 10_000));
          let s = seed;
          for (const r of rows) {
            s = (s * 1103515245 + 12345) & 0x7fffffff;
            parts[s % n]?.add(r);
          }
          const expected = mergePartials(Q, [single.partial(rows.length)]);
          const merged = mergePartials(
            Q,
            shuffle(
              parts.map((p) => p.partial(0)),
              seed,
            ),
          );
          const byG = (xs: Record<string, unknown>[]) => [...xs].sort((x, y) => String(x.g).localeCompare(String(y.g)));
          expect(byG(merged)).toEqual(byG(expected));
          for (const row of merged) {
            // Empty min/max is null, never 0; avg is sum / count of non-null values.
            if (row.min_v === null) expect(row.max_v).toBeNull();
            if (row.sum_v !== null)
              expect(row.avg_v).toBeCloseTo(
                Number(row.sum_v) / rows.filter((r) => r.g === row.g && r.v !== null).length,
                9,
              );
          }
        },
      ),
    );
  });
});

describe("budgets under random clocks, writes and refresh failures", () => {
  it("no answer over budget; a within-budget entry is served from cache; past budget a failure is 503", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 20_000 }) }),
            fc.record({ op: fc.constant("write" as const) }),
            fc.record({ op: fc.constant("break" as const), on: fc.boolean() }),
            fc.record({ op: fc.constant("query" as const), budget: fc.constantFrom(0, 1_000, 10_000, 30_000) }),
          ),
          { maxLength: 30 },
        ),
        async (ops) => {
          const h = await routerHost();
          createEvents(h.tables);
          h.tables.insert("events", eventRows(20));
          let nextId = 10_000;
          let broken = false;
          // The model: when the cached entry was computed, and whether a write came after it.
          let entryAsOf: number | undefined;
          for (const step of ops) {
            if (step.op === "tick") h.clock.advance(step.ms);
            else if (step.op === "write" && !broken) h.tables.insert("events", eventRows(1, nextId++));
            else if (step.op === "break" && step.on !== broken) {
              broken = step.on;
              h.db.sql.exec(
                broken ? 'ALTER TABLE "t_events" RENAME TO "t_gone"' : 'ALTER TABLE "t_gone" RENAME TO "t_events"',
              );
            } else if (step.op === "query") {
              const now = h.clock.now();
              const servable = step.budget > 0 && entryAsOf !== undefined && now - entryAsOf <= step.budget;
              const answer = await h.router.query(BY_KIND, { maxStalenessMs: step.budget }).catch((e: unknown) => e);
              if (servable) {
                expect(answer).toMatchObject({ meta: { source: "cache", ageMs: now - (entryAsOf as number) } });
              } else if (broken) {
                expect(errorCodeOf(answer)).toBe("SOURCE_UNAVAILABLE");
              } else {
                expect(answer).toMatchObject({ meta: { source: "local", ageMs: 0 } });
                entryAsOf = now;
              }
              if (!(answer instanceof Error)) {
                const meta = (answer as { meta: { ageMs: number; budgetMs: number; revalidating: boolean } }).meta;
                expect(meta.ageMs).toBeLessThanOrEqual(meta.budgetMs);
                await h.host.background.settled();
                if (meta.revalidating && !broken) entryAsOf = now;
              }
            }
          }
          expect(h.router.metrics().violations).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  });
});
