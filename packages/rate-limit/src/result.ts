/**
 * The result a check returns, and how the decisions of several limits combine into it.
 * @module
 */
import type { Decision } from "./algorithms/index.ts";
import type { LimitSpec } from "./schemas.ts";

/** One limit's own values in a result. */
export interface PolicyResult {
  /** The limit's name. */
  policy: string;
  success: boolean;
  limit: number;
  remaining: number;
  reset: number;
  retryAfter: number;
}

/**
 * The answer to "may this key spend this cost now?". Times are epoch ms, `retryAfter` is ms.
 * `limit`/`remaining`/`reset` come from the limit with the least remaining (named by
 * `policy`); `retryAfter` is the largest among the limits that rejected; `policies` lists
 * every limit's own values.
 */
export interface RateLimitResult {
  success: boolean;
  limit: number;
  remaining: number;
  reset: number;
  retryAfter: number;
  policy: string;
  policies: PolicyResult[];
}

/**
 * Combines per-limit decisions (all-or-nothing: `success` only when every limit admits).
 * @param specs the limits checked, in plan order
 * @param decisions their decisions, same order
 */
export function combine(specs: readonly LimitSpec[], decisions: readonly Decision[]): RateLimitResult {
  const policies: PolicyResult[] = [];
  let success = true;
  let retryAfter = 0;
  let best = 0;
  for (let i = 0; i < specs.length; i++) {
    const d = decisions[i] as Decision;
    policies.push({
      policy: (specs[i] as LimitSpec).name,
      success: d.success,
      limit: d.limit,
      remaining: d.remaining,
      reset: d.reset,
      retryAfter: d.retryAfter,
    });
    if (!d.success) {
      success = false;
      if (d.retryAfter > retryAfter) retryAfter = d.retryAfter;
    }
    const b = decisions[best] as Decision;
    if (d.remaining < b.remaining || (d.remaining === b.remaining && d.retryAfter > b.retryAfter)) best = i;
  }
  const reported = policies[best] as PolicyResult;
  return {
    success,
    limit: reported.limit,
    remaining: reported.remaining,
    reset: reported.reset,
    retryAfter: success ? 0 : retryAfter,
    policy: reported.policy,
    policies,
  };
}
