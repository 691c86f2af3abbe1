/**
 * Slot math of the three kinds. The next slot always derives from a stored slot, never from
 * the clock, so a late, early or repeated alarm cannot shift a schedule.
 * @module
 */
import { compileCron, cronNext } from "./cron.ts";

/** The stored timing of a schedule. */
export type WhenSpec =
  | { kind: "cron"; cron: string; timezone: string }
  | { kind: "once"; at: number }
  | { kind: "interval"; everyMs: number; startAt: number };

/** Slots counted one by one before a cron recovery jumps ahead (bounded CPU). */
export const CRON_COUNT_CAP = 20_000;

/**
 * The first slot strictly after `afterMs`, or null when the schedule has no more.
 * @param spec the timing
 * @param afterMs epoch ms
 */
export function nextSlot(spec: WhenSpec, afterMs: number): number | null {
  switch (spec.kind) {
    case "once":
      return spec.at > afterMs ? spec.at : null;
    case "interval": {
      if (afterMs < spec.startAt) return spec.startAt;
      const k = Math.floor((afterMs - spec.startAt) / spec.everyMs) + 1;
      return spec.startAt + k * spec.everyMs;
    }
    case "cron":
      return cronNext(compileCron(spec.cron, spec.timezone), afterMs);
  }
}

/** The first slot at or after `atMs`. */
export function slotAtOrAfter(spec: WhenSpec, atMs: number): number | null {
  return nextSlot(spec, atMs - 1);
}

/** Slots of `[from, before)` seen one by one: how many, the first and last, and what follows. */
export interface SlotSpan {
  count: number;
  /** True when a cron span was too long to count and `count` is a lower bound. */
  capped: boolean;
  first: number | null;
  last: number | null;
  /** The first slot at or after `before` (null: none). */
  next: number | null;
}

/**
 * Walks the slots from `from` (itself a slot) up to, not including, `before`.
 * @param spec the timing
 * @param from a slot
 * @param before the end (exclusive)
 */
export function spanBefore(spec: WhenSpec, from: number, before: number): SlotSpan {
  if (from >= before) return { count: 0, capped: false, first: null, last: null, next: from };
  if (spec.kind === "interval") {
    const count = Math.ceil((before - from) / spec.everyMs);
    return {
      count,
      capped: false,
      first: from,
      last: from + (count - 1) * spec.everyMs,
      next: from + count * spec.everyMs,
    };
  }
  if (spec.kind === "once") return { count: 1, capped: false, first: from, last: from, next: null };
  let count = 0;
  let last = from;
  let slot: number | null = from;
  while (slot !== null && slot < before) {
    count++;
    last = slot;
    if (count >= CRON_COUNT_CAP) {
      return { count, capped: true, first: from, last, next: slotAtOrAfter(spec, before) };
    }
    slot = nextSlot(spec, slot);
  }
  return { count, capped: false, first: from, last, next: slot };
}

/**
 * The slots of `[from, to]`, oldest first, at most `max` (the newest are kept).
 *
 * A cron searches backwards from `to` with spans that double from one minute, so a dense
 * expression (a 1-second cron over a 7-day window: 604,800 slots) costs O(max · log) slot
 * computations, not one per slot of the range. Slots before the span are counted (up to
 * {@link CRON_COUNT_CAP}, then `capped`).
 * @param from a slot
 * @returns the slots, how many older ones were dropped (a lower bound when `capped`), and the
 *   first slot after `to`
 */
export function slotsThrough(
  spec: WhenSpec,
  from: number,
  to: number,
  max: number,
): { slots: number[]; dropped: number; capped: boolean; next: number | null } {
  if (spec.kind === "interval" && from <= to) {
    const total = Math.floor((to - from) / spec.everyMs) + 1;
    const dropped = Math.max(0, total - max);
    const slots: number[] = [];
    for (let k = dropped; k < total; k++) slots.push(from + k * spec.everyMs);
    return { slots, dropped, capped: false, next: from + total * spec.everyMs };
  }
  if (from > to) return { slots: [], dropped: 0, capped: false, next: from };
  if (spec.kind === "once") return { slots: [from], dropped: 0, capped: false, next: null };
  for (let span = 60_000; ; span *= 2) {
    const start = Math.max(from, to - span);
    const first = start === from ? from : slotAtOrAfter(spec, start);
    const slots: number[] = [];
    let extra = 0;
    let slot = first;
    while (slot !== null && slot <= to) {
      slots.push(slot);
      slot = nextSlot(spec, slot);
    }
    if (slots.length > max) {
      extra = slots.length - max;
      slots.splice(0, extra);
    }
    if (slots.length < max && start > from) continue;
    const before = first === null || start === from ? null : spanBefore(spec, from, first);
    return {
      slots,
      dropped: extra + (before?.count ?? 0),
      capped: before?.capped ?? false,
      next: slot,
    };
  }
}
