/**
 * The `/rate-limit/...` routes of the capability. Bodies are validated here (zod at the
 * boundary); the limiter validates keys, costs and limit names on every path.
 * @module
 */
import { json, parseOrThrow, type Route } from "@durable/core";
import { rlError } from "./errors.ts";
import { rateLimitHeaders } from "./headers.ts";
import { checkCost } from "./input.ts";
import { OverrideBodySchema, PlanBodySchema } from "./schemas.ts";
import type { CheckOptions, RateLimiter } from "./types.ts";

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

/**
 * The HTTP routes of a rate-limit capability, below `/v1/tenants/:tenant`: check, peek,
 * reset, overrides and runtime plans. A limiter whose plans callers must not change (the
 * platform's quota gate) is composed with `routes: false`.
 * @param limiter the capability's limiter
 */
export function rateLimitRoutes(limiter: RateLimiter): Route[] {
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
        const { expiresAt, ...override } = parseOrThrow(OverrideBodySchema, objectBody(body), "CONFIG_INVALID");
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
        const { limits } = parseOrThrow(PlanBodySchema, objectBody(body), "CONFIG_INVALID");
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
