/**
 * Runs one equi-join across DOs with the strategy `planJoin` chose. Broadcast: the small side
 * is read once and sent to every target of the other side, which joins and aggregates locally
 * and returns states. Semi-join: the distinct key set of one side goes to the other side's
 * targets, which return only matching rows. Hash join: both sides are read partition by
 * partition (a hash of the key, P partitions) and joined one partition at a time. Every path
 * ends in mergeable states, merged like any fan-out. Names of the right table's columns are
 * qualified (`airports.city`); `where` filters the left table.
 * @module
 */
import { compilePredicate, type Sql, type SqlBinding, type SqlValue } from "@durable/core";
import type { AnalyticsQuery } from "@durable/pre-agg";
import { storageTable, type Tables } from "@durable/tables";
import { qrError } from "./errors.ts";
import type { FanOut, Target } from "./fan-out.ts";
import { hash64Hex } from "./fingerprint.ts";
import { GroupAggregator } from "./group-aggregator.ts";
import { JOIN_LIMITS, type JoinPlan, type JoinSpec } from "./join-plan.ts";
import type { PartialAnswer } from "./partial-states.ts";

/** A row of one join side: column → stored value. */
export type SideRow = Record<string, SqlValue>;

/** What a side read is restricted to. */
export interface SideFilter {
  /** Only rows whose key is one of these (semi-join). */
  keys?: SqlValue[];
  /** Only rows whose key hashes to partition `p` of `n` (hash join). */
  partition?: [p: number, n: number];
}

/** A read of one side's rows, as sent to a target. */
export interface SideRequest {
  table: string;
  columns: string[];
  key: string;
  filter: SideFilter;
  where?: AnalyticsQuery["where"];
}

/** A broadcast join run by a target over its own side. */
export interface JoinPartialRequest {
  query: AnalyticsQuery;
  join: JoinSpec;
  /** Which side the target holds (the other one is `rows`). */
  held: "left" | "right";
  heldColumns: string[];
  rows: SideRow[];
}

/** The partition of a key value. */
export function partitionOfKey(v: SqlValue, n: number): number {
  return Number.parseInt(hash64Hex(JSON.stringify(v)).slice(0, 8), 16) % n;
}

/**
 * Reads a side's needed columns from a catalog table of this DO: identifiers from the catalog,
 * `where` compiled with the table's resolver, a key set as one `json_each` binding.
 */
export function readSide(tables: Tables, sql: Sql, r: SideRequest): SideRow[] {
  const codec = tables.rows.codec(r.table);
  for (const c of [...r.columns, r.key]) {
    if (!codec.column(c)) throw qrError("UNKNOWN_FIELD", `join: unknown column ${c} of ${r.table}`);
  }
  const cols = [...new Set([r.key, ...r.columns])];
  const conditions: string[] = [];
  const bindings: SqlBinding[] = [];
  if (r.where) {
    const compiled = compilePredicate(r.where, { resolve: codec.resolve });
    conditions.push(`(${compiled.sql})`);
    bindings.push(...compiled.bindings);
  }
  if (r.filter.keys) {
    conditions.push(`${codec.resolve(r.key).sql} IN (SELECT value FROM json_each(?))`);
    bindings.push(JSON.stringify(r.filter.keys));
  }
  const text = `SELECT ${cols.map((c) => codec.resolve(c).sql).join(", ")} FROM ${storageTable(r.table)}${
    conditions.length ? ` WHERE ${conditions.join(" AND ")}` : ""
  }`;
  const rows = sql.exec(text, ...bindings).toArray();
  const part = r.filter.partition;
  return part ? rows.filter((row) => partitionOfKey(row[r.key] ?? null, part[1]) === part[0]) : rows;
}

/** Joins left and right rows in memory and aggregates the joined rows into states. */
export function joinAggregate(
  q: AnalyticsQuery,
  spec: JoinSpec,
  left: readonly SideRow[],
  right: readonly SideRow[],
  maxGroups: number,
): PartialAnswer {
  const prefix = `${spec.table}.`;
  type Joined = { l: SideRow; r: SideRow | null };
  const get = (row: Joined, name: string): unknown =>
    name.startsWith(prefix)
      ? (row.r?.[name.slice(prefix.length)] ?? null)
      : (row.l[name.startsWith(`${q.table}.`) ? name.slice(q.table.length + 1) : name] ?? null);
  const agg = new GroupAggregator<Joined>(
    q,
    get,
    q.measures.map(() => false),
    maxGroups,
  );
  const byKey = new Map<string, SideRow[]>();
  for (const r of right) {
    const k = r[spec.on[1]];
    if (k === null || k === undefined) continue;
    const id = JSON.stringify(k);
    const list = byKey.get(id);
    if (list) list.push(r);
    else byKey.set(id, [r]);
  }
  for (const l of left) {
    const k = l[spec.on[0]];
    const matches = k === null || k === undefined ? undefined : byKey.get(JSON.stringify(k));
    if (matches) for (const r of matches) agg.add({ l, r });
    else if (spec.type === "left") agg.add({ l, r: null });
  }
  return agg.partial(left.length + right.length);
}

