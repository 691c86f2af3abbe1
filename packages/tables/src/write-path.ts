/**
 * The one write path: every change to a user table runs in one `transactionSync` that also
 * calls every registered observer with the rows it changed. An observer that throws rolls the
 * whole write back, so an observer (the estimator, pre-agg, the router's version bump) never
 * misses a committed change and never sees one that did not commit.
 * @module
 */
import type { RowChange, TransactionSync } from "@durable/core";

/** Called inside the write's transaction, once per write call that changed something. */
export type RowObserver = (table: string, change: RowChange) => void;

/** Whether a change holds no row at all. */
export function isEmptyChange(change: RowChange): boolean {
  return change.inserted.length === 0 && change.updated.length === 0 && change.deleted.length === 0;
}

/** Runs writes in a transaction and hands their changes to the observers. */
export class WritePath {
  readonly #tx: TransactionSync;
  readonly #observers: RowObserver[] = [];

  constructor(transactionSync: TransactionSync) {
    this.#tx = transactionSync;
  }

  /**
   * Adds an observer; observers run in the order they were added.
   * @returns a function that removes it again
   */
  observe(observer: RowObserver): () => void {
    this.#observers.push(observer);
    return () => {
      const i = this.#observers.indexOf(observer);
      if (i >= 0) this.#observers.splice(i, 1);
    };
  }

  /** How many observers are registered. */
  get observerCount(): number {
    return this.#observers.length;
  }

  /**
   * Runs `fn` (which writes `table` and reports what it changed) and the observers in one
   * transaction.
   * @returns what `fn` returned
   * @throws whatever `fn` or an observer threw; nothing is stored then
   */
  write<T>(table: string, fn: () => { result: T; change: RowChange }): T {
    return this.#tx(() => {
      const { result, change } = fn();
      if (!isEmptyChange(change)) for (const observer of this.#observers) observer(table, change);
      return result;
    });
  }
}
