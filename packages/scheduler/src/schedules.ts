/**
 * `sched_schedules`: creation (idempotent by key), reads, cancel/pause/resume, and turning a
 * due occurrence row into run rows under the missed-run (`missed.ts`) and overlap policies.
 * @module
 */
import { type Clock, checksum, newId, parseOrThrow, type Sql } from "@durable/core";
import type { SchedulerConfig } from "./config.ts";
import { validateCron, validateTimezone } from "./cron.ts";
import { schedError } from "./errors.ts";
import type { History } from "./history.ts";
import { planSlots } from "./missed.ts";
import type { Queue, QueueRow } from "./queue.ts";
import { slotKey } from "./run-spec.ts";
import { canonical, type Policy, runSpecOf, type ScheduleRow, type Target, toSchedule } from "./schedule-rows.ts";
import { type ListQuery, ListQuerySchema, type Page, type ScheduleInput, ScheduleInputSchema } from "./schemas.ts";
import { nextSlot, slotAtOrAfter, type WhenSpec } from "./slots.ts";
import type { Schedule } from "./types.ts";

/** Checks the target of a schedule and returns the payload's JSON. */
export interface TargetCheck {
  payload(handler: string, payload: unknown, path: string): string;
  dagExists(id: string): boolean;
}

/** The schedules table and its policies. */
export class Schedules {
  readonly #sql: Sql;
  readonly #clock: Clock;
  readonly #queue: Queue;
  readonly #history: History;
  readonly #config: SchedulerConfig;
  readonly #check: TargetCheck;

  constructor(sql: Sql, clock: Clock, queue: Queue, history: History, config: SchedulerConfig, check: TargetCheck) {
    this.#sql = sql;
    this.#clock = clock;
    this.#queue = queue;
    this.#history = history;
    this.#config = config;
    this.#check = check;
  }

