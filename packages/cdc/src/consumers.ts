/**
 * Consumers (`cdc_consumers`) and their committed offsets (`cdc_offsets`). An offset is the
 * last LSN the consumer is done with: events up to it were delivered, filtered out or
 * dead-lettered. `sent_through` is the end of the last range a push sink acknowledged, so
 * that the next batch tells an inbox which LSNs it covers (filtered-out ones included).
 * @module
 */
import { type Clock, parseOrThrow, type Sql } from "@durable/core";
import type { Tables } from "@durable/tables";
import { cdcError } from "./errors.ts";
import { type CompiledFilter, compileFilter, filterTables, validateFilter } from "./filter.ts";
import { type ConsumerDef, ConsumerDefSchema, type FilterInput, type Sink } from "./schemas.ts";

/** A consumer as the API returns it. */
export interface ConsumerInfo {
  name: string;
  sink: Sink;
  filter: FilterInput;
  deadLetter: "dlq" | "block";
  /** The committed offset: the last LSN this consumer is done with. */
  offset: number;
  createdAt: number;
}

/** A consumer with its runtime state, for the drain. */
export interface ConsumerState extends ConsumerInfo {
  sentThrough: number;
  attempts: number;
  firstFailureAt: number | null;
  nextRetryAt: number | null;
  deliveredTotal: number;
  retriesTotal: number;
  lastDeliveredAt: number | null;
  lastError: string | null;
}

interface Row extends Record<string, string | number | null> {
  name: string;
  sink: string;
  filter: string;
  dead_letter: string;
  created_at: number;
  delivered_total: number;
  retries_total: number;
  last_delivered_at: number | null;
  last_error: string | null;
  attempts: number;
  first_failure_at: number | null;
  next_retry_at: number | null;
  lsn: number;
  sent_through: number;
}

const SELECT = "SELECT c.*, o.lsn, o.sent_through FROM cdc_consumers c JOIN cdc_offsets o ON o.consumer = c.name";

function toState(r: Row): ConsumerState {
  return {
    name: r.name,
    sink: JSON.parse(r.sink) as Sink,
    filter: JSON.parse(r.filter) as FilterInput,
    deadLetter: r.dead_letter as "dlq" | "block",
    offset: r.lsn,
    createdAt: r.created_at,
    sentThrough: r.sent_through,
    attempts: r.attempts,
    firstFailureAt: r.first_failure_at,
    nextRetryAt: r.next_retry_at,
    deliveredTotal: r.delivered_total,
    retriesTotal: r.retries_total,
    lastDeliveredAt: r.last_delivered_at,
    lastError: r.last_error,
  };
}

/** The public part of a consumer. */
export function consumerInfo(s: ConsumerState): ConsumerInfo {
  return {
    name: s.name,
    sink: s.sink,
    filter: s.filter,
    deadLetter: s.deadLetter,
    offset: s.offset,
    createdAt: s.createdAt,
  };
}

/** Checks that a sink's binding exists. */
export type BindingCheck = (sink: Sink) => boolean;

/** The consumer registry. */
export class Consumers {
  readonly #sql: Sql;
  readonly #clock: Clock;
  readonly #tables: Tables;
  readonly #filters = new Map<string, { text: string; compiled: CompiledFilter }>();

  constructor(sql: Sql, clock: Clock, tables: Tables) {
    this.#sql = sql;
    this.#clock = clock;
    this.#tables = tables;
  }

