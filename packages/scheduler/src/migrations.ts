/**
 * The scheduler's tables (prefix `sched_`), in order. A shipped migration is never edited.
 * @module
 */
import type { MigrationSet } from "@durable/core";

/** Migrations of the `scheduler` owner. */
export const SCHEDULER_MIGRATIONS: MigrationSet = {
  owner: "scheduler",
  prefix: "sched_",
  migrations: [
    {
      version: 1,
      name: "queue, schedules, dedup, history, dead letters",
      sql: `
CREATE TABLE sched_queue (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  due_at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  ref TEXT NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 1,
  lease TEXT,
  gen INTEGER NOT NULL DEFAULT 0,
  data TEXT
) STRICT;
CREATE INDEX sched_queue_due ON sched_queue (due_at, id);
CREATE UNIQUE INDEX sched_queue_ref ON sched_queue (kind, ref);

CREATE TABLE sched_schedules (
  id TEXT PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  target TEXT NOT NULL,
  payload TEXT NOT NULL,
  spec TEXT NOT NULL,
  policy TEXT NOT NULL,
  def_hash TEXT NOT NULL,
  status TEXT NOT NULL,
  version INTEGER NOT NULL,
  next_run_at INTEGER,
  last_run_at INTEGER,
  run_count INTEGER NOT NULL DEFAULT 0,
  inflight INTEGER NOT NULL DEFAULT 0,
  buffered_at INTEGER,
  hist_n INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sched_schedules_status ON sched_schedules (status, id);
CREATE TABLE sched_stats (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
INSERT INTO sched_stats (name, value) VALUES ('live', 0);
CREATE TRIGGER sched_live_ins AFTER INSERT ON sched_schedules WHEN NEW.status IN ('active', 'paused')
BEGIN UPDATE sched_stats SET value = value + 1 WHERE name = 'live'; END;
CREATE TRIGGER sched_live_upd AFTER UPDATE OF status ON sched_schedules
WHEN (OLD.status IN ('active', 'paused')) != (NEW.status IN ('active', 'paused'))
BEGIN UPDATE sched_stats SET value = value + (CASE WHEN NEW.status IN ('active', 'paused') THEN 1 ELSE -1 END) WHERE name = 'live'; END;
CREATE TRIGGER sched_live_del AFTER DELETE ON sched_schedules WHEN OLD.status IN ('active', 'paused')
BEGIN UPDATE sched_stats SET value = value - 1 WHERE name = 'live'; END;

CREATE TABLE sched_dedup (
  key TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  start_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sched_dedup_expiry ON sched_dedup (expires_at);

CREATE TABLE sched_runs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  schedule_id TEXT NOT NULL,
  status TEXT NOT NULL,
  scheduled_at INTEGER NOT NULL,
  started_at INTEGER,
  duration_ms INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL,
  detail TEXT,
  error TEXT,
  recorded_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sched_runs_schedule ON sched_runs (schedule_id, seq);
CREATE INDEX sched_runs_recorded ON sched_runs (recorded_at);

CREATE TABLE sched_dead_letters (
  id TEXT PRIMARY KEY,
  schedule_id TEXT,
  key TEXT NOT NULL,
  handler TEXT NOT NULL,
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  code TEXT NOT NULL,
  spec TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
`,
    },
    {
      version: 2,
      name: "long-running tasks",
      sql: `
CREATE TABLE sched_tasks (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  idem_key TEXT NOT NULL UNIQUE,
  schedule_id TEXT,
  status TEXT NOT NULL,
  cursor TEXT NOT NULL,
  steps INTEGER NOT NULL DEFAULT 0,
  chunks INTEGER NOT NULL DEFAULT 0,
  progress REAL,
  error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
`,
    },
    {
      version: 3,
      name: "dags, runs, triggers, outbox",
      sql: `
CREATE TABLE sched_dags (
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  def TEXT NOT NULL,
  def_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (id, version)
) STRICT;
CREATE TABLE sched_dag_runs (
  id TEXT PRIMARY KEY,
  dag_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  key TEXT NOT NULL,
  status TEXT NOT NULL,
  running INTEGER NOT NULL DEFAULT 0,
  remaining INTEGER NOT NULL,
  failed INTEGER NOT NULL DEFAULT 0,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  UNIQUE (dag_id, key)
) STRICT;
CREATE TABLE sched_dag_task_runs (
  run_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  status TEXT NOT NULL,
  indegree INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  started_at INTEGER,
  ended_at INTEGER,
  error TEXT,
  PRIMARY KEY (run_id, task_id)
) STRICT;
CREATE INDEX sched_dag_task_runs_status ON sched_dag_task_runs (run_id, status);
CREATE TABLE sched_triggers (
  from_dag TEXT NOT NULL,
  to_dag TEXT NOT NULL,
  on_status TEXT NOT NULL,
  to_version TEXT NOT NULL,
  target TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (from_dag, to_dag)
) STRICT;
CREATE TABLE sched_outbox (
  id TEXT PRIMARY KEY,
  to_dag TEXT NOT NULL,
  to_version TEXT NOT NULL,
  target TEXT,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER,
  error TEXT
) STRICT;
`,
    },
    {
      version: 4,
      name: "dag runs by start time (the run listing)",
      sql: "CREATE INDEX sched_dag_runs_started ON sched_dag_runs (dag_id, started_at, id)",
    },
  ],
};
