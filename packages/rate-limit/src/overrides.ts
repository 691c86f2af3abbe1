/**
 * Which plan applies to a key: its override (another plan or inline limits, possibly expired)
 * or the default plan; and the validation of a new override.
 * @module
 */
import { parseOrThrow } from "@durable/core";
import { rlError } from "./errors.ts";
import type { PlanRegistry } from "./plans.ts";
import { type Override, OverrideSchema, type Plan } from "./schemas.ts";
import type { KeyRecord, StoredOverride } from "./store.ts";
import { INLINE_PLAN_NAME, type OverrideOptions } from "./types.ts";

/** A key's override as callers see it: the override and when it stops applying. */
export type OverrideView = Override & { expiresAt: number | null };

/** The key's override if it applies at `now` (an expired one is ignored until the sweep deletes it). */
export function activeOverride(record: KeyRecord, now: number): Override | null {
  const o = record.override;
  if (o === null || (o.expiresAt !== null && o.expiresAt <= now)) return null;
  return o.override;
}

/**
 * The plan that applies to a key at `now`: its override's (an inline one is named
 * {@link INLINE_PLAN_NAME}), or the default plan. An override naming a plan that no longer
 * exists falls back to the default.
 */
export function planOf(record: KeyRecord, now: number, plans: PlanRegistry, defaultPlan: string): Plan {
  const o = activeOverride(record, now);
  if (o !== null) {
    if ("limits" in o) return { name: INLINE_PLAN_NAME, limits: o.limits };
    const p = plans.get(o.plan);
    if (p !== undefined) return p;
  }
  return plans.get(defaultPlan) as Plan;
}

/**
 * Validates an override before it is stored.
 * @throws {CONFIG_INVALID} a malformed override, or an expiry not in the future
 * @throws {UNKNOWN_PLAN} an override naming a plan the limiter does not have
 */
export function parseOverride(
  plans: PlanRegistry,
  override: unknown,
  options: OverrideOptions,
  now: number,
): StoredOverride {
  const o = parseOrThrow(OverrideSchema, override, "CONFIG_INVALID");
  if ("plan" in o && plans.get(o.plan) === undefined) {
    throw rlError("UNKNOWN_PLAN", `plan: no plan named ${JSON.stringify(o.plan)}`);
  }
  const expiresAt = options.expiresAt ?? null;
  if (expiresAt !== null && (!Number.isSafeInteger(expiresAt) || expiresAt <= now)) {
    throw rlError("CONFIG_INVALID", "expiresAt: must be an integer epoch ms in the future");
  }
  return { override: o, expiresAt };
}
