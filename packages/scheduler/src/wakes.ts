/**
 * Other capabilities' wake-ups: one `wake` queue row per owner + key (a repeat keeps the earlier
 * time), run by calling the owner's registered handler; a failure retries with the default
 * policy, then dead-letters, and an owner without a handler dead-letters at once.
 * @module
 */
import type { WakeEvent } from "@durable/core";
import { retryDelay, type SchedulerConfig } from "./config.ts";
import { insertDeadLetter } from "./dead-letters.ts";
import { schedError } from "./errors.ts";
import { isCrash } from "./faults.ts";
import type { Queue, QueueRow } from "./queue.ts";
import { MAX_PAYLOAD_BYTES } from "./registry.ts";
import type { PassReport, SchedulerPorts } from "./types.ts";

/** A wake handler of one owner. */
export type WakeFn = (event: WakeEvent) => void | Promise<void>;

/** The data of a `wake` queue row. */
interface WakeData {
  owner: string;
  key: string;
  payload: unknown;
}

/** The ref of an owner's wake-up in `sched_queue`. */
function wakeRef(owner: string, key: string): string {
  return JSON.stringify([owner, key]);
}

/** Wake-ups of every owner and their handlers. */
export class Wakes {
  readonly #ports: SchedulerPorts;
  readonly #config: SchedulerConfig;
  readonly #queue: Queue;
  readonly #startId: string;
  readonly #handlers = new Map<string, WakeFn>();

  constructor(ports: SchedulerPorts, config: SchedulerConfig, queue: Queue, startId: string) {
    this.#ports = ports;
    this.#config = config;
    this.#queue = queue;
    this.#startId = startId;
  }

  /** Registers the wake handler of `owner` (a later registration replaces it). */
  register(owner: string, fn: WakeFn): void {
    this.#handlers.set(owner, fn);
  }

  /**
   * Checks a wake-up request before any write.
   * @throws {INVALID_SCHEDULE} no owner or key, or a time that is not finite
   * @throws {PAYLOAD_TOO_LARGE} a payload over 64 KB
   * @returns the queue row's data
   */
  check(owner: string, key: string, atMs: number, payload?: unknown): string {
    if (!owner || owner.length > 128 || !key || key.length > 512 || !Number.isFinite(atMs)) {
      throw schedError("INVALID_SCHEDULE", "wake needs an owner, a key and a finite time");
    }
    const data = JSON.stringify({ owner, key, payload: payload ?? null });
    if (data.length > MAX_PAYLOAD_BYTES) throw schedError("PAYLOAD_TOO_LARGE", "wake payload over 64 KB", 413);
    return data;
  }

  /** Sets (or merges: the earlier time wins) the wake-up; call inside a transaction with checked data. */
  set(owner: string, key: string, atMs: number, data: string): void {
    this.#queue.merge("wake", wakeRef(owner, key), Math.floor(atMs), data);
  }

  /** Cancels the wake-up, if any; call inside a transaction. */
  cancel(owner: string, key: string): void {
    this.#queue.deleteRef("wake", wakeRef(owner, key));
  }

  /** Runs a due `wake` row: calls its owner, then deletes it (unless a newer request replaced it). */
  async exec(row: QueueRow, report: PassReport): Promise<void> {
    const { clock, transactionSync, sql } = this.#ports;
    const data = JSON.parse(row.data ?? "{}") as WakeData;
    const fn = this.#handlers.get(data.owner);
    const handler = `wake:${data.owner}`;
    const letter = (code: string, err: unknown) =>
      transactionSync(() => {
        insertDeadLetter(sql, {
          scheduleId: null,
          key: row.ref,
          handler,
          payload: JSON.stringify(data.payload),
          attempts: row.attempt,
          error: err,
          code,
          spec: JSON.stringify({ wake: data }),
          at: clock.now(),
        });
        this.#queue.deleteRef("wake", row.ref, row.gen);
      });
    if (!fn) {
      letter("HANDLER_MISSING", `no wake handler for owner "${data.owner}"`);
      report.deadLettered++;
      return;
    }
    transactionSync(() => this.#queue.lease(row.id, clock.now() + this.#config.leaseMs, this.#startId));
    try {
      await fn({ owner: data.owner, key: data.key, dueAt: row.due_at, payload: data.payload });
      transactionSync(() => this.#queue.deleteRef("wake", row.ref, row.gen));
      report.wakes++;
    } catch (err) {
      if (isCrash(err)) throw err;
      const policy = this.#config.retry;
      if (row.attempt < policy.maxAttempts) {
        const delay = retryDelay(policy, row.attempt + 1, (this.#ports.random ?? Math.random)());
        this.#queue.retryAt(row.id, clock.now() + delay, row.gen);
        report.retried++;
      } else {
        letter("RETRIES_EXHAUSTED", err);
        report.deadLettered++;
      }
    }
  }
}
