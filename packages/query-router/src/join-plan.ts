/**
 * How to join two tables that live in different DOs (one equi-join, `inner` or `left`):
 * broadcast the smaller side when its estimate is < 10,000 rows and < 1 MB; else a semi-join
 * (send the distinct key set when < 10,000 keys and < 1 MB; targets return only matching rows);
 * else a hash join by partition: both sides split by a hash of the key into
 * P = ⌈build bytes / 1 MB⌉ partitions (1–64), joined one at a time. Never broadcast on a
 * heuristic-only estimate; a `left` join broadcasts only its right side. A build side estimated
 * over 64 MB is refused before any call.
 * @module
 */
import { qrError } from "./errors.ts";

/** The join thresholds (Trino/Spark-style broadcast limits, BJ of the research notes). */
export const JOIN_LIMITS = {
  broadcastRows: 10_000,
  broadcastBytes: 1024 * 1024,
  semiKeys: 10_000,
  semiBytes: 1024 * 1024,
  partitionBytes: 1024 * 1024,
  maxPartitions: 64,
  maxBuildBytes: 64 * 1024 * 1024,
} as const;

/** A join of a routed query with one more table. */
export interface JoinSpec {
  type: "inner" | "left";
  /** The right table (catalog name, local or sharded). */
  table: string;
  /** `[left column, right column]`. */
  on: [left: string, right: string];
}

/** What the planner knows of one side. */
export interface SideEstimate {
  rows: number;
  /** Serialized bytes of the rows the join needs. */
  bytes: number;
  /** Distinct join keys (defaults to rows). */
  keys?: number;
  /** Serialized bytes of the distinct key set (defaults to keys × 16). */
  keyBytes?: number;
  /** Only heuristics behind it (no statistics, or a shard did not answer). */
  heuristic: boolean;
}

/** The chosen strategy. */
export type JoinPlan =
  | { strategy: "broadcast"; side: "left" | "right"; reason: string }
  | { strategy: "semi"; keysFrom: "left" | "right"; reason: string }
  | { strategy: "hash"; partitions: number; build: "left" | "right"; reason: string };

function small(s: SideEstimate): boolean {
  return !s.heuristic && s.rows < JOIN_LIMITS.broadcastRows && s.bytes < JOIN_LIMITS.broadcastBytes;
}

/**
 * Picks the strategy of a join from the two sides' estimates.
 * @throws {UNSUPPORTED_JOIN} 400 for a type other than inner/left · {JOIN_TOO_LARGE} 413 when the
 *   hash join's build side is estimated over 64 MB
 * @example planJoin("inner", { rows: 9_999, bytes: 500_000, heuristic: false }, big) // broadcast left
 */
export function planJoin(type: string, left: SideEstimate, right: SideEstimate): JoinPlan {
  if (type !== "inner" && type !== "left") {
    throw qrError("UNSUPPORTED_JOIN", `join.type: inner or left, got ${String(type)}`);
  }
  // Broadcast: the smaller side (inner), only the right side (left: its unmatched left rows stay).
  const sides: ("left" | "right")[] =
    type === "left" ? ["right"] : left.rows <= right.rows ? ["left", "right"] : ["right", "left"];
  for (const side of sides) {
    const s = side === "left" ? left : right;
    if (small(s)) {
      return { strategy: "broadcast", side, reason: `${side}: ${s.rows} rows, ${s.bytes} bytes estimated` };
    }
  }
  // Semi-join: the key set of one side filters the other (a left join filters its right side).
  const keySides: ("left" | "right")[] =
    type === "left"
      ? ["left"]
      : (left.keys ?? left.rows) <= (right.keys ?? right.rows)
        ? ["left", "right"]
        : ["right", "left"];
  for (const side of keySides) {
    const s = side === "left" ? left : right;
    const keys = s.keys ?? s.rows;
    const keyBytes = s.keyBytes ?? keys * 16;
    if (!s.heuristic && keys < JOIN_LIMITS.semiKeys && keyBytes < JOIN_LIMITS.semiBytes) {
      return { strategy: "semi", keysFrom: side, reason: `${side}: ${keys} distinct keys, ${keyBytes} bytes` };
    }
  }
  const build: "left" | "right" = type === "left" ? "right" : left.bytes <= right.bytes ? "left" : "right";
  const bytes = build === "left" ? left.bytes : right.bytes;
  if (bytes > JOIN_LIMITS.maxBuildBytes) {
    throw qrError(
      "JOIN_TOO_LARGE",
      `the join's build side (${build}) is estimated at ${bytes} bytes; at most ${JOIN_LIMITS.maxBuildBytes}`,
    );
  }
  const partitions = Math.min(JOIN_LIMITS.maxPartitions, Math.max(1, Math.ceil(bytes / JOIN_LIMITS.partitionBytes)));
  return { strategy: "hash", partitions, build, reason: `build ${build}: ${bytes} bytes in ${partitions} partitions` };
}
