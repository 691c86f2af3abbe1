/**
 * A routed query with a join: checks the join, estimates both sides (locally with the
 * estimator, over shards by summing their estimates: a missing answer makes it heuristic),
 * plans it with {@link planJoin} (refusing a too-large hash join before any data call), runs it
 * and merges the states. Join answers are computed per request (not cached).
 * @module
 */

import { type Sql, safeParse } from "@durable/core";
import type { CostEstimator } from "@durable/cost-estimator";
import type { AnalyticsQuery } from "@durable/pre-agg";
import type { Tables } from "@durable/tables";
import * as z from "zod/mini";
import type { Routed } from "./answer.ts";
import { qrError } from "./errors.ts";
import type { FanOut } from "./fan-out.ts";
import { readFromTargets, readSide, runJoin, type SideReader, type SideRequest, sideColumns } from "./join-exec.ts";
import { type JoinSpec, planJoin, type SideEstimate } from "./join-plan.ts";
import { columnsOf, mergePartials, orderAndLimit } from "./partial-states.ts";
import { parseQuery } from "./query-input.ts";
import { fanOutEstimate, type ShardTransport, shardTargets } from "./shards.ts";

/** A table or column name as a join names it. */
const Name = z.string().check(z.minLength(1), z.maxLength(128));

/** zod schema of a join (the type is checked by `planJoin`: UNSUPPORTED_JOIN). */
export const JoinSpecSchema = z.strictObject({ type: z.string(), table: Name, on: z.tuple([Name, Name]) });

/** Bytes per needed column assumed by the join estimates (stored values plus JSON overhead). */
const BYTES_PER_COLUMN = 24;

/** What a join needs from its router. */
export interface JoinContext {
  tables: Tables;
  sql: Sql;
  estimator: Pick<CostEstimator, "estimate">;
  fanOut: FanOut;
  transport: ShardTransport | undefined;
  tenant: string;
  shardsOf(table: string): number | undefined;
  maxGroups: number;
  deadlineMs: number;
  budgetMs: number;
}

/**
 * Parses and checks a join spec.
 * @throws {INVALID_QUERY} · {UNSUPPORTED_JOIN} 400
 */