  /**
   * Validates and stores a consumer.
   * @param startOffset turns `startAt` into the initial offset (throws LSN_PURGED)
   * @throws {INVALID_CONSUMER} · {INVALID_FILTER} · {INVALID_PREDICATE} · {UNKNOWN_BINDING} · {CONSUMER_EXISTS} 409
   */
  create(
    input: unknown,
    bindingExists: BindingCheck,
    startOffset: (startAt: ConsumerDef["startAt"]) => number,
  ): ConsumerState {
    const def = parseOrThrow(ConsumerDefSchema, input, "INVALID_CONSUMER");
    const filter = def.filter ?? {};
    validateFilter(filter, this.#tables);
    if (!bindingExists(def.sink)) {
      const binding = "binding" in def.sink ? def.sink.binding : "";
      throw cdcError(
        "UNKNOWN_BINDING",
        `sink.binding: no ${def.sink.type} binding ${binding} in this DO's environment`,
      );
    }
    if (this.find(def.name)) throw cdcError("CONSUMER_EXISTS", `consumer ${def.name} exists already`, 409);
    const offset = startOffset(def.startAt ?? "earliest");
    const now = this.#clock.now();
    this.#sql.exec(
      "INSERT INTO cdc_consumers (name, sink, filter, dead_letter, created_at) VALUES (?, ?, ?, ?, ?)",
      def.name,
      JSON.stringify(def.sink),
      JSON.stringify(filter),
      def.deadLetter ?? "dlq",
      now,
    );
    this.#sql.exec(
      "INSERT INTO cdc_offsets (consumer, lsn, sent_through, updated_at) VALUES (?, ?, ?, ?)",
      def.name,
      offset,
      offset,
      now,
    );
    return this.get(def.name);
  }

  /** Every consumer. */
  list(): ConsumerState[] {
    return this.#sql.exec<Row>(`${SELECT} ORDER BY c.name`).toArray().map(toState);
  }

  /** A consumer, or undefined. */
  find(name: string): ConsumerState | undefined {
    const row = this.#sql.exec<Row>(`${SELECT} WHERE c.name = ?`, name).toArray()[0];
    return row ? toState(row) : undefined;
  }

  /** A consumer. @throws {CONSUMER_NOT_FOUND} 404 */
  get(name: string): ConsumerState {
    const c = this.find(name);
    if (!c) throw cdcError("CONSUMER_NOT_FOUND", `consumer ${name} does not exist`, 404);
    return c;
  }

  /** Deletes a consumer, its offset and its DLQ. @throws {CONSUMER_NOT_FOUND} 404 */
  delete(name: string): void {
    this.get(name);
    this.#sql.exec("DELETE FROM cdc_consumers WHERE name = ?", name);
    this.#sql.exec("DELETE FROM cdc_offsets WHERE consumer = ?", name);
    this.#sql.exec("DELETE FROM cdc_dlq WHERE consumer = ?", name);
    this.#filters.delete(name);
  }

  /** The compiled filter of a consumer (cached by its text). */
  filterOf(c: ConsumerState): CompiledFilter {
    const text = JSON.stringify(c.filter);
    const hit = this.#filters.get(c.name);
    if (hit && hit.text === text) return hit.compiled;
    const compiled = compileFilter(c.filter, this.#tables);
    this.#filters.set(c.name, { text, compiled });
    return compiled;
  }

  /** Consumers whose filter names `table` (for the drop veto). */
  usesOf(table: string): string[] {
    return this.list()
      .filter((c) => filterTables(c.filter).includes(table))
      .map((c) => `consumer ${c.name}`);
  }

  /** Saves an offset (and, for push sinks, the acknowledged range end). */
  setOffset(name: string, lsn: number, sentThrough?: number): void {
    this.#sql.exec(
      "UPDATE cdc_offsets SET lsn = ?, sent_through = coalesce(?, sent_through), updated_at = ? WHERE consumer = ?",
      lsn,
      sentThrough ?? null,
      this.#clock.now(),
      name,
    );
  }

  /** The smallest committed offset, or null without consumers. */
  minOffset(): number | null {
    return this.#sql.exec<{ m: number | null }>("SELECT min(lsn) AS m FROM cdc_offsets").one().m;
  }

  /** Records a successful delivery. */
  delivered(name: string, events: number): void {
    this.#sql.exec(
      `UPDATE cdc_consumers SET delivered_total = delivered_total + ?, last_delivered_at = ?, attempts = 0,
       first_failure_at = NULL, next_retry_at = NULL, last_error = NULL WHERE name = ?`,
      events,
      this.#clock.now(),
      name,
    );
  }

  /** Records a failed push and when to retry (null: the batch is dead-lettered now). */
  failed(name: string, error: string, nextRetryAt: number | null): void {
    const now = this.#clock.now();
    this.#sql.exec(
      `UPDATE cdc_consumers SET attempts = CASE WHEN ? IS NULL THEN 0 ELSE attempts + 1 END, retries_total = retries_total + 1,
       first_failure_at = CASE WHEN ? IS NULL THEN NULL ELSE coalesce(first_failure_at, ?) END, next_retry_at = ?, last_error = ? WHERE name = ?`,
      nextRetryAt,
      nextRetryAt,
      now,
      nextRetryAt,
      error.slice(0, 500),
      name,
    );
  }
}
