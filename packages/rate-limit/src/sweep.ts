/**
 * The idle-key sweep: pages through the state table in key order and deletes the rows equal to
 * "full" under the limit that applies now, and expired overrides. No decision changes: a
 * deleted row reads back as a full quota. Also when to sweep inline, for a limiter without
 * wake-ups.
 * @module
 */
import type { TransactionSync } from "@durable/core";
import { decide, type StoredState } from "./algorithms/index.ts";
import type { Plan } from "./schemas.ts";
import type { KeyRecord, RateLimitStore, StateRow } from "./store.ts";
import { SWEEP_CONTINUE_MS, SWEEP_INTERVAL_MS, SWEEP_PAGE, type SweepReport } from "./types.ts";

/** One pass's report and the keys whose cached entries are stale now. */
export interface SweepPass {
  report: SweepReport;
  stale: string[];
}

/** The sweep's position in the table, and the inline schedule. */
export class Sweeper {
  readonly #store: RateLimitStore;
  readonly #transactionSync: TransactionSync;
  readonly #planOf: (record: KeyRecord, now: number) => Plan;
  #from: [string, string] = ["", ""];
  #nextInline = 0;

  /**
   * @param store the limiter's store
   * @param transactionSync the transaction port
   * @param planOf the plan that applies to a key's record now
   */
  constructor(
    store: RateLimitStore,
    transactionSync: TransactionSync,
    planOf: (record: KeyRecord, now: number) => Plan,
  ) {
    this.#store = store;
    this.#transactionSync = transactionSync;
    this.#planOf = planOf;
  }

  /** Starts the inline schedule: the first inline pass is an interval away. */
  startInline(now: number): void {
    this.#nextInline = now + SWEEP_INTERVAL_MS;
  }

  /**
   * True when an inline pass is due at `now`; it then books the next one (hourly). Call
   * {@link continueSoon} after a pass that reported more.
   */
  inlineDue(now: number): boolean {
    if (now < this.#nextInline) return false;
    this.#nextInline = now + SWEEP_INTERVAL_MS;
    return true;
  }

  /** Brings the next inline pass forward: the table has more pages. */
  continueSoon(now: number): void {
    this.#nextInline = now + SWEEP_CONTINUE_MS;
  }

  /** One pass over the next page (and up to one page of expired overrides), in one transaction. */
  pass(now: number): SweepPass {
    const [afterKey, afterLimit] = this.#from;
    const page = this.#store.scanIdle(afterKey, afterLimit, now, SWEEP_PAGE);
    this.#from = page.next ?? ["", ""];
    const records = new Map<string, KeyRecord>();
    const deletions: { key: string; limit: string }[] = [];
    const refresh: StateRow[] = [];
    for (const c of page.rows) {
      let record = records.get(c.key);
      if (record === undefined) {
        record = this.#store.loadKey(c.key);
        records.set(c.key, record);
      }
      const spec = this.#planOf(record, now).limits.find((l) => l.name === c.limit);
      const state: StoredState = record.states.get(c.limit) ?? c.state;
      if (spec !== undefined && spec.algorithm === state.algo) {
        // Full under the limit that applies now? (The plan may have changed since the write.)
        const { decision } = decide(spec, state, now, 0);
        if (decision.reset > now) {
          refresh.push({ key: c.key, limit: c.limit, state, idleAt: decision.reset });
          continue;
        }
      }
      deletions.push({ key: c.key, limit: c.limit });
    }
    let overrides: string[] = [];
    this.#transactionSync(() => {
      for (const d of deletions) this.#store.deleteKey(d.key, d.limit);
      this.#store.writeStates(refresh);
      overrides = this.#store.deleteExpiredOverrides(now, SWEEP_PAGE);
    });
    return {
      report: {
        deleted: deletions.length,
        overrides: overrides.length,
        more: page.next !== null || overrides.length === SWEEP_PAGE,
      },
      stale: [...records.keys(), ...overrides],
    };
  }
}
