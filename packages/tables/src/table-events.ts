/**
 * The one table-events seam: every capability that cares about user tables (the estimator,
 * pre-agg, the query router, CDC, vector, checkpoint) subscribes here, once, and hears of
 * row changes, schema changes, drops and wholesale replacements.
 *
 * Ordering rules:
 * - Every event is delivered inside the transaction of the change, to subscribers in the order
 *   they subscribed. A subscriber that throws rolls the whole change back.
 * - A subscriber may return an after-commit step. Steps run after the outermost transaction
 *   committed, in the order they were returned, and never for a change that rolled back: that
 *   is where in-memory state and wake-ups change.
 * - A drop is vetoed (409 TABLE_IN_USE) while any subscriber reports a use, unless forced.
 * @module
 */
import type { RowChange, TransactionSync } from "@durable/core";
import type { TableDef } from "./table-spec.ts";

/** Work to do once the change committed. */
export type AfterCommit = () => void;

/** What a subscriber's hook may return: nothing, or a step to run after commit. */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook that returns nothing is typed void
export type EventResult = void | AfterCommit;

/** A capability's subscription to the tables of its DO. Every hook is optional. */
export interface TableSubscriber {
  /** The capability's name: shown in TABLE_IN_USE messages, unique among subscribers. */
  readonly name: string;
  /** What of this subscriber depends on `table` (e.g. `consumer audit`); empty when nothing. */
  usesOf?(table: string): string[];
  /** Rows of `table` changed through the write path (once per write call, never empty). */
  onRowsChanged?(table: string, change: RowChange): EventResult;
  /** `table`'s schema changed (a column or index added, an index dropped). */
  onSchemaChanged?(table: TableDef): EventResult;
  /** `table` is being dropped (forced past uses, or unused): drop what depended on it. */
  onTableDropped?(table: string): EventResult;
  /** `table`'s rows changed wholesale outside the write path (after a restore): rebuild. */
  onTableReplaced?(table: string): EventResult;
}

/** Where failures of after-commit steps go (they cannot undo a committed change). */
export type AfterCommitErrorHandler = (subscriber: string, error: unknown) => void;

const logAfterCommitError: AfterCommitErrorHandler = (subscriber, error) => {
  console.error(
    JSON.stringify({
      level: "error",
      event: "after-commit step failed",
      subscriber,
      error: error instanceof Error ? error.stack : String(error),
    }),
  );
};

/** Delivers events inside a transaction (see {@link TableEvents.transact}). */
export interface TableEventEmitter {
  rowsChanged(table: string, change: RowChange): void;
  schemaChanged(def: TableDef): void;
  dropping(table: string): void;
  replaced(table: string): void;
}

/** The subscribers of one DO's tables and the transactions that notify them. */
export class TableEvents {
  #tx: TransactionSync;
  readonly #onError: AfterCommitErrorHandler;
  readonly #subscribers: TableSubscriber[] = [];
  /** After-commit steps of the open (outermost) transaction. */
  #pending: { name: string; step: AfterCommit }[] = [];
  #depth = 0;
  readonly #emitter: TableEventEmitter;

  constructor(transactionSync: TransactionSync, onError: AfterCommitErrorHandler = logAfterCommitError) {
    this.#tx = transactionSync;
    this.#onError = onError;
    this.#emitter = {
      rowsChanged: (table, change) => this.#emit((s) => s.onRowsChanged?.(table, change)),
      schemaChanged: (def) => this.#emit((s) => s.onSchemaChanged?.(def)),
      dropping: (table) => this.#emit((s) => s.onTableDropped?.(table)),
      replaced: (table) => this.#emit((s) => s.onTableReplaced?.(table)),
    };
  }

  /**
   * Subscribes a capability.
   * @returns a function that unsubscribes it
   * @throws when a subscriber of the same name exists
   */
  subscribe(subscriber: TableSubscriber): () => void {
    if (this.#subscribers.some((s) => s.name === subscriber.name)) {
      throw new Error(`a table subscriber named ${subscriber.name} exists already`);
    }
    this.#subscribers.push(subscriber);
    return () => {
      const i = this.#subscribers.indexOf(subscriber);
      if (i >= 0) this.#subscribers.splice(i, 1);
    };
  }

  /**
   * Wraps the transaction every table change runs in (writes and DDL). CDC uses it to number
   * transactions and to turn its triggers' errors into typed ones. Wrappers compose: the last
   * one added runs outermost.
   */
  wrapTransactions(wrapper: (inner: TransactionSync) => TransactionSync): void {
    this.#tx = wrapper(this.#tx);
  }

  /** How many subscribers there are. */
  get size(): number {
    return this.#subscribers.length;
  }

  /** `subscriber: thing` for every use of `table`. */
  usesOf(table: string): string[] {
    return this.#subscribers.flatMap((s) => (s.usesOf?.(table) ?? []).map((what) => `${s.name}: ${what}`));
  }

  /**
   * Runs `fn` in one transaction with an emitter; the after-commit steps its events returned run
   * once the outermost transaction committed. Nested calls join the outer transaction; a nested
   * call that throws drops the steps it queued.
   * @returns what `fn` returned
   * @throws whatever `fn` or a subscriber threw; nothing is stored then
   */
  transact<T>(fn: (emit: TableEventEmitter) => T): T {
    const mark = this.#pending.length;
    this.#depth++;
    let result: T;
    try {
      result = this.#tx(() => fn(this.#emitter));
    } catch (err) {
      this.#pending.length = mark;
      throw err;
    } finally {
      this.#depth--;
    }
    if (this.#depth === 0) this.#runPending();
    return result;
  }

  #emit(deliver: (s: TableSubscriber) => EventResult): void {
    for (const s of this.#subscribers) {
      const step = deliver(s);
      if (typeof step === "function") this.#pending.push({ name: s.name, step });
    }
  }

  #runPending(): void {
    const steps = this.#pending;
    this.#pending = [];
    for (const { name, step } of steps) {
      try {
        step();
      } catch (err) {
        this.#onError(name, err);
      }
    }
  }
}
