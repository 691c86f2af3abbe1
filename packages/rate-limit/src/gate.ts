/**
 * A request gate over a limiter: the platform's per-tenant quota, decided inside the tenant's
 * own DO before any route reads its body. Same answers as the `rateLimit()` middleware: headers
 * on a pass, 429 with `Retry-After` on a rejection, 503 RATE_LIMIT_UNAVAILABLE (fail closed)
 * when the limiter cannot decide, unless `failOpen`.
 * @module
 */
import { errorCodeOf, errorResponse, type GateDecision, type GateRequest, type RequestGate } from "@durable/core";
import { isRateLimitCode, RATE_LIMIT_STATUS } from "./errors.ts";
import { rateLimitedResponse, rateLimitHeaders } from "./headers.ts";
import { unavailable } from "./middleware.ts";
import type { RateLimiter } from "./types.ts";

/** Options of a gate. */
export interface RateLimitGateOptions {
  /**
   * The key a request spends (e.g. `tenant:<id>`), or null to let it through unchecked (e.g.
   * the operator's plan route, which must answer while the tenant is throttled). Never derive
   * it from a client header.
   */
  key(request: GateRequest): string | null;
  /** Units a request spends (default 1), or a function of the request. */
  cost?: number | ((request: GateRequest) => number);
  /** Check only these limits of the key's plan. */
  limits?: string[];
  /** Let requests through when the limiter fails (default false: 503). */
  failOpen?: boolean;
  /** Called with the error whenever the limiter could not decide. */
  onError?: (error: unknown) => void;
}

const PASS: GateDecision = { pass: true, headers: {} };

/**
 * Makes a {@link RequestGate} over a limiter in the same DO (no RPC: one hop per request).
 * @param limiter the gate's limiter (its own table prefix, e.g. `rl_gate_`)
 * @param options key, cost, limits and the failure policy
 * @example
 * const gate = rateLimitGate(limiter, { key: ({ tenant }) => `tenant:${tenant}` });
 */
export function rateLimitGate(limiter: RateLimiter, options: RateLimitGateOptions): RequestGate {
  return {
    admit(request: GateRequest): GateDecision {
      try {
        const key = options.key(request);
        if (key === null) return PASS;
        const cost = typeof options.cost === "function" ? options.cost(request) : options.cost;
        const result = limiter.limit(key, {
          ...(cost === undefined ? {} : { cost }),
          ...(options.limits ? { limits: options.limits } : {}),
        });
        const plan = limiter.planFor(key);
        if (!result.success) return { pass: false, response: rateLimitedResponse(result, plan) };
        return { pass: true, headers: Object.fromEntries(rateLimitHeaders(result, plan)) };
      } catch (err) {
        const code = errorCodeOf(err);
        // Bad input (a key function that makes an invalid key) is a client error, never a pass.
        if (isRateLimitCode(code) && RATE_LIMIT_STATUS[code] < 500) {
          return { pass: false, response: errorResponse(err) };
        }
        options.onError?.(err);
        if (options.failOpen) return PASS;
        return { pass: false, response: errorResponse(unavailable(err)) };
      }
    },
  };
}
