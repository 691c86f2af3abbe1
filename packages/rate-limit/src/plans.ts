/**
 * The plans a limiter knows: config plans (read-only, refreshed on start) and runtime plans
 * (from `upsertPlan`), mirrored in memory from `rl_plans`.
 * @module
 */
import { parseOrThrow } from "@durable/core";
import { rlError } from "./errors.ts";
import { MAX_PLANS, type Plan, PlanSchema } from "./schemas.ts";
import type { RateLimitStore, StoredPlan } from "./store.ts";

/** A plan as listed: its limits and whether it came from config (read-only). */
export interface PlanInfo extends Plan {
  readOnly: boolean;
}

/** In-memory registry of plans, written through to `rl_plans`. */
export class PlanRegistry {
  readonly #store: RateLimitStore;
  readonly #plans = new Map<string, StoredPlan>();

  constructor(store: RateLimitStore) {
    this.#store = store;
  }

  /**
   * Loads stored plans and refreshes the config plans: an identical plan writes nothing; a
   * config plan dropped from config is deleted unless an override still uses it.
   */
  load(configPlans: readonly Plan[], now: number): void {
    this.#plans.clear();
    for (const p of this.#store.listPlans()) this.#plans.set(p.name, p);
    const names = new Set(configPlans.map((p) => p.name));
    for (const p of configPlans) {
      const stored: StoredPlan = { name: p.name, limits: p.limits, source: "config" };
      this.#store.putPlan(stored, now);
      this.#plans.set(p.name, stored);
    }
    for (const p of [...this.#plans.values()]) {
      if (p.source === "config" && !names.has(p.name) && !this.#store.planInUse(p.name, now)) {
        this.#store.deletePlan(p.name);
        this.#plans.delete(p.name);
      }
    }
  }

  /** The plan of that name, if any. */
  get(name: string): StoredPlan | undefined {
    return this.#plans.get(name);
  }

  /** Every plan, by name. */
  list(): PlanInfo[] {
    return [...this.#plans.values()]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((p) => ({ name: p.name, limits: p.limits, readOnly: p.source === "config" }));
  }

  /**
   * Creates or replaces a runtime plan.
   * @throws {CONFIG_INVALID} bad plan (with the zod path)
   * @throws {PLAN_READ_ONLY} the name belongs to a config plan
   * @throws {TOO_MANY_PLANS} a 101st plan
   */
  upsert(input: unknown, now: number): Plan {
    const plan = parseOrThrow(PlanSchema, input, "CONFIG_INVALID");
    const cur = this.#plans.get(plan.name);
    if (cur?.source === "config") {
      throw rlError("PLAN_READ_ONLY", `plan ${plan.name} comes from config and cannot change at runtime`);
    }
    if (cur === undefined && this.#plans.size >= MAX_PLANS) {
      throw rlError("TOO_MANY_PLANS", `at most ${MAX_PLANS} plans per limiter`);
    }
    const stored: StoredPlan = { name: plan.name, limits: plan.limits, source: "runtime" };
    this.#store.putPlan(stored, now);
    this.#plans.set(plan.name, stored);
    return plan;
  }

  /**
   * Deletes a runtime plan.
   * @throws {PLAN_NOT_FOUND} no such plan
   * @throws {PLAN_READ_ONLY} a config plan
   * @throws {PLAN_IN_USE} an override that has not expired names it
   */
  delete(name: string, now: number): void {
    const cur = this.#plans.get(name);
    if (cur === undefined) throw rlError("PLAN_NOT_FOUND", `no plan named ${JSON.stringify(name)}`);
    if (cur.source === "config") {
      throw rlError("PLAN_READ_ONLY", `plan ${name} comes from config and cannot change at runtime`);
    }
    if (this.#store.planInUse(name, now)) {
      throw rlError("PLAN_IN_USE", `plan ${name} is used by an override; clear or change it first`);
    }
    this.#store.deletePlan(name);
    this.#plans.delete(name);
  }
}
