/**
 * The rate-limit gate of the Worker: every authenticated tenant request spends one unit of the
 * key `tenant:<id>` on the limiter DO that owns it before it reaches the tenant's DO. Plans come
 * from the `PLANS` variable (zod-validated), never from a client header. Also the operator route
 * `PUT/GET /v1/tenants/:tenant/rate-limit/plan`.
 * @module
 */
import { json, PlatformError, parseOrThrow } from "@durable/core";
import {
  type Plan,
  PlansSchema,
  type RateLimiterNamespace,
  rateLimit,
  rateLimitHeaders,
  shardName,
} from "@durable/rate-limit";
import { z } from "zod";
import { authenticate } from "./auth.ts";
import { readJsonBody } from "./body.ts";

const DAY_MS = 86_400_000;
const perMinute = (n: number) => ({ name: "minute", algorithm: "tokenBucket", capacity: n, refillPerSecond: n / 60 });
const perDay = (n: number) => ({ name: "day", algorithm: "slidingWindow", limit: n, windowMs: DAY_MS });

/** The plans when `PLANS` is unset: free 60/min + 10,000/day, pro 300/min + 100,000/day, enterprise 1,000/min + 500,000/day. */
export const DEFAULT_PLANS: Plan[] = PlansSchema.parse([
  { name: "free", limits: [perMinute(60), perDay(10_000)] },
  { name: "pro", limits: [perMinute(300), perDay(100_000)] },
  { name: "enterprise", limits: [perMinute(1_000), perDay(500_000)] },
]);

/** The plan of a tenant without an override. */
export const GATE_DEFAULT_PLAN = "free";

/** Client headers that could pass for a plan or an identity: stripped before the tenant DO. */
const SPOOFABLE = /^(x-rate-?limit-.*|x-plan|x-tier|x-user-id|x-tenant(-id)?)$/i;

const configInvalid = (detail: string) => new PlatformError("CONFIG_INVALID", detail, { status: 503 });

let parsedPlans: { raw: string | undefined; plans: Plan[] } | undefined;

/**
 * The gate's plans: `PLANS` (a JSON array of plans) or {@link DEFAULT_PLANS}; it must hold `free`.
 * @throws {CONFIG_INVALID} 503 naming the zod path
 */
export function gatePlans(raw: string | undefined): Plan[] {
  if (parsedPlans !== undefined && parsedPlans.raw === raw) return parsedPlans.plans;
  let plans = DEFAULT_PLANS;
  if (raw !== undefined && raw.trim() !== "") {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw configInvalid("PLANS: not valid JSON");
    }
    const parsed = PlansSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw configInvalid(`PLANS${issue?.path.length ? `[${issue.path.join("].[")}]` : ""}: ${issue?.message}`);
    }
    plans = parsed.data;
  }
  if (!plans.some((p) => p.name === GATE_DEFAULT_PLAN)) throw configInvalid(`PLANS: must define the plan "free"`);
  parsedPlans = { raw, plans };
  return plans;
}

/**
 * `RL_SHARDS` as an integer 1–1024 (default 16).
 * @throws {CONFIG_INVALID} 503
 */
export function gateShards(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 16;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw configInvalid("RL_SHARDS: must be an integer from 1 to 1024");
  return n;
}

/** The gate's key of a tenant. */
export const tenantKey = (tenant: string) => `tenant:${tenant}`;

function limiters(env: Env): RateLimiterNamespace {
  return {
    getByName(name) {
      const stub = env.RATE_LIMITER.getByName(name);
      return { check: (key, options) => stub.check(key, options) };
    },
  };
}

/** Removes client headers that could pass for a plan or identity. */
export function stripSpoofable(headers: Headers): void {
  for (const name of [...headers.keys()]) if (SPOOFABLE.test(name)) headers.delete(name);
}

/**
 * Gates one authenticated tenant request: 429 with `Retry-After` when `tenant:<id>` is over its
 * plan, 503 RATE_LIMIT_UNAVAILABLE when the limiter cannot answer (fail closed), otherwise the
 * tenant DO's response; every decided response carries the headers of `rateLimitHeaders`.
 */
export async function gateTenant(
  env: Env,
  tenant: string,
  request: Request,
  next: (request: Request) => Promise<Response>,
): Promise<Response> {
  gatePlans(env.PLANS);
  const gate = rateLimit({ namespace: limiters(env), key: () => tenantKey(tenant), shards: gateShards(env.RL_SHARDS) });
  return gate.middleware(request, next);
}

/** True for the operator plan route's path (below `/v1/tenants/:tenant`). */
export const isPlanRoute = (rest: string) => rest === "/rate-limit/plan";

const PlanBodySchema = z.strictObject({ plan: z.string().regex(/^[a-z0-9_-]{1,64}$/) });

/**
 * `PUT /v1/tenants/:tenant/rate-limit/plan` `{ plan }` (a token with `plan:write`: operator or
 * platform; a tenant token gets 403) writes the override of `tenant:<id>` on the shard that owns
 * it; `GET` (a token with `read`) returns the plan and a peek at the quota. Not gated: a tenant
 * at its limit can still be moved to a bigger plan.
 */
export async function planRoute(request: Request, env: Env, tenant: string): Promise<Response> {
  if (request.method !== "PUT" && request.method !== "GET") {
    throw new PlatformError("METHOD_NOT_ALLOWED", "use GET or PUT", { status: 405, headers: { allow: "GET, PUT" } });
  }
  const put = request.method === "PUT";
  await authenticate(request, env.AUTH_SECRET, tenant, put ? "plan:write" : "read");
  const key = tenantKey(tenant);
  const stub = env.RATE_LIMITER.getByName(shardName(key, gateShards(env.RL_SHARDS)));
  gatePlans(env.PLANS);
  const reply = put
    ? await stub.setPlan(key, parseOrThrow(PlanBodySchema, await readJsonBody(request, 1024), "INVALID_CONFIG").plan)
    : await stub.planStatus(key);
  if (!reply.ok) throw new PlatformError(reply.error.code, reply.error.message, { status: reply.error.status });
  const body = { tenant, plan: reply.plan, overridden: reply.overridden, status: reply.status };
  return json(body, 200, rateLimitHeaders(reply.status, reply.plan));
}
