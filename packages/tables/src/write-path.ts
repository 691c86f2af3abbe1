/**
 * The one write path: every change to a user table runs in one `transactionSync` that also
 * tells every table subscriber the rows it changed (see {@link TableEvents}). A subscriber that
 * throws rolls the whole write back, so an observer never misses a committed change and never
 * sees one that did not commit; its after-commit step runs only once the write committed.
 * @module
 */
import type { RowChange } from "@durable/core";
import type { TableEvents } from "./table-events.ts";

/** Whether a change holds no row at all. */
export function isEmptyChange(change: RowChange): boolean {
  return change.inserted.length === 0 && change.updated.length === 0 && change.deleted.length === 0;
}

/** Runs writes in a transaction and hands their changes to the table subscribers. */
export class WritePath {
  readonly #events: TableEvents;

  constructor(events: TableEvents) {
    this.#events = events;
  }

  /**
   * Runs `fn` (which writes `table` and reports what it changed) and the subscribers in one
   * transaction; a change with no row reaches no subscriber.
   * @returns what `fn` returned
   * @throws whatever `fn` or a subscriber threw; nothing is stored then
   */
  write<T>(table: string, fn: () => { result: T; change: RowChange }): T {
    return this.#events.transact((emit) => {
      const { result, change } = fn();
      if (!isEmptyChange(change)) emit.rowsChanged(table, change);
      return result;
    });
  }
}
