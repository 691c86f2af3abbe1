/**
 * DAGs: immutable versioned definitions, runs with in-degree ready sets and a parallelism cap,
 * per-task retries and skipped descendants; the end of a run hands off to `triggers.ts` (outbox).
 * @module
 */
import { type Clock, checksum, newId, parseOrThrow, type Sql } from "@durable/core";
import { findCycle } from "./cycles.ts";
import { schedError } from "./errors.ts";
import type { Queue } from "./queue.ts";
import type { RunSpec } from "./run-spec.ts";
import { type DagDefinition, type DagInput, DagInputSchema, KeySchema } from "./schemas.ts";
import { Triggers } from "./triggers.ts";
import type { DagRun } from "./types.ts";

/** Checks a handler name and payload as at schedule creation; returns the payload's JSON. */
export type PayloadCheck = (handler: string, payload: unknown, path: string) => string;

interface Compiled {
  def: DagDefinition;
  version: number;
  payloads: Map<string, string>;
  children: Map<string, string[]>;
}

interface RunRow {
  id: string;
  dag_id: string;
  version: number;
  key: string;
  status: DagRun["status"];
  running: number;
  remaining: number;
  failed: number;
  started_at: number;
  ended_at: number | null;
  [column: string]: string | number | null;
}

/** The DAG engine over `sched_dags`, `sched_dag_runs`, `sched_dag_task_runs`, triggers and outbox. */
export class Dags {
  readonly #sql: Sql;
  readonly #clock: Clock;
  readonly #queue: Queue;
  readonly #check: PayloadCheck;
  readonly #cache = new Map<string, Compiled>();
  readonly #triggers: Triggers;

  constructor(sql: Sql, clock: Clock, queue: Queue, check: PayloadCheck) {
    this.#sql = sql;
    this.#clock = clock;
    this.#queue = queue;
    this.#check = check;
    this.#triggers = new Triggers(sql, clock, queue, (id) => this.exists(id));
  }

  /** Cross-DAG triggers and their outbox. */
  get triggers(): Triggers {
    return this.#triggers;
  }

