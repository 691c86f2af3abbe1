/**
 * `@durable/scheduler/testing`: helpers for Node tests and spikes, never needed in production:
 * an in-memory alarm that counts its writes, the crash a fault hook throws, and the slot math
 * (`nextSlot`, `normalizeCron`) for oracles and naive baselines.
 * @example
 * import { MemoryAlarm, SimulatedCrash } from "@durable/scheduler/testing";
 * const scheduler = createScheduler({ sql, transactionSync, clock, alarm: new MemoryAlarm(),
 *   faults: { beforeDone: () => { throw new SimulatedCrash("before done"); } } });
 * @module
 */
import type { AlarmPort } from "@durable/core";
import { CRASH } from "./faults.ts";

export { normalizeCron } from "./cron.ts";
export { nextSlot, type WhenSpec } from "./slots.ts";

/** The DO alarm slot in memory: what tests and the spike use in Node. */
export class MemoryAlarm implements AlarmPort {
  #at: number | null = null;
  /** How many times `set` or `delete` was called. */
  writes = 0;

  async get(): Promise<number | null> {
    return this.#at;
  }

  async set(atMs: number): Promise<void> {
    this.writes++;
    this.#at = atMs;
  }

  async delete(): Promise<void> {
    this.writes++;
    this.#at = null;
  }

  /** The alarm time, synchronously. */
  get at(): number | null {
    return this.#at;
  }

  /** A fired alarm is cleared before the handler runs, as in a DO. */
  fire(): void {
    this.#at = null;
  }
}

/**
 * Thrown by a fault hook (`SchedulerPorts.faults`): the scheduler lets it escape every catch, as
 * if the isolate died there; restart a scheduler on the same database to recover.
 */
export class SimulatedCrash extends Error {
  /** The brand the scheduler checks (it never imports this class). */
  readonly [CRASH] = true;

  constructor(where: string) {
    super(`simulated crash: ${where}`);
    this.name = "SimulatedCrash";
  }
}
