/**
 * Read-only listings of DAGs and their runs, for operators (the console's DAG view) and clients
 * that know no run id: `GET /scheduler/dags` (each DAG's latest definition with its
 * dependencies, keyset by id) and `GET /scheduler/dags/:id/runs` (newest first, keyset by start
 * time and run id, served by the `sched_dag_runs_started` index).
 * @module
 */
import { parseOrThrow, type Sql } from "@durable/core";
import { schedError } from "./errors.ts";
import { type DagDefinition, type Page, type PageQuery, PageQuerySchema } from "./schemas.ts";
import type { DagRun } from "./types.ts";

/** A DAG as the listing shows it: its latest version, tasks with their dependencies (no payloads). */
export interface DagSummary {
  id: string;
  /** The latest version. */
  version: number;
  maxParallel: number;
  tasks: { id: string; handler: string; dependsOn: string[] }[];
  /** When the latest version was stored, epoch ms. */
  createdAt: number;
}

/** A DAG run in a listing: the run without its tasks, plus how many are left and whether one failed. */
export interface DagRunSummary extends Omit<DagRun, "tasks"> {
  /** Tasks not yet ended (succeeded, failed or skipped). */
  remaining: number;
  /** True once a task of the run failed for good. */
  failed: boolean;
}

interface DagRow {
  id: string;
  version: number;
  def: string;
  created_at: number;
  [column: string]: string | number;
}

interface RunRow {
  id: string;
  dag_id: string;
  version: number;
  key: string;
  status: DagRun["status"];
  remaining: number;
  failed: number;
  started_at: number;
  ended_at: number | null;
  [column: string]: string | number | null;
}

const RUN_CURSOR = /^(\d{1,16}):([A-Za-z0-9_-]{1,128})$/;

/** Reads `sched_dags` and `sched_dag_runs` page by page; writes nothing. */
export class DagLists {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /**
   * Every DAG's latest definition, ordered by id; `cursor` is the last id of the previous page.
   * @throws {INVALID_SCHEDULE} 400 for a bad limit or cursor
   */
  dags(query: PageQuery = {}): Page<DagSummary> {
    const q = parseOrThrow(PageQuerySchema, query, "INVALID_SCHEDULE");
    const rows = this.#sql
      .exec<DagRow>(
        `SELECT d.id, d.version, d.def, d.created_at FROM sched_dags d
         WHERE d.id > ? AND d.version = (SELECT max(version) FROM sched_dags WHERE id = d.id)
         ORDER BY d.id LIMIT ?`,
        q.cursor ?? "",
        q.limit + 1,
      )
      .toArray();
    const page = rows.slice(0, q.limit);
    const items = page.map((row) => {
      const def = JSON.parse(row.def) as DagDefinition;
      return {
        id: row.id,
        version: row.version,
        maxParallel: def.maxParallel,
        tasks: def.tasks.map((t) => ({ id: t.id, handler: t.handler, dependsOn: t.dependsOn })),
        createdAt: row.created_at,
      };
    });
    const last = page[page.length - 1];
    return { items, ...(rows.length > q.limit && last ? { cursor: last.id } : {}) };
  }

  /**
   * The runs of DAG `id`, newest first (by start time, then run id); `cursor` comes from the
   * previous page.
   * @throws {NOT_FOUND} 404 when no DAG has this id
   * @throws {INVALID_SCHEDULE} 400 for a bad limit or cursor
   */
  runs(id: string, query: PageQuery = {}): Page<DagRunSummary> {
    const q = parseOrThrow(PageQuerySchema, query, "INVALID_SCHEDULE");
    const known = this.#sql.exec("SELECT 1 FROM sched_dags WHERE id = ? LIMIT 1", id).toArray().length > 0;
    if (!known) throw schedError("NOT_FOUND", `dag ${id} not found`, 404);
    let before: [number, string] = [Number.MAX_SAFE_INTEGER, ""];
    if (q.cursor !== undefined) {
      const match = RUN_CURSOR.exec(q.cursor);
      if (!match) throw schedError("INVALID_SCHEDULE", "cursor: not a cursor of this listing");
      before = [Number(match[1]), match[2] as string];
    }
    const rows = this.#sql
      .exec<RunRow>(
        `SELECT id, dag_id, version, key, status, remaining, failed, started_at, ended_at FROM sched_dag_runs
         WHERE dag_id = ? AND (started_at < ? OR (started_at = ? AND id < ?))
         ORDER BY started_at DESC, id DESC LIMIT ?`,
        id,
        before[0],
        before[0],
        q.cursor === undefined ? "\uffff" : before[1],
        q.limit + 1,
      )
      .toArray();
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        id: r.id,
        dagId: r.dag_id,
        version: r.version,
        key: r.key,
        status: r.status,
        startedAt: r.started_at,
        endedAt: r.ended_at,
        remaining: r.remaining,
        failed: r.failed !== 0,
      })),
      ...(rows.length > q.limit && last ? { cursor: `${last.started_at}:${last.id}` } : {}),
    };
  }
}