export function parseJoin(input: unknown): JoinSpec {
  const r = safeParse(JoinSpecSchema, input);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw qrError("INVALID_QUERY", `join.${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
  }
  if (r.data.type !== "inner" && r.data.type !== "left") {
    throw qrError("UNSUPPORTED_JOIN", `join.type: inner or left, got ${r.data.type}`);
  }
  return r.data as JoinSpec;
}

async function estimateSide(
  c: JoinContext,
  table: string,
  columns: number,
  where: AnalyticsQuery["where"],
): Promise<SideEstimate> {
  const shards = c.shardsOf(table);
  if (shards !== undefined) {
    if (!c.transport) return { rows: 0, bytes: 0, heuristic: true };
    const q: AnalyticsQuery = { table, measures: [{ agg: "count" }], ...(where ? { where } : {}) };
    const e = await fanOutEstimate(c.fanOut, c.transport, shardTargets(c.tenant, shards), q, {
      deadlineMs: c.deadlineMs,
    });
    return { rows: e.rows, bytes: e.rows * columns * BYTES_PER_COLUMN, heuristic: e.method === "heuristic" };
  }
  c.tables.rows.codec(table);
  const e = c.estimator.estimate({ table, ...(where ? { where } : {}) });
  return { rows: e.rows, bytes: e.rows * columns * BYTES_PER_COLUMN, heuristic: e.method === "heuristic" };
}

/** Runs `q` joined with `spec`. */
export async function routeJoin(
  c: JoinContext,
  q: AnalyticsQuery,
  spec: JoinSpec,
  explainOnly: boolean,
): Promise<Routed> {
  const cols = sideColumns(q, spec);
  const left = await estimateSide(c, q.table, cols.left.length, q.where);
  const right = await estimateSide(c, spec.table, cols.right.length, undefined);
  const plan = planJoin(spec.type, left, right);
  const sharded = c.shardsOf(q.table) !== undefined || c.shardsOf(spec.table) !== undefined;
  const source = sharded ? "fanout" : "local";
  const meta = {
    source,
    ageMs: 0,
    budgetMs: c.budgetMs,
    stale: false,
    revalidating: false,
    plan: {
      fingerprint: "",
      budgetMs: c.budgetMs,
      chosen: source,
      candidates: [{ source, verdict: "chosen", reasons: ["LIVE"], estimatedRows: left.rows + right.rows }],
      notes: ["JOIN_NOT_CACHED"],
      join: plan,
    },
  } as Routed["meta"];
  if (explainOnly) return { rows: [], columns: columnsOf(q), meta };
  const request = (side: "left" | "right", filter: SideRequest["filter"]): SideRequest => ({
    table: side === "left" ? q.table : spec.table,
    columns: side === "left" ? cols.left : cols.right,
    key: side === "left" ? spec.on[0] : spec.on[1],
    filter,
    ...(side === "left" && q.where ? { where: q.where } : {}),
  });
  const transport = c.transport;
  const reader: SideReader = {
    read: async (side, filter) => {
      const req = request(side, filter);
      const shards = c.shardsOf(req.table);
      if (shards === undefined) return readSide(c.tables, c.sql, req);
      if (!transport?.rows) throw qrError("SOURCE_UNAVAILABLE", `${req.table} is sharded but there is no transport`);
      const rows = transport.rows;
      return readFromTargets(
        c.fanOut,
        shardTargets(c.tenant, shards),
        (t, signal, at) => rows(t.name, req, at, signal),
        c.deadlineMs,
      );
    },
    joinOnTargets: (held, rows) => {
      const table = held === "left" ? q.table : spec.table;
      const shards = c.shardsOf(table);
      const joinPartial = transport?.joinPartial;
      if (shards === undefined || !joinPartial) return undefined;
      return c.fanOut
        .run(
          shardTargets(c.tenant, shards),
          (t, signal, at) =>
            joinPartial(
              t.name,
              { query: q, join: spec, held, heldColumns: held === "left" ? cols.left : cols.right, rows },
              at,
              signal,
            ),
          {
            deadlineMs: c.deadlineMs,
          },
        )
        .then((r) => {
          const failed = r.outcomes.filter((x) => !x.ok);
          if (failed.length > 0) {
            const list = failed.map((x) => `${x.target} [${x.ok ? "" : x.code}]`).join("; ");
            throw qrError(r.deadlineExceeded ? "DEADLINE_EXCEEDED" : "FANOUT_FAILED", `broadcast join failed: ${list}`);
          }
          return r.outcomes.flatMap((x) => (x.ok ? [x.value] : []));
        });
    },
  };
  const partials = await runJoin(q, spec, plan, reader, c.maxGroups);
  const rows = orderAndLimit(mergePartials(q, partials, c.maxGroups), q, true);
  return { rows, columns: columnsOf(q), meta };
}

/** Parses a join request and runs it (or only plans it), reporting the latency. */
export async function joinQuery(
  c: JoinContext & { served(source: Routed["meta"]["source"], ms: number, budgetMs: number): void },
  input: unknown,
  joinInput: unknown,
  attachPlan: boolean,
  explainOnly: boolean,
): Promise<Routed> {
  const spec = parseJoin(joinInput);
  const q = parseQuery(input);
  if (c.shardsOf(q.table) === undefined) c.tables.rows.codec(q.table);
  if (c.shardsOf(spec.table) === undefined) c.tables.rows.codec(spec.table);
  const started = performance.now();
  const routed = await routeJoin(c, q, spec, explainOnly);
  if (!explainOnly) c.served(routed.meta.source, performance.now() - started, routed.meta.budgetMs);
  if (!attachPlan && !explainOnly) delete routed.meta.plan;
  return routed;
}
