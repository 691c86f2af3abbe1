/**
 * The hot path's steps, as plain functions over one key's record: validate a check, pick the
 * limits it spends, decide them all-or-nothing, and turn admitted steps into rows to write. No
 * step allocates a closure or builds a string unless it throws.
 * @module
 */
import { capacityOf, type Decision, decide, type LimitStep } from "./algorithms/index.ts";
import { rlError } from "./errors.ts";
import { checkCost, keyProblem } from "./input.ts";
import { combine, type RateLimitResult } from "./result.ts";
import type { LimitSpec, Plan } from "./schemas.ts";
import type { KeyRecord, LogWrite, RateLimitStore, StateRow } from "./store.ts";

/** A sliding-log limit whose stored entries must go (the limit is no longer a sliding log). */
export interface LogDrop {
  key: string;
  limit: string;
}

/** A validated check: its key's record, the limits it spends and its cost. */
export interface Resolved {
  key: string;
  entry: KeyRecord;
  specs: LimitSpec[];
  cost: number;
}

/** The prefix of an error message about check `at` of a batch (-1: a single check). */
export const pathOf = (at: number): string => (at < 0 ? "" : `checks[${at}].`);

/**
 * Throws INVALID_KEY unless `key` is valid; `at` names the check of a batch in the message.
 * @throws {INVALID_KEY}
 */
export function checkKeyAt(key: unknown, at: number): asserts key is string {
  const problem = keyProblem(key);
  if (problem !== undefined) throw rlError("INVALID_KEY", `${pathOf(at)}key: ${problem}`);
}

/**
 * The cost of a check (default 1).
 * @throws {INVALID_COST}
 */
export function costAt(given: unknown, at: number): number {
  if (given === undefined) return 1;
  return Number.isSafeInteger(given) && (given as number) > 0
    ? (given as number)
    : checkCost(given, `${pathOf(at)}cost`);
}

/**
 * The limits of `plan` a check spends: all, or the ones it names (a name given twice is one
 * limit). Each must hold `cost`.
 * @throws {UNKNOWN_LIMIT} {INVALID_COST}
 */
export function limitsOf(plan: Plan, names: unknown, cost: number, at: number): LimitSpec[] {
  let specs = plan.limits;
  if (names !== undefined) {
    if (!Array.isArray(names) || names.length === 0) {
      throw rlError("UNKNOWN_LIMIT", `${pathOf(at)}limits: name at least one limit of plan ${plan.name}`);
    }
    specs = [];
    for (let i = 0; i < names.length; i++) {
      const n = names[i];
      const spec = plan.limits.find((l) => l.name === n);
      if (spec === undefined) {
        throw rlError(
          "UNKNOWN_LIMIT",
          `${pathOf(at)}limits[${i}]: plan ${plan.name} has no limit ${JSON.stringify(n)}`,
        );
      }
      // Deciding a limit twice would write its row (and a log entry) twice.
      if (!specs.includes(spec)) specs.push(spec);
    }
  }
  for (const spec of specs) {
    const cap = capacityOf(spec);
    if (cap > 0 && cost > cap) {
      throw rlError("INVALID_COST", `${pathOf(at)}cost: ${cost} exceeds the capacity ${cap} of limit ${spec.name}`);
    }
  }
  return specs;
}

/** Decides every limit of a resolved check; on rejection, admitting limits report unconsumed values. */
export function decideAll(r: Resolved, now: number): { steps: LimitStep[]; result: RateLimitResult } {
  const { specs, entry, cost } = r;
  const steps: LimitStep[] = [];
  let decisions: Decision[] = [];
  let admitted = true;
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i] as LimitSpec;
    const step = decide(spec, entry.states.get(spec.name), now, cost);
    steps.push(step);
    decisions.push(step.decision);
    if (!step.decision.success) admitted = false;
  }
  if (!admitted) {
    // Nothing is consumed, so a limit that would have admitted reports what it has now.
    decisions = decisions.map((d, i) => {
      if (!d.success) return d;
      const spec = specs[i] as LimitSpec;
      return { ...decide(spec, entry.states.get(spec.name), now, 0).decision, success: true };
    });
  }
  return { steps, result: combine(specs, decisions) };
}

/** The result a cost-1 check would get now: current values, and whether it would pass. */
export function peekAll(r: Resolved, now: number): RateLimitResult {
  const decisions: Decision[] = r.specs.map((spec) => {
    const state = r.entry.states.get(spec.name);
    const current = decide(spec, state, now, 0).decision;
    const next = decide(spec, state, now, 1).decision;
    return { ...current, success: next.success, retryAfter: next.retryAfter };
  });
  return combine(r.specs, decisions);
}

/** Turns admitted steps into rows to write (and applies nothing yet). */
export function collectWrites(
  r: Resolved,
  steps: LimitStep[],
  rows: StateRow[],
  logs: LogWrite[],
  dropLogs: LogDrop[],
): void {
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as LimitStep;
    const spec = r.specs[i] as LimitSpec;
    if (step.next === undefined) continue;
    const prev = r.entry.states.get(spec.name);
    rows.push({ key: r.key, limit: spec.name, state: step.next, idleAt: step.decision.reset });
    if (step.logExpiredBefore !== undefined) {
      const oldest = prev?.algo === "slidingLog" ? prev.log?.[0] : undefined;
      logs.push({
        key: r.key,
        limit: spec.name,
        append: step.next.log?.[step.next.log.length - 1] ?? { ts: step.next.at, cost: r.cost },
        expiredUpTo: step.logExpiredBefore,
        hasExpired: oldest !== undefined && oldest.ts <= step.logExpiredBefore,
      });
    } else if (prev?.algo === "slidingLog") {
      dropLogs.push({ key: r.key, limit: spec.name });
    }
  }
}

/** Writes collected rows (call inside one transaction when there is more than one statement). */
export function writeAll(store: RateLimitStore, rows: StateRow[], logs: LogWrite[], dropLogs: LogDrop[]): void {
  // A limit that stopped being a sliding log leaves no entries behind to revive later.
  for (const d of dropLogs) store.deleteLog(d.key, d.limit);
  store.writeStates(rows);
  store.writeLogs(logs);
}