  /**
   * Stores a definition: identical to the latest → no-op; changed → version n+1.
   * @throws {DAG_INVALID} bad shape, duplicate or unknown task ids, > 1000 tasks
   * @throws {DAG_CYCLE} self-dependency or cycle, with the path
   */
  define(input: DagInput): { version: number; created: boolean } {
    const def = parseOrThrow(DagInputSchema, input, "DAG_INVALID");
    const ids = new Set<string>();
    for (const t of def.tasks) {
      if (ids.has(t.id)) throw schedError("DAG_INVALID", `duplicate task id "${t.id}"`);
      ids.add(t.id);
    }
    const deps = new Map(def.tasks.map((t) => [t.id, t.dependsOn]));
    for (const t of def.tasks) {
      for (const d of t.dependsOn) {
        if (!ids.has(d)) throw schedError("DAG_INVALID", `task "${t.id}" depends on unknown task "${d}"`);
      }
    }
    const cycle = findCycle(ids, (n) => deps.get(n) ?? []);
    if (cycle) throw schedError("DAG_CYCLE", `cycle: ${cycle.reverse().join(" → ")}`);
    def.tasks.forEach((t, i) => {
      this.#check(t.handler, t.payload, `tasks[${i}].payload`);
    });
    const text = JSON.stringify(def);
    if (text.length > 1_000_000) throw schedError("PAYLOAD_TOO_LARGE", "DAG definition over 1 MB", 413);
    const hash = checksum(text);
    const latest = this.#latest(def.id);
    if (latest && latest.hash === hash) return { version: latest.version, created: false };
    const version = (latest?.version ?? 0) + 1;
    this.#sql.exec(
      "INSERT INTO sched_dags (id, version, def, def_hash, created_at) VALUES (?, ?, ?, ?, ?)",
      def.id,
      version,
      text,
      hash,
      this.#clock.now(),
    );
    return { version, created: true };
  }

  #latest(id: string): { version: number; hash: string } | null {
    const row = this.#sql
      .exec<{ version: number; def_hash: string }>(
        "SELECT version, def_hash FROM sched_dags WHERE id = ? ORDER BY version DESC LIMIT 1",
        id,
      )
      .toArray()[0];
    return row ? { version: row.version, hash: row.def_hash } : null;
  }

  /** True when a DAG with this id exists. */
  exists(id: string): boolean {
    return this.#latest(id) !== null;
  }

  #compiled(id: string, version: number): Compiled {
    const cacheKey = `${id}@${version}`;
    let c = this.#cache.get(cacheKey);
    if (!c) {
      const row = this.#sql
        .exec<{ def: string }>("SELECT def FROM sched_dags WHERE id = ? AND version = ?", id, version)
        .toArray()[0];
      if (!row) throw schedError("NOT_FOUND", `dag ${id} version ${version} not found`, 404);
      const def = JSON.parse(row.def) as DagDefinition;
      const children = new Map<string, string[]>();
      for (const t of def.tasks) for (const d of t.dependsOn) children.set(d, [...(children.get(d) ?? []), t.id]);
      const payloads = new Map(def.tasks.map((t) => [t.id, JSON.stringify(t.payload ?? null)]));
      c = { def, version, children, payloads };
      if (this.#cache.size > 200) this.#cache.clear();
      this.#cache.set(cacheKey, c);
    }
    return c;
  }

  /**
   * Starts a run, or returns the run that already has this key. Call inside a transaction.
   * @throws {NOT_FOUND} unknown DAG or version
   */
  run(id: string, options: { key: string; version?: number | "latest" }): DagRun {
    const key = parseOrThrow(KeySchema, options.key, "INVALID_SCHEDULE", "key");
    const existing = this.#sql
      .exec<RunRow>("SELECT * FROM sched_dag_runs WHERE dag_id = ? AND key = ?", id, key)
      .toArray()[0];
    if (existing) return toRun(existing);
    const version =
      options.version === undefined || options.version === "latest" ? this.#latest(id)?.version : options.version;
    if (version === undefined) throw schedError("NOT_FOUND", `dag ${id} not found`, 404);
    const c = this.#compiled(id, version);
    const now = this.#clock.now();
    const runId = newId();
    this.#sql.exec(
      "INSERT INTO sched_dag_runs (id, dag_id, version, key, status, remaining, started_at) VALUES (?, ?, ?, ?, 'running', ?, ?)",
      runId,
      id,
      version,
      key,
      c.def.tasks.length,
      now,
    );
    const tasks = c.def.tasks;
    for (let i = 0; i < tasks.length; i += 25) {
      const batch = tasks.slice(i, i + 25);
      this.#sql.exec(
        `INSERT INTO sched_dag_task_runs (run_id, task_id, status, indegree) VALUES ${batch.map(() => "(?, ?, ?, ?)").join(", ")}`,
        ...batch.flatMap((t) => [runId, t.id, t.dependsOn.length === 0 ? "ready" : "pending", t.dependsOn.length]),
      );
    }
    this.#startReady(runId, c, now);
    return this.get(id, runId) as DagRun;
  }

  /** Moves ready tasks to the queue while fewer than `maxParallel` are in flight. */
  #startReady(runId: string, c: Compiled, now: number): void {
    const run = this.#sql.exec<RunRow>("SELECT * FROM sched_dag_runs WHERE id = ?", runId).one();
    const free = c.def.maxParallel - run.running;
    if (free <= 0) return;
    const ready = this.#sql
      .exec<{ task_id: string }>(
        "SELECT task_id FROM sched_dag_task_runs WHERE run_id = ? AND status = 'ready' LIMIT ?",
        runId,
        free,
      )
      .toArray();
    for (const { task_id } of ready) {
      const task = c.def.tasks.find((t) => t.id === task_id);
      if (!task) continue;
      const spec: RunSpec = {
        origin: "dag",
        action: "handler",
        scheduleId: runId,
        scheduleKey: task_id,
        slot: run.started_at,
        version: c.version,
        handler: task.handler,
        payload: c.payloads.get(task_id) ?? "null",
        ...(task.retry ? { retry: task.retry } : {}),
        dag: { dagId: run.dag_id, runId, taskId: task_id },
        inflight: false,
      };
      this.#sql.exec(
        "UPDATE sched_dag_task_runs SET status = 'queued' WHERE run_id = ? AND task_id = ?",
        runId,
        task_id,
      );
      this.#queue.put("run", `dag:${runId}:${task_id}`, now, JSON.stringify(spec));
    }
    this.#sql.exec("UPDATE sched_dag_runs SET running = running + ? WHERE id = ?", ready.length, runId);
  }

  /** A task attempt started (inside the claim transaction). */
  taskStarted(ref: { runId: string; taskId: string }, attempt: number, now: number): void {
    this.#sql.exec(
      "UPDATE sched_dag_task_runs SET status = 'running', attempts = ?, started_at = coalesce(started_at, ?) WHERE run_id = ? AND task_id = ?",
      attempt,
      now,
      ref.runId,
      ref.taskId,
    );
  }

  /** A task attempt failed and waits for its retry (inside the transaction that re-queues it). */
  taskRetrying(ref: { runId: string; taskId: string }, error: string): void {
    this.#sql.exec(
      "UPDATE sched_dag_task_runs SET status = 'queued', error = ? WHERE run_id = ? AND task_id = ?",
      error,
      ref.runId,
      ref.taskId,
    );
  }

  /**
   * A task ended for good (inside the transaction of its done marker): releases children,
   * skips descendants on failure, ends the run and writes trigger outbox rows.
   * @returns ids of outbox rows to deliver after commit
   */
  taskEnded(ref: { dagId: string; runId: string; taskId: string }, ok: boolean, error: string | null): string[] {
    const now = this.#clock.now();
    const run = this.#sql.exec<RunRow>("SELECT * FROM sched_dag_runs WHERE id = ?", ref.runId).toArray()[0];
    if (run?.status !== "running") return [];
    const c = this.#compiled(run.dag_id, run.version);
    const updated = this.#sql.exec(
      "UPDATE sched_dag_task_runs SET status = ?, ended_at = ?, error = ? WHERE run_id = ? AND task_id = ? AND status IN ('queued', 'running')",
      ok ? "succeeded" : "failed",
      now,
      error,
      ref.runId,
      ref.taskId,
    ).rowsWritten;
    if (updated === 0) return [];
    let ended = 1;
    if (ok) {
      for (const child of c.children.get(ref.taskId) ?? []) {
        const row = this.#sql
          .exec<{ indegree: number }>(
            "UPDATE sched_dag_task_runs SET indegree = indegree - 1 WHERE run_id = ? AND task_id = ? AND status = 'pending' RETURNING indegree",
            ref.runId,
            child,
          )
          .toArray()[0];
        if (row?.indegree === 0) {
          this.#sql.exec(
            "UPDATE sched_dag_task_runs SET status = 'ready' WHERE run_id = ? AND task_id = ?",
            ref.runId,
            child,
          );
        }
      }
    } else {
      const seen = new Set<string>();
      const todo = [...(c.children.get(ref.taskId) ?? [])];
      while (todo.length > 0) {
        const next = todo.pop() as string;
        if (seen.has(next)) continue;
        seen.add(next);
        ended += this.#sql.exec(
          "UPDATE sched_dag_task_runs SET status = 'skipped', ended_at = ? WHERE run_id = ? AND task_id = ? AND status IN ('pending', 'ready')",
          now,
          ref.runId,
          next,
        ).rowsWritten;
        todo.push(...(c.children.get(next) ?? []));
      }
    }
    this.#sql.exec(
      "UPDATE sched_dag_runs SET running = running - 1, remaining = remaining - ?, failed = max(failed, ?) WHERE id = ?",
      ended,
      ok ? 0 : 1,
      ref.runId,
    );
    const after = this.#sql.exec<RunRow>("SELECT * FROM sched_dag_runs WHERE id = ?", ref.runId).one();
    if (after.remaining > 0) {
      this.#startReady(ref.runId, c, now);
      return [];
    }
    const status = after.failed ? "failed" : "succeeded";
    this.#sql.exec("UPDATE sched_dag_runs SET status = ?, ended_at = ? WHERE id = ?", status, now, ref.runId);
    return this.#triggers.writeOutbox(after.dag_id, ref.runId, status, now);
  }

  /** A run with its tasks, or null. */
  get(dagId: string, runId: string): DagRun | null {
    const row = this.#sql
      .exec<RunRow>("SELECT * FROM sched_dag_runs WHERE id = ? AND dag_id = ?", runId, dagId)
      .toArray()[0];
    if (!row) return null;
    const tasks = this.#sql
      .exec<{ task_id: string; status: string; attempts: number; error: string | null }>(
        "SELECT task_id, status, attempts, error FROM sched_dag_task_runs WHERE run_id = ? ORDER BY rowid",
        runId,
      )
      .toArray()
      .map((t) => ({ id: t.task_id, status: t.status, attempts: t.attempts, error: t.error }));
    return { ...toRun(row), tasks };
  }

  /** Latest version number of a DAG (for `toVersion = "latest"`). */
  latestVersion(id: string): number | null {
    return this.#latest(id)?.version ?? null;
  }
}

function toRun(row: RunRow): DagRun {
  return {
    id: row.id,
    dagId: row.dag_id,
    version: row.version,
    key: row.key,
    status: row.status,
    startedAt: row.started_at,
    endedAt: row.ended_at,
  };
}
