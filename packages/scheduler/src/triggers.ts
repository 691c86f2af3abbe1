/**
 * Cross-DAG triggers: `sched_triggers` (with the cycle check across DAGs) and `sched_outbox`,
 * written in the transaction that ends a run and delivered after commit, with a queue row as
 * the redelivery safety net.
 * @module
 */
import { type Clock, parseOrThrow, type Sql } from "@durable/core";
import { findCycle } from "./cycles.ts";
import { schedError } from "./errors.ts";
import type { Queue } from "./queue.ts";
import { type TriggerInput, TriggerInputSchema } from "./schemas.ts";

/** An outbox row. */
export interface OutboxRow {
  id: string;
  to_dag: string;
  to_version: string;
  target: string | null;
  state: string;
  attempts: number;
  [column: string]: string | number | null;
}

/** Triggers between DAGs and their outbox. */
export class Triggers {
  readonly #sql: Sql;
  readonly #clock: Clock;
  readonly #queue: Queue;
  readonly #exists: (dagId: string) => boolean;

  constructor(sql: Sql, clock: Clock, queue: Queue, exists: (dagId: string) => boolean) {
    this.#sql = sql;
    this.#clock = clock;
    this.#queue = queue;
    this.#exists = exists;
  }

  writeOutbox(dagId: string, runId: string, status: "succeeded" | "failed", now: number): string[] {
    const triggers = this.#sql
      .exec<{ to_dag: string; on_status: string; to_version: string; target: string | null }>(
        "SELECT to_dag, on_status, to_version, target FROM sched_triggers WHERE from_dag = ?",
        dagId,
      )
      .toArray();
    const ids: string[] = [];
    for (const t of triggers) {
      const fires =
        t.on_status === "completed" ||
        (t.on_status === "success" && status === "succeeded") ||
        (t.on_status === "failure" && status === "failed");
      if (!fires) continue;
      const id = `trigger:${dagId}:${runId}:${t.to_dag}`;
      this.#sql.exec(
        "INSERT INTO sched_outbox (id, to_dag, to_version, target, state, created_at) VALUES (?, ?, ?, ?, 'pending', ?) ON CONFLICT (id) DO NOTHING",
        id,
        t.to_dag,
        t.to_version,
        t.target,
        now,
      );
      // The safety net: if delivery after commit never happens, this row retries it.
      this.#queue.put("outbox", id, now + 1_000);
      ids.push(id);
    }
    return ids;
  }

  /** An outbox row, for delivery. */
  outbox(id: string): OutboxRow | null {
    return (
      this.#sql
        .exec<OutboxRow>("SELECT id, to_dag, to_version, target, state, attempts FROM sched_outbox WHERE id = ?", id)
        .toArray()[0] ?? null
    );
  }

  /** Marks an outbox row delivered and drops its retry row. */
  delivered(id: string): void {
    this.#sql.exec("UPDATE sched_outbox SET state = 'delivered', delivered_at = ? WHERE id = ?", this.#clock.now(), id);
    this.#queue.deleteRef("outbox", id);
  }

  /** Records a failed delivery and moves its retry row (1 s doubling to 30 s). */
  deliveryFailed(id: string, error: string): void {
    const row = this.#sql
      .exec<{ attempts: number }>(
        "UPDATE sched_outbox SET attempts = attempts + 1, error = ? WHERE id = ? RETURNING attempts",
        error,
        id,
      )
      .toArray()[0];
    const delay = Math.min(30_000, 1_000 * 2 ** Math.max(0, (row?.attempts ?? 1) - 1));
    this.#queue.moveRef("outbox", id, this.#clock.now() + delay);
  }

  /**
   * Adds (or updates) a trigger from one DAG's run end to another DAG.
   * @throws {DAG_CYCLE} when local triggers would loop (A → B → A)
   * @throws {NOT_FOUND} unknown DAG
   */
  addTrigger(input: TriggerInput, hasSink: boolean): void {
    const t = parseOrThrow(TriggerInputSchema, input, "DAG_INVALID");
    if (!this.#exists(t.from)) throw schedError("NOT_FOUND", `dag ${t.from} not found`, 404);
    if (t.target === undefined) {
      if (!this.#exists(t.to)) throw schedError("NOT_FOUND", `dag ${t.to} not found`, 404);
      const edges = new Map<string, string[]>();
      const rows = this.#sql
        .exec<{ from_dag: string; to_dag: string }>("SELECT from_dag, to_dag FROM sched_triggers WHERE target IS NULL")
        .toArray();
      for (const r of [...rows, { from_dag: t.from, to_dag: t.to }]) {
        edges.set(r.from_dag, [...(edges.get(r.from_dag) ?? []), r.to_dag]);
      }
      const cycle = findCycle(edges.keys(), (n) => edges.get(n) ?? []);
      if (cycle) throw schedError("DAG_CYCLE", `trigger cycle: ${cycle.join(" → ")}`);
    } else if (!hasSink) {
      throw schedError("DAG_INVALID", "a trigger with a target needs the TriggerSink port");
    }
    this.#sql.exec(
      `INSERT INTO sched_triggers (from_dag, to_dag, on_status, to_version, target, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (from_dag, to_dag) DO UPDATE SET on_status = excluded.on_status, to_version = excluded.to_version, target = excluded.target`,
      t.from,
      t.to,
      t.on,
      String(t.toVersion),
      t.target ?? null,
      this.#clock.now(),
    );
  }
}
