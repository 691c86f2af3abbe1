/**
 * Groups rows in memory into mergeable states (the join path and any target that aggregates
 * rows it holds): key = dimensions plus the time bucket, one state per measure.
 * @module
 */
import { type AnalyticsQuery, bucketStart, type StateOps } from "@durable/pre-agg";
import { qrError } from "./errors.ts";
import { type KeyValue, opsOf, type PartialAnswer } from "./partial-states.ts";

/** Reads a named value of a row (`col` or `table.col`). */
export type ValueOf<R> = (row: R, name: string) => unknown;

/** Groups of one query's rows. */
export class GroupAggregator<R> {
  readonly #q: AnalyticsQuery;
  readonly #get: ValueOf<R>;
  readonly #ops: StateOps<unknown>[];
  readonly #integer: boolean[];
  readonly #maxGroups: number;
  readonly #groups = new Map<string, { key: KeyValue[]; states: unknown[] }>();

  constructor(q: AnalyticsQuery, get: ValueOf<R>, integer: boolean[], maxGroups: number) {
    this.#q = q;
    this.#get = get;
    this.#integer = integer;
    this.#ops = q.measures.map((m, i) => opsOf(m, integer[i] === true));
    this.#maxGroups = maxGroups;
  }

  /** Adds one row. */
  add(row: R): void {
    const q = this.#q;
    const key: KeyValue[] = (q.dimensions ?? []).map((d) => toKey(this.#get(row, d)));
    const td = q.timeDimension;
    if (td?.grain) key.push(bucketStart(Number(this.#get(row, td.column)), td.grain, td.timeZone ?? "UTC"));
    const k = JSON.stringify(key);
    let g = this.#groups.get(k);
    if (!g) {
      if (this.#groups.size >= this.#maxGroups) {
        throw qrError("GROUP_LIMIT_EXCEEDED", `more than ${this.#maxGroups} groups; narrow the query or add a filter`);
      }
      g = { key, states: this.#ops.map((op) => op.init()) };
      this.#groups.set(k, g);
    }
    q.measures.forEach((m, i) => {
      const raw = m.column === undefined ? 1 : this.#get(row, m.column);
      const v = typeof raw === "boolean" ? (raw ? 1 : 0) : raw === undefined ? null : (raw as number | string | null);
      g.states[i] = (this.#ops[i] as StateOps<unknown>).add(g.states[i], v);
    });
  }

  /** The groups as a partial answer (states as bytes). */
  partial(rowsRead: number): PartialAnswer {
    return {
      groups: [...this.#groups.values()].map((g) => ({
        key: g.key,
        states: g.states.map((s, i) => (this.#ops[i] as StateOps<unknown>).toBytes(s)),
      })),
      integer: this.#integer,
      rowsRead,
    };
  }
}

function toKey(v: unknown): KeyValue {
  if (v === undefined || v === null) return null;
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  return null;
}