/** The columns of each side a query needs (the right side's by their qualified names). */
export function sideColumns(q: AnalyticsQuery, spec: JoinSpec): { left: string[]; right: string[] } {
  const names = [
    ...(q.dimensions ?? []),
    ...(q.timeDimension ? [q.timeDimension.column] : []),
    ...q.measures.flatMap((m) => (m.column ? [m.column] : [])),
  ];
  const prefix = `${spec.table}.`;
  const left = new Set([spec.on[0]]);
  const right = new Set([spec.on[1]]);
  for (const n of names) {
    if (n.startsWith(prefix)) right.add(n.slice(prefix.length));
    else left.add(n.startsWith(`${q.table}.`) ? n.slice(q.table.length + 1) : n);
  }
  return { left: [...left], right: [...right] };
}

/** How the executor reads a side: locally, or from every shard (strict: any failure fails). */
export interface SideReader {
  read(side: "left" | "right", filter: SideFilter): Promise<SideRow[]>;
  /** Broadcast: each target of `held` joins `rows` with its own side; undefined when `held` is local. */
  joinOnTargets?(held: "left" | "right", rows: SideRow[]): Promise<PartialAnswer[]> | undefined;
}

/** Runs a join plan; the answers are partial states to merge. */
export async function runJoin(
  q: AnalyticsQuery,
  spec: JoinSpec,
  plan: JoinPlan,
  reader: SideReader,
  maxGroups: number,
): Promise<PartialAnswer[]> {
  const orient = (side: "left" | "right", mine: SideRow[], other: SideRow[]) =>
    side === "left" ? joinAggregate(q, spec, mine, other, maxGroups) : joinAggregate(q, spec, other, mine, maxGroups);
  if (plan.strategy === "broadcast") {
    const small = await reader.read(plan.side, {});
    const held = plan.side === "left" ? "right" : "left";
    const remote = reader.joinOnTargets?.(held, small);
    if (remote) return remote;
    return [orient(plan.side, small, await reader.read(held, {}))];
  }
  if (plan.strategy === "semi") {
    const keyed = await reader.read(plan.keysFrom, {});
    const keyCol = plan.keysFrom === "left" ? spec.on[0] : spec.on[1];
    const keys = [...new Map(keyed.map((r) => [JSON.stringify(r[keyCol] ?? null), r[keyCol] ?? null])).values()].filter(
      (k) => k !== null,
    );
    if (keys.length < JOIN_LIMITS.semiKeys && JSON.stringify(keys).length < JOIN_LIMITS.semiBytes) {
      const other = plan.keysFrom === "left" ? "right" : "left";
      return [orient(plan.keysFrom, keyed, await reader.read(other, { keys }))];
    }
    // The key set came out larger than estimated: partition instead.
    const bytes = JSON.stringify(keyed).length;
    return runJoin(
      q,
      spec,
      {
        strategy: "hash",
        build: plan.keysFrom,
        partitions: Math.min(64, Math.max(1, Math.ceil(bytes / JOIN_LIMITS.partitionBytes))),
        reason: "key set over the semi-join limits",
      },
      reader,
      maxGroups,
    );
  }
  const out: PartialAnswer[] = [];
  for (let p = 0; p < plan.partitions; p++) {
    const filter: SideFilter = { partition: [p, plan.partitions] };
    const [l, r] = [await reader.read("left", filter), await reader.read("right", filter)];
    out.push(joinAggregate(q, spec, l, r, maxGroups));
  }
  return out;
}

/** A strict fan-out of side reads over shard targets. */
export async function readFromTargets(
  fanOut: FanOut,
  targets: Target[],
  call: (t: Target, signal: AbortSignal, deadlineAt: number) => Promise<SideRow[]>,
  deadlineMs: number,
): Promise<SideRow[]> {
  const result = await fanOut.run(targets, call, { deadlineMs });
  const failed = result.outcomes.filter((x) => !x.ok);
  if (failed.length > 0) {
    const list = failed.map((x) => `${x.target} [${x.ok ? "" : x.code}]`).join("; ");
    throw qrError(result.deadlineExceeded ? "DEADLINE_EXCEEDED" : "FANOUT_FAILED", `join side read failed: ${list}`);
  }
  return result.outcomes.flatMap((x) => (x.ok ? x.value : []));
}
