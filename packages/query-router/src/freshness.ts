/**
 * Staleness budgets: the five freshness levels, the routing options at the boundary, and how a
 * request's budget is resolved (its own level or `maxStalenessMs`, else the tenant's default
 * level, else `dashboard`). Budget 0 means realtime: no cache, no rollup.
 * @module
 */
import { safeParse } from "@durable/core";
import * as z from "zod/mini";
import { qrError } from "./errors.ts";

/** How old an answer may be, by name. */
export type Freshness = "realtime" | "fresh" | "dashboard" | "daily" | "archive";

/** The budget of each level, in ms. */
export const FRESHNESS_BUDGET_MS: Readonly<Record<Freshness, number>> = {
  realtime: 0,
  fresh: 30_000,
  dashboard: 300_000,
  daily: 86_400_000,
  archive: 604_800_000,
};

/** The levels, in budget order. */
export const FRESHNESS_LEVELS = Object.keys(FRESHNESS_BUDGET_MS) as Freshness[];

/** The largest budget (7 days). */
export const MAX_STALENESS_MS = FRESHNESS_BUDGET_MS.archive;

/** The level a tenant starts with. */
export const DEFAULT_FRESHNESS: Freshness = "dashboard";

/** What a caller says about one request's routing. */
export interface RoutingOptions {
  freshness?: Freshness;
  maxStalenessMs?: number;
  /** Fan-out answers may miss failed targets (`meta.partial`); default false. */
  allowPartial?: boolean;
  /** Keep the answer in the result cache; default true. */
  cacheResult?: boolean;
  /** Overall fan-out deadline, ms (default 10 s, at most 30 s). */
  deadlineMs?: number;
  /** Attach the plan to the answer. */
  explain?: boolean;
}

/** zod schema of {@link RoutingOptions}; the budget rules are checked by {@link parseRouting}. */
export const RoutingOptionsSchema = z.strictObject({
  freshness: z.optional(z.unknown()),
  maxStalenessMs: z.optional(z.unknown()),
  allowPartial: z.optional(z.boolean()),
  cacheResult: z.optional(z.boolean()),
  deadlineMs: z.optional(z.int().check(z.gte(1), z.lte(30_000))),
  explain: z.optional(z.boolean()),
});

/** True for a level name. */
export function isFreshness(value: unknown): value is Freshness {
  return typeof value === "string" && Object.hasOwn(FRESHNESS_BUDGET_MS, value);
}

/**
 * Checks a level name.
 * @throws {UNKNOWN_FRESHNESS} 400
 */
export function parseFreshness(value: unknown, path = "routing.freshness"): Freshness {
  if (!isFreshness(value)) {
    throw qrError("UNKNOWN_FRESHNESS", `${path}: expected one of ${FRESHNESS_LEVELS.join(", ")}`);
  }
  return value;
}

/**
 * Validates routing options (everything but the budget shape goes through zod).
 * @throws {UNKNOWN_FRESHNESS} · {INVALID_STALENESS} · {CONFLICTING_STALENESS} · {INVALID_QUERY}
 */
export function parseRouting(input: unknown): RoutingOptions {
  if (input === undefined || input === null) return {};
  const parsed = safeParse(RoutingOptionsSchema, input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw qrError("INVALID_QUERY", `routing.${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
  }
  const r = parsed.data;
  const out: RoutingOptions = {};
  if (r.freshness !== undefined && r.maxStalenessMs !== undefined) {
    throw qrError("CONFLICTING_STALENESS", "routing: give freshness or maxStalenessMs, not both");
  }
  if (r.freshness !== undefined) out.freshness = parseFreshness(r.freshness);
  if (r.maxStalenessMs !== undefined) out.maxStalenessMs = parseStaleness(r.maxStalenessMs);
  if (r.allowPartial !== undefined) out.allowPartial = r.allowPartial;
  if (r.cacheResult !== undefined) out.cacheResult = r.cacheResult;
  if (r.deadlineMs !== undefined) out.deadlineMs = r.deadlineMs;
  if (r.explain !== undefined) out.explain = r.explain;
  return out;
}

/**
 * Checks `maxStalenessMs`: an integer 0–604,800,000.
 * @throws {INVALID_STALENESS} 400 for a negative, fractional, non-finite or too large value
 */
export function parseStaleness(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_STALENESS_MS) {
    throw qrError(
      "INVALID_STALENESS",
      `routing.maxStalenessMs: an integer from 0 to ${MAX_STALENESS_MS} (7 days), got ${String(value)}`,
    );
  }
  return value;
}

/** The budget of a request: its own, else the tenant's default level. */
export function budgetOf(routing: RoutingOptions, tenantDefault: Freshness): number {
  if (routing.maxStalenessMs !== undefined) return routing.maxStalenessMs;
  return FRESHNESS_BUDGET_MS[routing.freshness ?? tenantDefault];
}

/** Where an age falls in a budget (RFC 5861 bands): fresh < 50 %, revalidate ≤ 100 %, expired above. */
export type AgeBand = "fresh" | "revalidate" | "expired";

/** The band of `ageMs` in `budgetMs` (budget 0: everything is expired). */
export function bandOf(ageMs: number, budgetMs: number): AgeBand {
  if (budgetMs <= 0 || ageMs > budgetMs) return "expired";
  return ageMs < budgetMs / 2 ? "fresh" : "revalidate";
}
