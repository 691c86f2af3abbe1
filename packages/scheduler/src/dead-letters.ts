/**
 * `sched_dead_letters`: runs that failed for good, listable, replayable with the same key,
 * deletable.
 * @module
 */
import { type Clock, newId, parseOrThrow, type Sql } from "@durable/core";
import { errorText, schedError } from "./errors.ts";
import type { Queue } from "./queue.ts";
import type { RunSpec } from "./run-spec.ts";
import { type Page, type PageQuery, PageQuerySchema } from "./schemas.ts";
import type { DeadLetter } from "./types.ts";

/** What a run that failed for good leaves behind (see {@link insertDeadLetter}). */
export interface NewDeadLetter {
  /** The schedule, or null for a wake-up (its owner is in `handler`). */
  scheduleId: string | null;
  key: string;
  handler: string;
  payload: string;
  attempts: number;
  error: unknown;
  code: string;
  /** What replay needs to run it again (JSON). */
  spec: string;
  at: number;
}

/**
 * Writes one `sched_dead_letters` row; the error text is cut to 2 KB of UTF-8.
 * @param sql the Sql port (call inside the transaction that ends the run)
 * @param letter the failed run
 */
export function insertDeadLetter(sql: Sql, letter: NewDeadLetter): void {
  sql.exec(
    `INSERT INTO sched_dead_letters (id, schedule_id, key, handler, payload, attempts, last_error, code, spec, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    newId(),
    letter.scheduleId,
    letter.key,
    letter.handler,
    letter.payload,
    letter.attempts,
    errorText(letter.error),
    letter.code,
    letter.spec,
    letter.at,
  );
}

/** Dead letters: runs that failed for good. */
export interface DeadLetterApi {
  list(q?: PageQuery): Page<DeadLetter>;
  get(id: string): DeadLetter | null;
  /** Runs it again with the same idempotency key. @throws {NOT_FOUND} @throws {SCHEDULE_CONFLICT} */
  replay(id: string): void;
  /** @throws {NOT_FOUND} */
  delete(id: string): void;
}

/** The dead-letter table (call inside the scheduler's mutation wrapper). */
export class DeadLetters {
  readonly #sql: Sql;
  readonly #clock: Clock;
  readonly #queue: Queue;

  constructor(sql: Sql, clock: Clock, queue: Queue) {
    this.#sql = sql;
    this.#clock = clock;
    this.#queue = queue;
  }

  /** @throws {NOT_FOUND} */
  delete(id: string): void {
    if (this.#sql.exec("DELETE FROM sched_dead_letters WHERE id = ?", id).rowsWritten === 0) {
      throw schedError("NOT_FOUND", `dead letter ${id} not found`, 404);
    }
  }

  #row(id: string) {
    return this.#sql
      .exec<{
        id: string;
        schedule_id: string | null;
        key: string;
        handler: string;
        payload: string;
        attempts: number;
        last_error: string;
        code: string;
        spec: string;
        created_at: number;
      }>("SELECT * FROM sched_dead_letters WHERE id = ?", id)
      .toArray()[0];
  }

  get(id: string): DeadLetter | null {
    const r = this.#row(id);
    return r
      ? {
          id: r.id,
          scheduleId: r.schedule_id,
          key: r.key,
          handler: r.handler,
          payload: JSON.parse(r.payload) as unknown,
          attempts: r.attempts,
          lastError: r.last_error,
          code: r.code,
          createdAt: r.created_at,
        }
      : null;
  }

  list(q: PageQuery = {}): Page<DeadLetter> {
    const page = parseOrThrow(PageQuerySchema, q, "INVALID_SCHEDULE");
    const ids = this.#sql
      .exec<{ id: string }>(
        "SELECT id FROM sched_dead_letters WHERE id > ? ORDER BY id LIMIT ?",
        page.cursor ?? "",
        page.limit + 1,
      )
      .toArray();
    const items = ids.slice(0, page.limit).flatMap((r) => this.get(r.id) ?? []);
    const last = items[items.length - 1];
    return { items, ...(ids.length > page.limit && last ? { cursor: last.id } : {}) };
  }

  replay(id: string): void {
    const r = this.#row(id);
    if (!r) throw schedError("NOT_FOUND", `dead letter ${id} not found`, 404);
    const now = this.#clock.now();
    const stored = JSON.parse(r.spec) as RunSpec | { wake: { owner: string; key: string; payload: unknown } };
    if ("wake" in stored) {
      this.#queue.merge("wake", r.key, now, JSON.stringify(stored.wake));
    } else {
      const spec: RunSpec = { ...stored, origin: "replay", inflight: false };
      if (this.#queue.put("run", r.key, now, JSON.stringify(spec)) === null) {
        throw schedError("SCHEDULE_CONFLICT", `a run with key ${r.key} is already queued`, 409);
      }
    }
    this.#sql.exec("DELETE FROM sched_dead_letters WHERE id = ?", id);
  }
}
