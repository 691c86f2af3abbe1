/**
 * Helpers for running the scheduler outside a DO: an in-memory alarm and the crash signal of
 * the fault hooks.
 * @module
 */
import type { AlarmPort } from "@durable/core";

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

/** Thrown by a fault hook: the scheduler lets it escape, as if the isolate died there. */
export class SimulatedCrash extends Error {
  constructor(where: string) {
    super(`simulated crash: ${where}`);
    this.name = "SimulatedCrash";
  }
}
