/**
 * `rateLimit()` for any Worker: picks the limiter DO that owns a key (FNV-1a-32 sharding), asks
 * it over RPC, and turns the answer into a 429 or a decorated response. If the limiter cannot
 * answer, it fails closed (503 RATE_LIMIT_UNAVAILABLE, `Retry-After: 5`) unless `failOpen`.
 * @module
 */
import { errorResponse, fnv1a32, PlatformError } from "@durable/core";
import type { CheckOptions } from "./api.ts";
import { rlError } from "./errors.ts";
import { rateLimitedResponse, rateLimitHeaders, withHeaders } from "./headers.ts";
import type { RateLimitResult } from "./result.ts";
import type { Plan } from "./schemas.ts";

/**
 * What a limiter DO's `check` RPC returns. Errors are returned as values because Workers RPC
 * drops an error's properties (and its status).
 */
export type LimiterReply =
  | { ok: true; result: RateLimitResult; plan: Plan }
  | { ok: false; error: { code: string; message: string; status: number } };

/** The RPC surface a limiter DO exposes to `rateLimit()`. */
export interface RateLimiterRpc {
  check(key: string, options?: CheckOptions): Promise<LimiterReply>;
}

/** The part of a `DurableObjectNamespace` that `rateLimit()` uses. */
export interface RateLimiterNamespace {
  getByName(name: string): RateLimiterRpc;
}

/** A fetch middleware: decide, then call `next` or answer by itself. */
export type Middleware = (request: Request, next: (request: Request) => Promise<Response>) => Promise<Response>;

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  /** The limiter DOs (e.g. `env.RATE_LIMITER`). */
  namespace: RateLimiterNamespace;
  /** The key of a request (e.g. `tenant:<id>`, `ip:<addr>`). Never derive a plan from client headers. */
  key: (request: Request) => string | Promise<string>;
  /** Number of limiter DOs keys are spread over, 1–1024 (default 16). Changing it re-homes keys. */
  shards?: number;
  /** Units a request spends (default 1), or a function of the request. */
  cost?: number | ((request: Request) => number | Promise<number>);
  /** Check only these limits of the key's plan. */
  limits?: string[];
  /** Let requests through when the limiter is unreachable (default false: 503). */
  failOpen?: boolean;
  /** Called with the error whenever the limiter could not answer. */
  onError?: (error: unknown) => void;
}

/** A result together with the plan it was checked against (for `RateLimit-Policy`). */
export interface RateLimitCheck extends RateLimitResult {
  plan: Plan;
}

/** Counters of a {@link rateLimit} instance. */
export interface RateLimitStats {
  /** Requests let through because the limiter failed and `failOpen` is set. */
  failedOpen: number;
  /** Requests answered 503 because the limiter failed. */
  failedClosed: number;
}

/** Largest `shards`. */
export const MAX_SHARDS = 1024;

/**
 * The name of the limiter DO that owns `key`: `rl-<n>`, n = FNV-1a-32(key) mod `shards`.
 * @param key the limiter key
 * @param shards the number of shards (1–1024)
 */
export function shardName(key: string, shards: number): string {
  return `rl-${fnv1a32(key) % shards}`;
}

/** The 503 answered when the limiter cannot decide (fail closed). */
export function unavailable(cause?: unknown): PlatformError {
  return new PlatformError("RATE_LIMIT_UNAVAILABLE", "the rate limiter is unavailable; retry shortly", {
    status: 503,
    headers: { "Retry-After": "5" },
    cause,
  });
}

/**
 * Rate limiting for any Worker through limiter DOs.
 * @param options namespace, key function, shards, cost, failure policy
 * @returns `middleware` for fetch handlers, `check` for code that decides by itself, `stats`
 * @throws {INVALID_CONFIG} shards outside 1–1024
 * @example
 * const limiter = rateLimit({ namespace: env.RATE_LIMITER, key: (req) => `ip:${req.headers.get("cf-connecting-ip")}` });
 * return limiter.middleware(request, (req) => handle(req));
 */
export function rateLimit(options: RateLimitOptions): {
  middleware: Middleware;
  check: (key: string, options?: CheckOptions) => Promise<RateLimitCheck>;
  stats: () => RateLimitStats;
} {
  const shards = options.shards ?? 16;
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_SHARDS) {
    throw rlError("INVALID_CONFIG", `shards: must be an integer from 1 to ${MAX_SHARDS}, got ${shards}`);
  }
  const stats: RateLimitStats = { failedOpen: 0, failedClosed: 0 };

  const check = async (key: string, opts?: CheckOptions): Promise<RateLimitCheck> => {
    let reply: LimiterReply;
    try {
      reply = await options.namespace.getByName(shardName(key, shards)).check(key, opts);
    } catch (err) {
      options.onError?.(err);
      throw unavailable(err);
    }
    if (!reply.ok) {
      const { code, message, status } = reply.error;
      throw new PlatformError(code, message, { status });
    }
    return { ...reply.result, plan: reply.plan };
  };

  const middleware: Middleware = async (request, next) => {
    let decided: RateLimitCheck;
    try {
      const key = await options.key(request);
      const cost = typeof options.cost === "function" ? await options.cost(request) : options.cost;
      decided = await check(key, {
        ...(cost === undefined ? {} : { cost }),
        ...(options.limits ? { limits: options.limits } : {}),
      });
    } catch (err) {
      if (err instanceof PlatformError && err.code === "RATE_LIMIT_UNAVAILABLE") {
        if (options.failOpen) {
          stats.failedOpen++;
          return next(request);
        }
        stats.failedClosed++;
      }
      return errorResponse(err);
    }
    const now = Date.now();
    if (!decided.success) return rateLimitedResponse(decided, decided.plan, now);
    const response = await next(request);
    // A handler that reports a limit of its own (e.g. a check route) keeps its headers.
    if (response.headers.has("RateLimit")) return response;
    return withHeaders(response, rateLimitHeaders(decided, decided.plan, now));
  };

  return { middleware, check, stats: () => ({ ...stats }) };
}

/**
 * The RPC `check` of a limiter DO, with errors as values: call it from your DO class.
 * @param decide runs the check (e.g. `(k, o) => limiter.limit(k, o)`) and returns the plan
 */
export function replyOf(decide: () => { result: RateLimitResult; plan: Plan }): LimiterReply {
  try {
    const { result, plan } = decide();
    return { ok: true, result, plan };
  } catch (err) {
    if (err instanceof PlatformError && err.status < 500) {
      return { ok: false, error: { code: err.code, message: err.detail, status: err.status } };
    }
    throw err;
  }
}
