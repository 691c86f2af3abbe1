/**
 * Groups rows by (bucket, dimensions) in memory and keeps one state per state column for each
 * group: what the write-path hook, the backfill, a rebuild, a fold and a query merge all use.
 * Values are as stored (timestamps epoch ms, booleans 0/1).
 * @module
 */
import type { SqlValue } from "@durable/core";
import { HyperLogLog, KllSketch } from "@durable/cost-estimator";
import type { Layout, StateColumn } from "./layout.ts";
import { addExact, type Exact, neumaier } from "./states/additive.ts";
import { StateReader, StateWriter } from "./states/bytes.ts";
import { compareStored } from "./states/sketches.ts";

/** One state column's value in memory. */
export type StateCell = Exact | string | null | HyperLogLog | KllSketch;

/** One group: its bucket, dimension values, partition and states (layout order). */
export interface Group {
  bucket: number;
  dims: SqlValue[];
  partition: number;
  states: StateCell[];
  /** Whether a delete or the before side of an update reached it. */
  negative: boolean;
}

/** The empty state of a column. */
export function emptyCell(s: StateColumn): StateCell {
  switch (s.kind) {
    case "min":
    case "max":
      return null;
    case "hll":
      return new HyperLogLog(s.param ?? 12);
    case "kll":
      return new KllSketch(s.param ?? 200);
    default:
      return 0;
  }
}

/** A key of (bucket, dimension values) that never collides. */
export function groupKey(bucket: number, dims: readonly SqlValue[]): string {
  let key = String(bucket);
  for (const v of dims) key += v === null ? "|~" : typeof v === "number" ? `|${v}` : `|${JSON.stringify(v)}`;
  return key;
}

function num(v: SqlValue): number {
  return typeof v === "number" ? v : Number(v);
}

/**
 * Adds (sign 1) or removes (sign −1) one source row's values into `states`. A removal touches
 * only subtractable states; the caller marks the partition dirty when others are present.
 * @param values the row's value per state column (undefined for `rows`)
 */
export function addValues(layout: Layout, states: StateCell[], values: readonly SqlValue[], sign: 1 | -1): void {
  const cols = layout.states;
  for (let i = 0; i < cols.length; i++) {
    const s = cols[i] as StateColumn;
    const v = values[i] ?? null;
    switch (s.kind) {
      case "rows":
        states[i] = (states[i] as number) + sign;
        break;
      case "count":
        if (v !== null) states[i] = (states[i] as number) + sign;
        break;
      case "isum":
        if (v !== null) states[i] = addExact(states[i] as Exact, sign * num(v));
        break;
      case "isq":
        if (v !== null) {
          const x = num(v);
          const sq = x * x;
          states[i] = addExact(
            states[i] as Exact,
            Number.isSafeInteger(sq) ? sign * sq : BigInt(sign) * BigInt(x) ** 2n,
          );
        }
        break;
      case "fsum":
      case "fsq":
        if (v !== null) {
          const x = s.kind === "fsum" ? sign * num(v) : sign * num(v) * num(v);
          const [t, c] = neumaier(states[i] as number, states[i + 1] as number, x);
          states[i] = t;
          states[i + 1] = c;
        }
        break;
      case "fsumc":
      case "fsqc":
        break;
      case "min":
      case "max":
        if (v !== null && sign > 0) {
          const cur = states[i] as number | string | null;
          const x = v as number | string;
          if (cur === null || (s.kind === "min" ? compareStored(x, cur) < 0 : compareStored(x, cur) > 0)) states[i] = x;
        }
        break;
      case "hll":
        if (v !== null && sign > 0) (states[i] as HyperLogLog).add(v);
        break;
      case "kll":
        if (v !== null && sign > 0) (states[i] as KllSketch).update(v as number);
        break;
    }
  }
}

