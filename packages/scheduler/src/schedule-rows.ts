/**
 * The stored form of a schedule: the `sched_schedules` row, its policy and target columns, the
 * definition hash's canonical JSON, and the run snapshot a slot's queue row carries.
 * @module
 */
import type { RunSpec } from "./run-spec.ts";
import type { WhenSpec } from "./slots.ts";
import type { Schedule } from "./types.ts";

/** A row of `sched_schedules`. */
export interface ScheduleRow {
  id: string;
  key: string;
  kind: WhenSpec["kind"];
  target: string;
  payload: string;
  spec: string;
  policy: string;
  def_hash: string;
  status: Schedule["status"];
  version: number;
  next_run_at: number | null;
  last_run_at: number | null;
  run_count: number;
  inflight: number;
  buffered_at: number | null;
  created_at: number;
  updated_at: number;
  [column: string]: string | number | null;
}

/** A schedule's stored policies (the `policy` column). */
export interface Policy {
  overlap: Schedule["overlap"];
  missed: Schedule["missed"];
  graceMs: number;
  retry?: Schedule["retry"];
}

/** What a schedule runs (the `target` column). */
export type Target = { handler: string } | { dag: string };

/** JSON with sorted keys and no `undefined`: the input of a definition's hash. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** A stored row as the public `Schedule`. */
export function toSchedule(row: ScheduleRow): Schedule {
  const target = JSON.parse(row.target) as Target;
  const policy = JSON.parse(row.policy) as Policy;
  return {
    id: row.id,
    key: row.key,
    kind: row.kind,
    ...target,
    payload: JSON.parse(row.payload) as unknown,
    when: JSON.parse(row.spec) as WhenSpec,
    status: row.status,
    version: row.version,
    nextRunAt: row.next_run_at,
    lastRunAt: row.last_run_at,
    runCount: row.run_count,
    inflight: row.inflight,
    overlap: policy.overlap,
    missed: policy.missed,
    graceMs: policy.graceMs,
    ...(policy.retry ? { retry: policy.retry } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The snapshot a slot's `run` row carries (see `run-spec.ts`). */
export function runSpecOf(
  row: ScheduleRow,
  target: Target,
  r: { slot: number; missed?: true; coalesced?: RunSpec["coalesced"] },
): RunSpec {
  const policy = JSON.parse(row.policy) as Policy;
  return {
    origin: "schedule",
    action: "handler" in target ? "handler" : "dagStart",
    scheduleId: row.id,
    scheduleKey: row.key,
    slot: r.slot,
    version: row.version,
    handler: "handler" in target ? target.handler : target.dag,
    payload: row.payload,
    ...(policy.retry ? { retry: policy.retry } : {}),
    ...(r.missed ? { missed: true as const } : {}),
    ...(r.coalesced ? { coalesced: r.coalesced } : {}),
    inflight: true,
  };
}
