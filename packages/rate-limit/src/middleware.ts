/**
 * `rateLimit()` for any Worker: picks the limiter DO that owns a key (FNV-1a-32 sharding), asks
 * its rate-limit capability over RPC, and turns the answer into a 429 or a decorated response.
 * One error convention: `check` returns `{ result, plan }` or throws. A thrown rate-limit code
 * (read with `errorCodeOf`, as RPC keeps only the message) is the caller's error and answers
 * with that code's status; anything else means the limiter could not decide, and the
 * middleware fails closed (503 RATE_LIMIT_UNAVAILABLE, `Retry-After: 5`) unless `failOpen`.
 * @module
 */
import { errorCodeOf, errorResponse, fnv1a32, fromRemoteError, PlatformError } from "@durable/core";
import { isRateLimitCode, RATE_LIMIT_STATUS, rlError } from "./errors.ts";
import { rateLimitedResponse, rateLimitHeaders, withHeaders } from "./headers.ts";
import type { RateLimitResult } from "./result.ts";
import type { CheckReply, RateLimitRpc } from "./rpc.ts";
import type { Plan } from "./schemas.ts";
import type { CheckOptions } from "./types.ts";

/** The part of a capability's RPC target that `rateLimit()` calls: `check`, which returns or throws. */
export type RateLimiterRpc = Pick<RateLimitRpc, "check">;

/**
 * How `rateLimit()` reaches the limiter that owns a shard: typically
 * `{ getByName: (name) => env.LIMITER.getByName(name).capability("rate-limit", name) }`.
 */
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
 * @throws {CONFIG_INVALID} shards outside 1–1024
 * @example
 * const namespace = { getByName: (name: string) => env.LIMITER.getByName(name).capability("rate-limit", name) };
 * const limiter = rateLimit({ namespace, key: (req) => `ip:${req.headers.get("cf-connecting-ip")}` });
 * return limiter.middleware(request, (req) => handle(req));
 */
export function rateLimit(options: RateLimitOptions): {
  middleware: Middleware;
  check: (key: string, options?: CheckOptions) => Promise<RateLimitCheck>;
  stats: () => RateLimitStats;
} {
  const shards = options.shards ?? 16;
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_SHARDS) {
    throw rlError("CONFIG_INVALID", `shards: must be an integer from 1 to ${MAX_SHARDS}, got ${shards}`);
  }
  const stats: RateLimitStats = { failedOpen: 0, failedClosed: 0 };

  const check = async (key: string, opts?: CheckOptions): Promise<RateLimitCheck> => {
    let reply: CheckReply;
    try {
      reply = await options.namespace.getByName(shardName(key, shards)).check(key, opts);
    } catch (err) {
      throw classify(err, options.onError);
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
 * What an error thrown by a limiter's `check` means to the caller: a rate-limit code below 500
 * (read from the message, as RPC drops the error's fields) is the caller's bad input, answered
 * with that code's status; anything else (no code, another package's code, a network or
 * overload error) is an unavailable limiter, reported to `onError`.
 * @param err what `check` threw
 * @param onError the middleware's error hook
 */
function classify(err: unknown, onError?: (error: unknown) => void): PlatformError {
  const code = errorCodeOf(err);
  if (isRateLimitCode(code) && RATE_LIMIT_STATUS[code] < 500) {
    return fromRemoteError(err, RATE_LIMIT_STATUS[code]) ?? unavailable(err);
  }
  onError?.(err);
  return unavailable(err);
}
