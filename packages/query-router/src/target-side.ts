/**
 * What a target DO does for a coordinator's join: read its side's rows, or join broadcast rows
 * with its own side and return states. Requests arrive over RPC (tenant-checked by DOBase) and
 * are validated here before any SQL.
 * @module
 */
import { type Sql, safeParse } from "@durable/core";
import type { AnalyticsQuery } from "@durable/pre-agg";
import type { Tables } from "@durable/tables";
import * as z from "zod/mini";
import { qrError } from "./errors.ts";
import { type JoinPartialRequest, joinAggregate, readSide, type SideRequest, type SideRow } from "./join-exec.ts";
import { parseJoin } from "./join-route.ts";
import { computePartial, type PartialAnswer } from "./partial-states.ts";
import { parseQuery } from "./query-input.ts";
import type { TargetEstimate } from "./shards.ts";

const Name = z.string().check(z.minLength(1), z.maxLength(128));
const Value = z.union([z.string(), z.number(), z.null()]);
const SideRequestSchema = z.strictObject({
  table: Name,
  columns: z.array(Name).check(z.maxLength(64)),
  key: Name,
  filter: z.strictObject({
    keys: z.optional(z.array(Value).check(z.maxLength(10_000))),
    partition: z.optional(z.tuple([z.int().check(z.gte(0)), z.int().check(z.gte(1), z.lte(64))])),
  }),
  where: z.optional(z.unknown()),
});

/** Reads a side for a coordinator. */
export function serveSideRows(tables: Tables, sql: Sql, input: unknown, deadlineAt: number, now: number): SideRow[] {
  if (now > deadlineAt) throw qrError("DEADLINE_EXCEEDED", "the deadline passed before the read");
  const r = safeParse(SideRequestSchema, input);
  if (!r.success) throw qrError("INVALID_QUERY", `side request: ${r.error.issues[0]?.message ?? "invalid"}`);
  return readSide(tables, sql, r.data as SideRequest);
}

/** Joins broadcast rows with this target's side and returns the states. */
export function serveJoinPartial(
  tables: Tables,
  sql: Sql,
  input: JoinPartialRequest,
  maxGroups: number,
): PartialAnswer {
  const q = parseQuery(input.query);
  const join = parseJoin(input.join);
  if (!Array.isArray(input.rows) || input.rows.length > 10_000)
    throw qrError("JOIN_TOO_LARGE", "broadcast: at most 10,000 rows");
  const held = input.held === "left" ? "left" : "right";
  const key = held === "left" ? join.on[0] : join.on[1];
  const otherKey = held === "left" ? join.on[1] : join.on[0];
  // An inner join needs only rows whose key the broadcast side has.
  const keys =
    join.type === "inner" || held === "right"
      ? [...new Set(input.rows.map((r) => r[otherKey] ?? null))].filter((k) => k !== null)
      : undefined;
  const mine = readSide(tables, sql, {
    table: held === "left" ? q.table : join.table,
    columns: input.heldColumns,
    key,
    filter: keys ? { keys } : {},
    ...(held === "left" && q.where ? { where: q.where } : {}),
  });
  return held === "left"
    ? joinAggregate(q, join, mine, input.rows, maxGroups)
    : joinAggregate(q, join, input.rows, mine, maxGroups);
}

/** What a target endpoint reads. */
export interface TargetEndpointDeps {
  tables: Tables;
  sql: Sql;
  clock: { now(): number };
  maxGroups: number;
  consented(): boolean;
  tenant(): string | null;
  estimate(q: AnalyticsQuery): { estimatedRows?: number; costUs?: number; method?: string };
}

/** This DO as a fan-out target: partial states, estimates, join sides, platform parts. */
export class TargetEndpoint {
  readonly #d: TargetEndpointDeps;

  constructor(deps: TargetEndpointDeps) {
    this.#d = deps;
  }

  /** Partial states of a query over this DO's catalog table; stops past `deadlineAt`. */
  partial(input: unknown, deadlineAt: number): PartialAnswer {
    const q = parseQuery(input);
    return computePartial(this.#d.tables, this.#d.sql, q, { deadlineAt, maxGroups: this.#d.maxGroups });
  }

  /** This DO's estimate of a query's rows and cost. */
  estimate(input: unknown): TargetEstimate {
    const q = parseQuery(input);
    this.#d.tables.rows.codec(q.table);
    const e = this.#d.estimate(q);
    return { rows: e.estimatedRows ?? 0, cost: e.costUs ?? 0, method: e.method ?? "heuristic" };
  }

  /** A join side read. */
  rows(input: unknown, deadlineAt: number): SideRow[] {
    return serveSideRows(this.#d.tables, this.#d.sql, input, deadlineAt, this.#d.clock.now());
  }

  /** A broadcast join over this DO's side. */
  join(input: JoinPartialRequest): PartialAnswer {
    return serveJoinPartial(this.#d.tables, this.#d.sql, input, this.#d.maxGroups);
  }

  /**
   * A tenant's part of a platform query: re-checks its consent on every call.
   * @throws {CONSENT_REQUIRED} 403 when the tenant has not consented
   */
  platformPartial(input: unknown, deadlineAt: number): PartialAnswer {
    if (!this.#d.consented()) {
      throw qrError("CONSENT_REQUIRED", `tenant ${this.#d.tenant() ?? "?"} has not consented to platform aggregation`);
    }
    return this.partial(input, deadlineAt);
  }
}
