/**
 * `quota`: the platform's per-tenant request quota, decided inside the tenant's own DO before
 * any route reads a body (no second DO hop, nothing shared between tenants). It is a second
 * limiter beside the tenant's own (`rl_gate_` tables, no `/rate-limit/...` routes a tenant could
 * use to change its own quota), with plans from the `PLANS` variable (zod-validated, never from
 * a client header), and the operator route `PUT/GET /v1/tenants/:tenant/rate-limit/plan`, which
 * is not gated so that a throttled tenant can still be moved to a bigger plan.
 * @module
 */
import {
  type Capability,
  type CapabilityDefinition,
  errorResponse,
  json,
  PlatformError,
  parseOrThrow,
  type Route,
  safeParse,
} from "@durable/core";
import { type Plan, PlansSchema, type RateLimiter, rateLimitCapability, rateLimitHeaders } from "@durable/rate-limit";
import * as z from "zod/mini";

/** The capability's name (its wake-ups, migrations owner and routes). */
export const QUOTA = "quota";

const DAY_MS = 86_400_000;
const perMinute = (n: number) => ({ name: "minute", algorithm: "tokenBucket", capacity: n, refillPerSecond: n / 60 });
const perDay = (n: number) => ({ name: "day", algorithm: "slidingWindow", limit: n, windowMs: DAY_MS });

/** The plans when `PLANS` is unset: free 60/min + 10,000/day, pro 300/min + 100,000/day, enterprise 1,000/min + 500,000/day. */
export const DEFAULT_PLANS: Plan[] = parseOrThrow(PlansSchema, [
  { name: "free", limits: [perMinute(60), perDay(10_000)] },
  { name: "pro", limits: [perMinute(300), perDay(100_000)] },
  { name: "enterprise", limits: [perMinute(1_000), perDay(500_000)] },
]);

/** The plan of a tenant without an override. */
export const QUOTA_DEFAULT_PLAN = "free";

/** The quota key of a tenant. */
export const tenantKey = (tenant: string) => `tenant:${tenant}`;

const configInvalid = (detail: string) => new PlatformError("CONFIG_INVALID", detail, { status: 503 });

/**
 * The quota's plans: `PLANS` (a JSON array of plans) or {@link DEFAULT_PLANS}; it must hold `free`.
 * @throws {CONFIG_INVALID} 503 naming the zod path
 */
export function quotaPlans(raw: string | undefined): Plan[] {
  if (raw === undefined || raw.trim() === "") return DEFAULT_PLANS;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw configInvalid("PLANS: not valid JSON");
  }
  const parsed = safeParse(PlansSchema, value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw configInvalid(`PLANS${issue?.path.length ? `[${issue.path.join("].[")}]` : ""}: ${issue?.message}`);
  }
  if (!parsed.data.some((p) => p.name === QUOTA_DEFAULT_PLAN))
    throw configInvalid(`PLANS: must define the plan "free"`);
  return parsed.data;
}

const PlanBodySchema = z.strictObject({ plan: z.string().check(z.regex(/^[a-z0-9_-]{1,64}$/)) });

/** The operator plan route (below `/v1/tenants/:tenant`). */
function planRoutes(limiter: RateLimiter): Route[] {
  const reply = (tenant: string) => {
    const key = tenantKey(tenant);
    const status = limiter.peek(key);
    const plan = limiter.planFor(key);
    return json(
      { tenant, plan, overridden: limiter.getOverride(key) !== null, status },
      200,
      rateLimitHeaders(status, plan),
    );
  };
  return [
    {
      method: "PUT",
      path: "/rate-limit/plan",
      scope: "plan:write",
      maxBodyBytes: 1024,
      handle: ({ tenant, body }) => {
        limiter.setOverride(tenantKey(tenant), { plan: parseOrThrow(PlanBodySchema, body, "CONFIG_INVALID").plan });
        return reply(tenant);
      },
    },
    { method: "GET", path: "/rate-limit/plan", handle: ({ tenant }) => reply(tenant) },
  ];
}

/** A quota that cannot decide (bad `PLANS`): every gated request and the plan route get 503. */
function failedQuota(error: PlatformError): Capability {
  const fail = () => {
    throw error;
  };
  return {
    name: QUOTA,
    gate: { admit: () => ({ pass: false, response: errorResponse(error) }) },
    routes: [
      { method: "PUT", path: "/rate-limit/plan", scope: "plan:write", handle: fail },
      { method: "GET", path: "/rate-limit/plan", handle: fail },
    ],
  };
}

/**
 * The quota capability's definition.
 * @param rawPlans the `PLANS` variable (JSON); unset means {@link DEFAULT_PLANS}. A bad value
 *   fails closed: every tenant request is answered 503 CONFIG_INVALID.
 */
export function quotaCapability(rawPlans: string | undefined): CapabilityDefinition<Capability> {
  let plans: Plan[];
  try {
    plans = quotaPlans(rawPlans);
  } catch (err) {
    return { name: QUOTA, create: () => failedQuota(err as PlatformError) };
  }
  const inner = rateLimitCapability({
    name: QUOTA,
    tablePrefix: "rl_gate_",
    routes: false,
    plans,
    defaultPlan: QUOTA_DEFAULT_PLAN,
    // The plan route answers while the tenant is throttled.
    gate: { key: ({ tenant, owner }) => (owner === QUOTA ? null : tenantKey(tenant)) },
  });
  return {
    name: QUOTA,
    create(ports, required) {
      const { api: _operatorOnly, ...limiter } = inner.create(ports, required);
      return { ...limiter, routes: planRoutes(limiter.limiter) };
    },
  };
}
