/**
 * The missed-run policy as slot math: which slots of a due occurrence run now (late ones within
 * grace, caught-up or coalesced missed ones), which count as missed, and the next slot. Pure: it
 * reads no table, so `schedules.ts` applies the overlap policy and writes the result.
 * @module
 */
import type { RunSpec } from "./run-spec.ts";
import type { Policy } from "./schedule-rows.ts";
import { slotsThrough, spanBefore, type WhenSpec } from "./slots.ts";

/** Slots one recovery runs at most (older ones count as missed). */
const MAX_RUNS_PER_RECOVERY = 1_000;

/** A slot to run now. */
export interface PlannedRun {
  slot: number;
  missed?: true;
  coalesced?: RunSpec["coalesced"];
}

/** Slots that will not run: one `missed` history row. */
export interface MissedSlots {
  count: number;
  /** True when the count is a lower bound (a span too long to count). */
  capped: boolean;
  first: number | null;
  last: number | null;
}

/** What a due occurrence turns into. */
export interface SlotPlan {
  /** Oldest slot first. */
  runs: PlannedRun[];
  missed: MissedSlots | null;
  /** The next slot after `now` (null: the schedule is complete). */
  next: number | null;
}

/**
 * Plans a due occurrence under grace and the missed policy.
 * @param spec the schedule's timing
 * @param policy its policies (`graceMs`, `missed`)
 * @param slot the stored next slot, due (≤ `now`)
 * @param now the pass's time
 */
export function planSlots(spec: WhenSpec, policy: Policy, slot: number, now: number): SlotPlan {
  const runs: PlannedRun[] = [];
  let missed: MissedSlots | null = null;
  let next: number | null;
  if (spec.kind === "once") {
    runs.push({ slot });
    next = null;
  } else {
    const lateStart = now - policy.graceMs;
    const span = spanBefore(spec, slot, lateStart);
    if (span.count > 0) {
      if (policy.missed === "skip") {
        missed = span;
      } else if (policy.missed === "coalesce") {
        const c = { count: span.count, firstMissedAt: span.first ?? slot, lastMissedAt: span.last ?? slot };
        runs.push({ slot: c.lastMissedAt, coalesced: c });
      } else {
        const windowStart = Math.min(now - policy.missed.catchUp.windowMs, lateStart);
        const older = spanBefore(spec, slot, Math.max(slot, windowStart));
        const inWindow =
          older.next === null
            ? { slots: [], dropped: 0, capped: false }
            : slotsThrough(spec, older.next, lateStart - 1, MAX_RUNS_PER_RECOVERY);
        const count = older.count + inWindow.dropped;
        if (count > 0) {
          missed = { count, capped: older.capped || inWindow.capped, first: older.first ?? slot, last: null };
        }
        for (const s of inWindow.slots) runs.push({ slot: s, missed: true });
      }
    }
    if (span.next === null) {
      next = null;
    } else {
      const late = slotsThrough(spec, span.next, now, MAX_RUNS_PER_RECOVERY);
      for (const s of late.slots) runs.push({ slot: s });
      if (late.dropped > 0) {
        missed = {
          count: (missed?.count ?? 0) + late.dropped,
          capped: (missed?.capped ?? false) || late.capped,
          first: missed?.first ?? span.next,
          last: null,
        };
      }
      next = late.next;
    }
  }
  return { runs, missed, next };
}
