/**
 * The rate-limit capability for `DOBase`: migrations, the sweep wake-up and the tenant routes
 * under `/rate-limit/...`. Also the RPC `check` a limiter DO exposes to `rateLimit()`.
 * @module
 */
import { type Capability, json, parseOrThrow, type Route, type WakeEvent } from "@durable/core";
import { type CheckOptions, RATE_LIMIT_OWNER, type RateLimiter, SWEEP_WAKE_KEY } from "./api.ts";
import { rlError } from "./errors.ts";
import { rateLimitHeaders } from "./headers.ts";
import { checkCost } from "./input.ts";
import { type LimiterReply, replyOf } from "./middleware.ts";
import { RATE_LIMIT_MIGRATIONS } from "./migrations.ts";
import { OverrideBodySchema, PlanBodySchema } from "./schemas.ts";

function objectBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw rlError("INVALID_JSON", "body: expected a JSON object");
  }
  return body as Record<string, unknown>;
}

function checkOptions(body: Record<string, unknown>): CheckOptions {
  const options: CheckOptions = { cost: checkCost(body.cost) };
  if (body.limits !== undefined) {
    if (!Array.isArray(body.limits) || !body.limits.every((l) => typeof l === "string")) {
      throw rlError("UNKNOWN_LIMIT", "limits: must be an array of limit names");
    }
    options.limits = body.limits as string[];
  }
  return options;
}

/** The tenant routes of the capability (below `/v1/tenants/:tenant`). */
function routes(limiter: RateLimiter): Route[] {
  return [
    {
      method: "POST",
      path: "/rate-limit/check",
      maxBodyBytes: 8 * 1024,
      handle({ body }) {
        const b = objectBody(body);
        const key = b.key as string;
        const result = limiter.limit(key, checkOptions(b));
        return json(result, 200, rateLimitHeaders(result, limiter.planFor(key)));
      },
    },
    {
      method: "GET",
      path: "/rate-limit/keys/:key",
      handle({ params, query }) {
        const key = params.key as string;
        const limits = query.getAll("limit");
        const result = limiter.peek(key, limits.length > 0 ? { limits } : undefined);
        return json(result, 200, rateLimitHeaders(result, limiter.planFor(key)));
      },
    },
    {
      method: "DELETE",
      path: "/rate-limit/keys/:key",
      handle({ params, query }) {
        limiter.reset(params.key as string, query.get("limit") ?? undefined);
        return new Response(null, { status: 204 });
      },
    },
    {
      method: "PUT",
      path: "/rate-limit/keys/:key/override",
      maxBodyBytes: 16 * 1024,
      handle({ params, body }) {
        const { expiresAt, ...override } = parseOrThrow(OverrideBodySchema, objectBody(body), "INVALID_CONFIG");
        const key = params.key as string;
        limiter.setOverride(key, override, expiresAt === undefined ? {} : { expiresAt });
        return { key, override: limiter.getOverride(key), plan: limiter.planFor(key) };
      },
    },
    {
      method: "DELETE",
      path: "/rate-limit/keys/:key/override",
      handle({ params }) {
        limiter.clearOverride(params.key as string);
        return new Response(null, { status: 204 });
      },
    },
    {
      method: "GET",
      path: "/rate-limit/plans",
      handle: () => ({ plans: limiter.listPlans() }),
    },
    {
      method: "PUT",
      path: "/rate-limit/plans/:name",
      maxBodyBytes: 16 * 1024,
      handle({ params, body }) {
        const { limits } = parseOrThrow(PlanBodySchema, objectBody(body), "INVALID_CONFIG");
        const plan = { name: params.name as string, limits };
        limiter.upsertPlan(plan);
        return { plan: limiter.listPlans().find((p) => p.name === plan.name) };
      },
    },
    {
      method: "DELETE",
      path: "/rate-limit/plans/:name",
      handle({ params }) {
        limiter.deletePlan(params.name as string);
        return new Response(null, { status: 204 });
      },
    },
  ];
}

/** The rate-limit capability plus the RPC check a limiter DO forwards to. */
export interface RateLimitCapability extends Capability {
  readonly limiter: RateLimiter;
  /** The body of a limiter DO's `check` RPC: decides and returns errors as values. */
  check(key: string, options?: CheckOptions): LimiterReply;
}

/**
 * Makes the capability `DOBase` composes: `rl_` migrations, `onStart` (refresh config plans,
 * ask for the hourly sweep), `onWake` (run the sweep), and the `/rate-limit/...` routes.
 * @param limiter a limiter made by `createRateLimiter` over the DO's ports
 * @example
 * this.use(rateLimitCapability(createRateLimiter({ ...this.ports, wake }, { plans, defaultPlan: "default" })));
 */
export function rateLimitCapability(limiter: RateLimiter): RateLimitCapability {
  return {
    name: RATE_LIMIT_OWNER,
    migrations: RATE_LIMIT_MIGRATIONS,
    limiter,
    onStart() {
      limiter.start();
    },
    onWake(event: WakeEvent) {
      if (event.key === SWEEP_WAKE_KEY) limiter.onSweepWake();
    },
    routes: routes(limiter),
    check(key: string, options?: CheckOptions): LimiterReply {
      return replyOf(() => ({ result: limiter.limit(key, options), plan: limiter.planFor(key) }));
    },
  };
}
