/**
 * HTTP headers of a rate-limit result (the IETF `RateLimit`/`RateLimit-Policy` fields and the
 * common `X-RateLimit-*` ones) and the 429 response.
 * @module
 */
import { json } from "@durable/core";
import type { RateLimitResult } from "./result.ts";
import type { LimitSpec, Plan } from "./schemas.ts";

/** Quota and window (whole seconds) of one limit, as `RateLimit-Policy` reports them. */
export function policyOf(spec: LimitSpec): { q: number; w: number } {
  switch (spec.algorithm) {
    case "tokenBucket":
      // The time an empty bucket takes to refill completely.
      return { q: spec.capacity, w: Math.max(1, Math.ceil(spec.capacity / spec.refillPerSecond)) };
    case "gcra":
      return { q: spec.limit, w: Math.ceil(spec.periodMs / 1000) };
    default:
      return { q: spec.limit, w: Math.ceil(spec.windowMs / 1000) };
  }
}

/** Whole seconds to wait before retrying: `retryAfter` ms rounded up, at least 1. */
export function retryAfterSeconds(result: RateLimitResult): number {
  return Math.max(1, Math.ceil(result.retryAfter / 1000));
}

/**
 * The headers of a result: `RateLimit-Policy` (one member per limit of the plan), `RateLimit`
 * for the reported limit (`r` = remaining, `t` = whole seconds until reset),
 * `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (epoch seconds, rounded
 * up) and, on a rejection, `Retry-After` (whole seconds, rounded up, at least 1).
 * @param result the check's result
 * @param plan the plan it was checked against
 * @param nowMs the current time (for `t`)
 * @example
 * const h = rateLimitHeaders(result, plan);
 * // RateLimit-Policy: "minute";q=60;w=60   RateLimit: "minute";r=12;t=48
 */
export function rateLimitHeaders(result: RateLimitResult, plan: Plan, nowMs = Date.now()): Headers {
  const h = new Headers();
  const members = plan.limits.map((l) => {
    const { q, w } = policyOf(l);
    return `"${l.name}";q=${q};w=${w}`;
  });
  if (members.length > 0) h.set("RateLimit-Policy", members.join(", "));
  const t = Math.max(0, Math.ceil((result.reset - nowMs) / 1000));
  h.set("RateLimit", `"${result.policy}";r=${result.remaining};t=${t}`);
  h.set("X-RateLimit-Limit", String(result.limit));
  h.set("X-RateLimit-Remaining", String(result.remaining));
  h.set("X-RateLimit-Reset", String(Math.ceil(result.reset / 1000)));
  if (!result.success) h.set("Retry-After", String(retryAfterSeconds(result)));
  return h;
}

/** The 429 body: `{ error: { code: "RATE_LIMITED", message, retryAfter (s), retryAfterMs, policy } }`. */
export function rateLimitedBody(result: RateLimitResult): {
  error: { code: "RATE_LIMITED"; message: string; retryAfter: number; retryAfterMs: number; policy: string };
} {
  const seconds = retryAfterSeconds(result);
  return {
    error: {
      code: "RATE_LIMITED",
      message: `rate limit "${result.policy}" exceeded; retry in ${seconds} s`,
      retryAfter: seconds,
      retryAfterMs: result.retryAfter,
      policy: result.policy,
    },
  };
}

/**
 * The 429 response of a rejected result, with every header of {@link rateLimitHeaders}.
 * @param result a result with `success: false`
 * @param plan the plan it was checked against
 * @param nowMs the current time
 */
export function rateLimitedResponse(result: RateLimitResult, plan: Plan, nowMs = Date.now()): Response {
  return json(rateLimitedBody(result), 429, rateLimitHeaders(result, plan, nowMs));
}

/**
 * Copies a response with the given headers added (responses from `fetch` have immutable headers).
 * @param response the response to decorate
 * @param headers headers to set on it
 */
export function withHeaders(response: Response, headers: Headers): Response {
  const out = new Response(response.body, response);
  headers.forEach((value, name) => {
    out.headers.set(name, value);
  });
  return out;
}
