/**
 * The snapshot a `run` queue row carries: everything needed to execute it, so that a schedule
 * replaced mid-run, or a handler's later deploy, cannot change a run in flight.
 * @module
 */
import type { RetryPolicy } from "./config.ts";

/** The data of a `run` queue row. */
export interface RunSpec {
  origin: "schedule" | "dag" | "replay";
  /** `handler` runs a handler or task; `dagStart` starts a DAG run keyed by the idempotency key. */
  action: "handler" | "dagStart";
  scheduleId: string;
  scheduleKey: string;
  slot: number;
  version: number;
  /** Handler or task name; the DAG id for `dagStart`. */
  handler: string;
  /** JSON text of the payload. */
  payload: string;
  /** The schedule's or DAG task's own retry policy (merged over the handler's at run time). */
  retry?: Partial<RetryPolicy>;
  missed?: true;
  coalesced?: { count: number; firstMissedAt: number; lastMissedAt: number };
  dag?: { dagId: string; runId: string; taskId: string };
  /** Counts in its schedule's `inflight` (overlap policy). */
  inflight: boolean;
}

/** The idempotency key of a schedule slot. */
export function slotKey(scheduleId: string, slot: number): string {
  return `${scheduleId}:${slot}`;
}

/** True for a promise (an async handler's or step's result). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}
