/**
 * The routing decision, shared by `query` and `explain` so both say the same thing: is the
 * cached entry servable (and in which band), which built rollups are within budget (cheapest
 * first), which are past it (a refresh is requested, never built inline), and what live costs.
 * Pure: it reads what it is given and runs nothing.
 * @module
 */
import type { Explanation, RollupCandidate } from "@durable/pre-agg";
import { type AgeBand, bandOf } from "./freshness.ts";
import type { Plan, PlanCandidate } from "./plan.ts";
import type { CacheEntry } from "./result-cache.ts";

/** What the decision is made from. */
export interface DecisionInput {
  fingerprint: string;
  budgetMs: number;
  now: number;
  sharded: boolean;
  /** The cached entry for this fingerprint, if any (realtime queries skip the cache, so it is never read for them). */
  entry: CacheEntry | undefined;
  /** Current version of each table the entry recorded. */
  currentVersion: (table: string) => number;
  /** The matcher's answer (undefined: not asked, e.g. realtime or sharded). */
  rollups: Explanation | undefined;
  live: { estimatedRows?: number; costUs?: number; method?: string };
}

/** The decision. */
export interface Decision {
  plan: Plan;
  /** The cached entry, when servable, and its band. */
  cache?: { entry: CacheEntry; ageMs: number; band: Exclude<AgeBand, "expired">; behind: boolean };
  /** Built rollups within budget, cheapest first. */
  usableRollups: RollupCandidate[];
  /** Matched rollups past budget: a refresh is requested. */
  tooOldRollups: string[];
}

/** Decides where a query's answer comes from. */
export function decide(d: DecisionInput): Decision {
  const candidates: PlanCandidate[] = [];
  const realtime = d.budgetMs === 0;
  let cache: Decision["cache"];
  if (realtime) {
    candidates.push({ source: "cache", verdict: "rejected", reasons: ["REALTIME_REQUIRED"] });
  } else if (!d.entry) {
    candidates.push({ source: "cache", verdict: "rejected", reasons: ["CACHE_MISS"] });
  } else {
    const ageMs = Math.max(0, d.now - d.entry.asOf);
    const band = bandOf(ageMs, d.budgetMs);
    const behind = Object.entries(d.entry.versions).some(([t, v]) => d.currentVersion(t) > v);
    if (band === "expired") {
      candidates.push({ source: "cache", verdict: "rejected", reasons: ["CACHE_TOO_OLD"], ageMs, asOf: d.entry.asOf });
    } else {
      cache = { entry: d.entry, ageMs, band, behind };
      const reasons = behind ? ["CACHE_HIT", "CACHE_VERSION_BEHIND"] : ["CACHE_HIT"];
      candidates.push({ source: "cache", verdict: "usable", reasons, ageMs, asOf: d.entry.asOf });
    }
  }
  const usableRollups: RollupCandidate[] = [];
  const tooOldRollups: string[] = [];
  if (realtime) {
    candidates.push({ source: "rollup", verdict: "rejected", reasons: ["REALTIME_REQUIRED"] });
  } else if (d.sharded) {
    candidates.push({ source: "rollup", verdict: "rejected", reasons: ["SHARDED", "NO_MATCHING_ROLLUP"] });
  } else if (!d.rollups || d.rollups.candidates.length === 0) {
    candidates.push({ source: "rollup", verdict: "rejected", reasons: ["NO_MATCHING_ROLLUP"] });
  } else {
    for (const c of d.rollups.candidates) {
      const ageMs = Math.max(0, d.now - c.asOf);
      const base = {
        source: "rollup" as const,
        name: c.rollup,
        estimatedRows: c.estimatedRows,
        costUs: c.costUs,
        asOf: c.asOf,
        ageMs,
      };
      // The matcher marks a match that lost on cost HIGHER_COST; it still answers, at its price.
      const mismatches = c.reasons.filter((r) => r !== "HIGHER_COST");
      if (mismatches.includes("NOT_BUILT")) {
        candidates.push({
          ...base,
          verdict: "rejected",
          reasons: ["ROLLUP_NOT_BUILT", ...mismatches.filter((r) => r !== "NOT_BUILT")],
        });
      } else if (!c.matched || mismatches.length > 0) {
        candidates.push({
          ...base,
          verdict: "rejected",
          reasons: mismatches.length > 0 ? mismatches : ["NO_MATCHING_ROLLUP"],
        });
      } else if (ageMs > d.budgetMs) {
        tooOldRollups.push(c.rollup);
        candidates.push({ ...base, verdict: "rejected", reasons: ["ROLLUP_TOO_OLD"] });
      } else {
        usableRollups.push(c);
        candidates.push({ ...base, verdict: "usable", reasons: c.reasons });
      }
    }
    usableRollups.sort((a, b) => a.costUs - b.costUs || a.rollup.localeCompare(b.rollup));
    if (!d.rollups.candidates.some((c) => c.matched)) {
      candidates.push({ source: "rollup", verdict: "rejected", reasons: ["NO_MATCHING_ROLLUP"] });
    }
  }
  const liveSource = d.sharded ? "fanout" : "local";
  candidates.push({
    source: liveSource,
    verdict: "usable",
    reasons: ["LIVE"],
    ...(d.live.estimatedRows !== undefined ? { estimatedRows: d.live.estimatedRows } : {}),
    ...(d.live.costUs !== undefined ? { costUs: d.live.costUs } : {}),
    ...(d.live.method !== undefined ? { method: d.live.method } : {}),
  });
  const chosen = cache ? "cache" : usableRollups.length > 0 ? "rollup" : liveSource;
  const chosenRollup = usableRollups[0]?.rollup;
  for (const c of candidates) {
    if (c.verdict !== "usable") continue;
    if (c.source === chosen && (chosen !== "rollup" || c.name === chosenRollup)) c.verdict = "chosen";
  }
  return {
    plan: { fingerprint: d.fingerprint, budgetMs: d.budgetMs, chosen, candidates, notes: [] },
    ...(cache ? { cache } : {}),
    usableRollups,
    tooOldRollups,
  };
}