/** Merges the states `b` into `a` (both in layout order, sketches decoded). */
export function mergeStates(layout: Layout, a: StateCell[], b: readonly StateCell[]): void {
  const cols = layout.states;
  for (let i = 0; i < cols.length; i++) {
    const s = cols[i] as StateColumn;
    const y = b[i] ?? null;
    switch (s.kind) {
      case "rows":
      case "count":
      case "isum":
      case "isq":
        a[i] = addExact(a[i] as Exact, (y ?? 0) as Exact);
        break;
      case "fsum":
      case "fsq": {
        const [t, c] = neumaier(a[i] as number, (a[i + 1] as number) + ((b[i + 1] as number) ?? 0), (y ?? 0) as number);
        a[i] = t;
        a[i + 1] = c;
        break;
      }
      case "fsumc":
      case "fsqc":
        break;
      case "min":
      case "max": {
        const cur = a[i] as number | string | null;
        if (
          y !== null &&
          (cur === null ||
            (s.kind === "min"
              ? compareStored(y as number | string, cur) < 0
              : compareStored(y as number | string, cur) > 0))
        )
          a[i] = y as number | string;
        break;
      }
      case "hll":
        if (y !== null) a[i] = (a[i] as HyperLogLog).merge(y as HyperLogLog);
        break;
      case "kll":
        if (y !== null) (a[i] as KllSketch).merge(y as KllSketch);
        break;
    }
  }
}

/** Groups of one batch of rows, keyed by (bucket, dimensions). */
export class GroupAccumulator {
  readonly groups = new Map<string, Group>();

  constructor(readonly layout: Layout) {}

  /** The group of (bucket, dims), created empty. */
  group(bucket: number, dims: SqlValue[], partition: number): Group {
    const key = groupKey(bucket, dims);
    let g = this.groups.get(key);
    if (!g) {
      g = { bucket, dims, partition, states: this.layout.states.map(emptyCell), negative: false };
      this.groups.set(key, g);
    }
    return g;
  }
}

/** Encodes the states of a group (a delta row's blob). */
export function encodeStates(layout: Layout, states: readonly StateCell[]): Uint8Array {
  const w = new StateWriter(0x40);
  layout.states.forEach((s, i) => {
    const v = states[i] ?? null;
    if (s.kind === "hll" || s.kind === "kll") w.bytes((v as HyperLogLog | KllSketch).toBytes());
    else w.value(v as Exact | string | null);
  });
  return w.finish();
}

/** Decodes {@link encodeStates}. @throws {STATE_CORRUPT} */
export function decodeStates(layout: Layout, bytes: Uint8Array | ArrayBuffer): StateCell[] {
  const r = new StateReader(bytes, 0x40);
  const out = layout.states.map((s): StateCell => {
    if (s.kind === "hll") return HyperLogLog.fromBytes(r.bytes().slice());
    if (s.kind === "kll") return KllSketch.fromBytes(r.bytes().slice());
    return r.value();
  });
  r.end();
  return out;
}

/** A stored cell as a state: sketches decoded, NULL sums as 0. @throws on a sketch that does not decode */
export function cellFromStored(s: StateColumn, v: SqlValue | Uint8Array | bigint | undefined): StateCell {
  if (s.kind === "hll")
    return v === null || v === undefined ? new HyperLogLog(s.param ?? 12) : HyperLogLog.fromBytes(toU8(v));
  if (s.kind === "kll")
    return v === null || v === undefined ? new KllSketch(s.param ?? 200) : KllSketch.fromBytes(toU8(v));
  if (s.kind === "min" || s.kind === "max") return v === undefined ? null : (v as number | string | null);
  if (v === null || v === undefined) return 0;
  if (typeof v === "string") {
    // Integer sums arrive as text (exact past 2^53); short ones fit a double exactly.
    if (v.length < 16) return Number(v);
    return /^-?\d+$/.test(v) ? addExact(0, BigInt(v)) : Number(v);
  }
  return v as Exact;
}

function toU8(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v.slice();
  if (v instanceof ArrayBuffer) return new Uint8Array(v.slice(0));
  throw new Error("a sketch cell is not bytes");
}

/** A state as a SQL binding (sketches encoded). */
export function cellToBinding(s: StateColumn, v: StateCell): number | string | bigint | Uint8Array | null {
  if (s.kind === "hll" || s.kind === "kll") return (v as HyperLogLog | KllSketch).toBytes();
  return v as number | string | bigint | null;
}