  #resolveWhen(when: ScheduleInput["when"], now: number): WhenSpec {
    if ("cron" in when) {
      const timezone = when.timezone ?? "UTC";
      validateTimezone(timezone);
      return { kind: "cron", cron: validateCron(when.cron, timezone, now), timezone };
    }
    if ("everyMs" in when) {
      return { kind: "interval", everyMs: when.everyMs, startAt: when.startAt ?? now + when.everyMs };
    }
    const at = "delayMs" in when ? now + when.delayMs : typeof when.at === "number" ? when.at : Date.parse(when.at);
    if (at < now - 60_000) throw schedError("INVALID_SCHEDULE", "when.at is more than 60 s in the past");
    if (at > now + 365 * 86_400_000) throw schedError("INVALID_SCHEDULE", "when.at is more than 365 days ahead");
    return { kind: "once", at };
  }

  /**
   * Creates a schedule, or returns the one with the same key and definition (0 rows written).
   * @throws {INVALID_SCHEDULE|INVALID_CRON|INVALID_TIMEZONE|UNKNOWN_HANDLER|INVALID_PAYLOAD|PAYLOAD_TOO_LARGE}
   * @throws {SCHEDULE_CONFLICT} same key, other definition, without `onConflict: "replace"`
   * @throws {SCHEDULE_LIMIT} over `maxSchedules`
   */
  create(input: ScheduleInput): { schedule: Schedule; created: boolean } {
    const s = parseOrThrow(ScheduleInputSchema, input, "INVALID_SCHEDULE");
    const now = this.#clock.now();
    const spec = this.#resolveWhen(s.when, now);
    if (s.key === undefined && spec.kind !== "once") {
      throw schedError("INVALID_SCHEDULE", "key: required for cron and interval schedules");
    }
    let target: Target;
    let payload: string;
    if (s.handler !== undefined) {
      target = { handler: s.handler };
      payload = this.#check.payload(s.handler, s.payload, "payload");
    } else {
      const dag = s.dag as string;
      if (!this.#check.dagExists(dag)) throw schedError("NOT_FOUND", `dag ${dag} not found`, 404);
      target = { dag };
      payload = "null";
    }
    const policy: Policy = {
      overlap: s.overlap,
      missed: s.missed,
      graceMs: s.graceMs ?? this.#config.graceMs,
      ...(s.retry ? { retry: s.retry } : {}),
    };
    const hash = checksum(canonical({ when: s.when, target, payload, policy }));
    const key = s.key ?? `once:${newId()}`;
    const existing = this.#sql.exec<ScheduleRow>("SELECT * FROM sched_schedules WHERE key = ?", key).toArray()[0];
    if (existing && existing.def_hash === hash && existing.status !== "cancelled") {
      return { schedule: toSchedule(existing), created: false };
    }
    if (existing && existing.status !== "cancelled" && s.onConflict !== "replace") {
      throw schedError("SCHEDULE_CONFLICT", `schedule ${key} exists with another definition`, 409);
    }
    if (!existing || existing.status === "cancelled" || existing.status === "completed") {
      const live = this.#sql.exec<{ n: number }>("SELECT value AS n FROM sched_stats WHERE name = 'live'").one().n;
      if (live >= this.#config.maxSchedules) {
        throw schedError("SCHEDULE_LIMIT", `at most ${this.#config.maxSchedules} schedules per object`, 409);
      }
    }
    const first = nextSlot(spec, spec.kind === "once" ? spec.at - 1 : now - 1);
    const id = existing?.id ?? newId();
    const columns = [spec.kind, JSON.stringify(target), payload, JSON.stringify(spec), JSON.stringify(policy), hash];
    if (existing) {
      this.#sql.exec(
        `UPDATE sched_schedules SET kind = ?, target = ?, payload = ?, spec = ?, policy = ?, def_hash = ?, status = 'active',
           version = version + 1, next_run_at = ?, buffered_at = NULL, updated_at = ? WHERE id = ?`,
        ...columns,
        first,
        now,
        id,
      );
      this.#queue.deleteRef("occ", id);
    } else {
      this.#sql.exec(
        `INSERT INTO sched_schedules (id, key, kind, target, payload, spec, policy, def_hash, status, version, next_run_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', 1, ?, ?, ?)`,
        id,
        key,
        ...columns,
        first,
        now,
        now,
      );
    }
    if (first !== null) this.#queue.put("occ", id, first);
    return { schedule: this.get(id) as Schedule, created: true };
  }

  /** A schedule by id, or null. */
  get(id: string): Schedule | null {
    const row = this.#sql.exec<ScheduleRow>("SELECT * FROM sched_schedules WHERE id = ?", id).toArray()[0];
    return row ? toSchedule(row) : null;
  }

  #require(id: string): ScheduleRow {
    const row = this.#sql.exec<ScheduleRow>("SELECT * FROM sched_schedules WHERE id = ?", id).toArray()[0];
    if (!row) throw schedError("NOT_FOUND", `schedule ${id} not found`, 404);
    return row;
  }

  /** Filters by status, kind and handler; keyset pages by id, at most 100. */
  list(query: ListQuery = {}): Page<Schedule> {
    const q = parseOrThrow(ListQuerySchema, query, "INVALID_SCHEDULE");
    const where = ["id > ?"];
    const args: (string | number)[] = [q.cursor ?? ""];
    const filters: [string, string | undefined][] = [
      ["status = ?", q.status],
      ["kind = ?", q.kind],
      ["target = ?", q.handler === undefined ? undefined : JSON.stringify({ handler: q.handler })],
    ];
    for (const [clause, value] of filters) {
      if (value === undefined) continue;
      where.push(clause);
      args.push(value);
    }
    const rows = this.#sql
      .exec<ScheduleRow>(
        `SELECT * FROM sched_schedules WHERE ${where.join(" AND ")} ORDER BY id LIMIT ?`,
        ...args,
        q.limit + 1,
      )
      .toArray();
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return { items: page.map(toSchedule), ...(rows.length > q.limit && last ? { cursor: last.id } : {}) };
  }

  /** Stops future slots; a run in flight finishes. @throws {NOT_FOUND} */
  cancel(id: string): void {
    this.#require(id);
    this.#sql.exec(
      "UPDATE sched_schedules SET status = 'cancelled', next_run_at = NULL, buffered_at = NULL, updated_at = ? WHERE id = ?",
      this.#clock.now(),
      id,
    );
    this.#queue.deleteRef("occ", id);
  }

  /** Paused slots never run and never catch up. @throws {NOT_FOUND} @throws {SCHEDULE_CONFLICT} when not active */
  pause(id: string): void {
    const row = this.#require(id);
    if (row.status === "paused") return;
    if (row.status !== "active") throw schedError("SCHEDULE_CONFLICT", `schedule ${id} is ${row.status}`, 409);
    this.#sql.exec(
      "UPDATE sched_schedules SET status = 'paused', buffered_at = NULL, updated_at = ? WHERE id = ?",
      this.#clock.now(),
      id,
    );
    this.#queue.deleteRef("occ", id);
  }

  /** Resumes from now: the next slot is the first at or after now. @throws {NOT_FOUND} @throws {SCHEDULE_CONFLICT} */
  resume(id: string): void {
    const row = this.#require(id);
    if (row.status === "active") return;
    if (row.status !== "paused") throw schedError("SCHEDULE_CONFLICT", `schedule ${id} is ${row.status}`, 409);
    const now = this.#clock.now();
    const spec = JSON.parse(row.spec) as WhenSpec;
    const next = spec.kind === "once" ? spec.at : slotAtOrAfter(spec, now);
    this.#sql.exec(
      "UPDATE sched_schedules SET status = ?, next_run_at = ?, updated_at = ? WHERE id = ?",
      next === null ? "completed" : "active",
      next,
      now,
      id,
    );
    if (next !== null) this.#queue.put("occ", id, next);
  }

  /**
   * Turns a due occurrence row into run rows (call inside a transaction). Applies grace,
   * the missed policy and the overlap policy, and moves the row to the next slot.
   * @returns the run rows created, oldest slot first
   */
  fire(occId: number, scheduleId: string, now: number): QueueRow[] {
    const row = this.#sql.exec<ScheduleRow>("SELECT * FROM sched_schedules WHERE id = ?", scheduleId).toArray()[0];
    if (row?.status !== "active" || row.next_run_at === null) {
      this.#queue.delete(occId);
      return [];
    }
    const spec = JSON.parse(row.spec) as WhenSpec;
    const policy = JSON.parse(row.policy) as Policy;
    const slot = row.next_run_at;
    if (slot > now) {
      this.#queue.reschedule(occId, slot, 1);
      return [];
    }
    const { runs, missed, next } = planSlots(spec, policy, slot, now);
    const target = JSON.parse(row.target) as Target;
    if (missed) {
      this.#history.record(`${row.id}:missed:${missed.first ?? slot}`, row.id, {
        status: "missed",
        scheduledAt: missed.first ?? slot,
        version: row.version,
        detail: {
          count: missed.count,
          ...(missed.capped ? { countIsLowerBound: true } : {}),
          lastMissedAt: missed.last,
        },
        now,
      });
    }
    let toRun = runs;
    let buffered = row.buffered_at;
    let recorded = missed ? 1 : 0;
    if (row.inflight > 0 && runs.length > 0 && policy.overlap !== "allow") {
      toRun = [];
      const last = runs[runs.length - 1];
      for (const r of runs) {
        if (policy.overlap === "buffer-one" && buffered === null && r === last) {
          buffered = r.slot;
          continue;
        }
        recorded++;
        this.#history.record(slotKey(row.id, r.slot), row.id, {
          status: "skipped",
          scheduledAt: r.slot,
          version: row.version,
          detail: { reason: "overlap" },
          now,
        });
      }
    }
    const ids: QueueRow[] = [];
    for (const r of toRun) {
      const ref = slotKey(row.id, r.slot);
      const data = JSON.stringify(runSpecOf(row, target, r));
      const id = this.#queue.put("run", ref, r.slot, data);
      if (id !== null) ids.push({ id, due_at: r.slot, kind: "run", ref, attempt: 1, lease: null, gen: 0, data });
    }
    this.#sql.exec(
      `UPDATE sched_schedules SET next_run_at = ?, status = ?, inflight = inflight + ?, buffered_at = ?,
         last_run_at = coalesce(?, last_run_at), run_count = run_count + ?, updated_at = ? WHERE id = ?`,
      next,
      next === null ? "completed" : "active",
      ids.length,
      buffered,
      toRun.length > 0 ? now : null,
      ids.length,
      now,
      row.id,
    );
    if (next === null) this.#queue.delete(occId);
    else this.#queue.reschedule(occId, next, 1);
    if (recorded > 0) this.#countHistory(row.id, recorded);
    return ids;
  }

  /**
   * Counts `n` new history rows of a schedule (finished runs, skipped or missed slots) and trims
   * its history each time the count crosses a multiple of 50, so it never exceeds the cap.
   * @returns the schedule's in-flight state after the update (null: no such schedule)
   */
  #countHistory(
    scheduleId: string,
    n: number,
    ended = 0,
  ): { inflight: number; buffered_at: number | null; status: string } | null {
    const left = this.#sql
      .exec<{ inflight: number; buffered_at: number | null; status: string; hist_n: number }>(
        `UPDATE sched_schedules SET inflight = max(0, inflight - ?), hist_n = hist_n + ? WHERE id = ?
         RETURNING inflight, buffered_at, status, hist_n`,
        ended,
        n,
        scheduleId,
      )
      .toArray()[0];
    if (left && Math.floor((left.hist_n - n) / 50) !== Math.floor(left.hist_n / 50)) this.#history.trim(scheduleId);
    return left ?? null;
  }

  /**
   * A run of this schedule ended for good: one fewer in flight; a buffered slot starts now.
   * @returns the queue id of the buffered run, if one started
   */
  runEnded(scheduleId: string, now: number): number | null {
    // Every 50 history rows the history is trimmed, so it never holds more than the cap.
    const left = this.#countHistory(scheduleId, 1, 1);
    if (!left || left.inflight > 0 || left.buffered_at === null || left.status !== "active") return null;
    const row = this.#sql.exec<ScheduleRow>("SELECT * FROM sched_schedules WHERE id = ?", scheduleId).one();
    const buffered = left.buffered_at;
    const target = JSON.parse(row.target) as Target;
    const id = this.#queue.put(
      "run",
      slotKey(row.id, buffered),
      now,
      JSON.stringify(runSpecOf(row, target, { slot: buffered })),
    );
    this.#sql.exec(
      "UPDATE sched_schedules SET buffered_at = NULL, inflight = inflight + ?, run_count = run_count + ?, last_run_at = ? WHERE id = ?",
      id === null ? 0 : 1,
      id === null ? 0 : 1,
      now,
      row.id,
    );
    return id;
  }

  /** Status of a schedule (for tasks: cancel applies between steps). */
  status(id: string): Schedule["status"] | null {
    return (
      this.#sql.exec<{ status: Schedule["status"] }>("SELECT status FROM sched_schedules WHERE id = ?", id).toArray()[0]
        ?.status ?? null
    );
  }
}
