/**
 * `TestHost`: composes capabilities in Node the way DOBase does in a DO (same `Composition`),
 * over a given `Sql` (the better-sqlite3 adapter), with in-memory blobs, a collecting
 * background and, when no scheduler is composed, a recorder of wake-ups that a test fires.
 * @module
 */
import { CollectingBackground } from "../background.ts";
import { MemoryBlobStore } from "../blob-store.ts";
import type { AlarmOwner, AlarmOwnerDefinition, AlarmPort, Capability, CapabilityDefinition } from "../capability.ts";
import { type Clock, ManualClock } from "../clock.ts";
import { Composition } from "../composition.ts";
import type { Sql, TransactionSync } from "../sql.ts";
import type { WakeEvent, WakeRouter } from "../wake.ts";

/** A wake-up as the recorder holds it. */
export interface PendingWake {
  owner: string;
  key: string;
  atMs: number;
  payload: unknown;
}

/** A `WakeRouter` that records wake-ups (one per owner and key, the earlier time kept). */
export class RecordingWakes implements WakeRouter {
  readonly #pending = new Map<string, PendingWake>();

  set(owner: string, key: string, atMs: number, payload?: unknown): void {
    const id = `${owner}\u0000${key}`;
    const current = this.#pending.get(id);
    if (current && current.atMs <= atMs) return;
    this.#pending.set(id, { owner, key, atMs, payload });
  }

  cancel(owner: string, key: string): void {
    this.#pending.delete(`${owner}\u0000${key}`);
  }

  /** Every pending wake-up, earliest first. */
  pending(): PendingWake[] {
    return [...this.#pending.values()].sort((a, b) => a.atMs - b.atMs);
  }

  /** Removes and returns the wake-ups due at `nowMs`, earliest first. */
  takeDue(nowMs: number): PendingWake[] {
    const due = this.pending().filter((w) => w.atMs <= nowMs);
    for (const w of due) this.#pending.delete(`${w.owner}\u0000${w.key}`);
    return due;
  }
}

/** A raw alarm held in memory. */
export class MemoryAlarmPort implements AlarmPort {
  at: number | null = null;
  async get(): Promise<number | null> {
    return this.at;
  }
  async set(atMs: number): Promise<void> {
    this.at = atMs;
  }
  async delete(): Promise<void> {
    this.at = null;
  }
}

/** Options of {@link TestHost}. */
export interface TestHostOptions {
  sql: Sql;
  transactionSync: TransactionSync;
  clock?: Clock;
  tenant?: string;
}

/**
 * A Node stand-in for DOBase: `use()` capability definitions, `start()`, then call them.
 * @example
 * const db = openSqlite();
 * const host = new TestHost({ sql: db.sql, transactionSync: db.transactionSync });
 * const tables = host.use(tablesCapability());
 * await host.start();
 */
export class TestHost {
  readonly clock: Clock;
  readonly blobs = new MemoryBlobStore();
  readonly background = new CollectingBackground();
  readonly wakes = new RecordingWakes();
  readonly alarm = new MemoryAlarmPort();
  readonly composition: Composition;

  constructor(options: TestHostOptions) {
    this.clock = options.clock ?? new ManualClock(Date.UTC(2026, 0, 1));
    const tenant = options.tenant ?? "test";
    this.composition = new Composition({
      sql: options.sql,
      transactionSync: options.transactionSync,
      clock: this.clock,
      blobs: this.blobs,
      background: this.background,
      alarm: this.alarm,
      wakes: this.wakes,
      tenant: () => tenant,
    });
  }

  /** See {@link Composition.use}. */
  use<C extends Capability>(def: CapabilityDefinition<C> | AlarmOwnerDefinition<C & AlarmOwner>): C {
    return this.composition.use(def);
  }

  /** See {@link Composition.start}. */
  start(): Promise<void> {
    return this.composition.start();
  }

  /**
   * Delivers the recorded wake-ups due now (without a scheduler), repeating until none is due.
   * @returns the events delivered
   */
  async fireDueWakes(): Promise<WakeEvent[]> {
    const fired: WakeEvent[] = [];
    for (let due = this.wakes.takeDue(this.clock.now()); due.length > 0; due = this.wakes.takeDue(this.clock.now())) {
      for (const w of due) {
        const event = { owner: w.owner, key: w.key, dueAt: w.atMs, payload: w.payload };
        await this.composition.deliverWake(event);
        fired.push(event);
      }
    }
    return fired;
  }
}
