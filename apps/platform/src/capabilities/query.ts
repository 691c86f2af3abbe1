/**
 * `query` in a tenant DO, and the platform's own query route. The router reaches other DOs
 * through `env.TENANT`: shard `i` of a sharded table is the TenantDO `<tenant>:shard-<i>`, a
 * consenting tenant is its own DO. Consent flags are reported to the registry DO `_platform`
 * (its `query` RPC target, under the pseudo-tenant `platform`: no tenant route can reach a DO
 * of that name). `POST /v1/platform/query` (platform tokens with `platform:read`) fans a query
 * out over the listed tenants; each re-checks its own flag on every call; aggregates only.
 * @module
 */
import { type CapabilityDefinition, json, PlatformError, type Remote, safeParse, systemClock } from "@durable/core";
import type { AnalyticsQuery } from "@durable/pre-agg";
import {
  BreakerRegistry,
  type ConsentReporter,
  columnsOf,
  FanOut,
  mergePartials,
  orderAndLimit,
  type PartialAnswer,
  parseQuery,
  QR_ERRORS,
  QUERY_LIMITS,
  type QueryRouterApi,
  type QueryRouterCapability,
  queryRouterCapability,
  type Routed,
  RoutingOptionsSchema,
  type ShardTransport,
} from "@durable/query-router";
import { bearerToken, verifyToken } from "../auth.ts";
import { readJsonBody } from "../body.ts";

/** The DO name of the consent registry. */
export const PLATFORM_REGISTRY = "_platform";
/** The tenant id the registry DO serves its RPC target under. */
export const PLATFORM_TENANT = "platform";

type QueryStub = { capability(name: "query", tenant: string): Remote<QueryRouterApi> };

function queryApi(env: Env, doName: string, tenant: string): Remote<QueryRouterApi> {
  return (env.TENANT.getByName(doName) as unknown as QueryStub).capability("query", tenant);
}

/** The tenant of a DO name (`acme:shard-3` → `acme`). */
function tenantOf(doName: string): string {
  return doName.split(":")[0] ?? doName;
}

/**
 * Calls shard DOs over RPC. Workers RPC carries no AbortSignal: the absolute deadline travels
 * instead, and a target stops scanning once it passed.
 */
export function shardTransport(env: Env): ShardTransport {
  return {
    partial: (t, q, deadlineAt) => queryApi(env, t, tenantOf(t)).qrShardQuery(q, deadlineAt),
    estimate: (t, q) => queryApi(env, t, tenantOf(t)).qrEstimate(q),
    rows: (t, r, deadlineAt) => queryApi(env, t, tenantOf(t)).qrShardRows(r, deadlineAt),
    joinPartial: (t, r, deadlineAt) => queryApi(env, t, tenantOf(t)).qrShardJoin(r, deadlineAt),
  };
}

/** Reports a tenant's consent flag to the registry DO. */
export function registryReporter(env: Env): ConsentReporter {
  return {
    report: async (tenant, consented) => {
      await queryApi(env, PLATFORM_REGISTRY, PLATFORM_TENANT).registerConsent(tenant, consented);
    },
  };
}

/** The router composed after pre-agg: shard fan-out and consent reporting through `env.TENANT`. */
export function platformQuery(env: Env): CapabilityDefinition<QueryRouterCapability> {
  return queryRouterCapability({ fanOut: shardTransport(env), consent: registryReporter(env) });
}

/** Breakers of the platform route's targets (per isolate, in memory). */
const platformFanOut = new FanOut({ breakers: new BreakerRegistry(systemClock) });

/** Fields a platform body may not carry: anything that asks for rows rather than aggregates. */
const RAW_FIELDS = new Set(["rows", "select", "raw", "columns"]);

/**
 * `POST /v1/platform/query` `{ query, routing? }`: the query over every consenting tenant,
 * merged from their partial states.
 * @throws {FORBIDDEN} 403 without a platform token carrying `platform:read` · {AGGREGATES_ONLY} 400
 */
export async function handlePlatformQuery(request: Request, env: Env): Promise<Response> {
  if (request.method !== "POST") {
    throw new PlatformError("METHOD_NOT_ALLOWED", "use POST", { status: 405, headers: { allow: "POST" } });
  }
  if (!env.AUTH_SECRET) throw new PlatformError("CONFIG_INVALID", "AUTH_SECRET is not configured", { status: 503 });
  const claims = await verifyToken(env.AUTH_SECRET, bearerToken(request));
  if (claims.role !== "platform" || !claims.scopes.includes("platform:read")) {
    throw new PlatformError("FORBIDDEN", "a platform token with the scope platform:read is required", { status: 403 });
  }
  const body = await readJsonBody(request, QUERY_LIMITS.maxBodyBytes + 4096);
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw QR_ERRORS.error("INVALID_QUERY", "body: an object {query, routing?}");
  }
  const { query, routing, ...rest } = body as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) {
    throw RAW_FIELDS.has(extra)
      ? QR_ERRORS.error("AGGREGATES_ONLY", `body.${extra}: platform queries return aggregates only`)
      : QR_ERRORS.error("INVALID_QUERY", `body.${extra}: unknown field`);
  }
  const raw = query as { measures?: unknown } | undefined;
  if (!raw || typeof raw !== "object" || !Array.isArray(raw.measures) || raw.measures.length === 0) {
    throw QR_ERRORS.error("AGGREGATES_ONLY", "query.measures: a platform query needs at least one aggregate");
  }
  const q: AnalyticsQuery = parseQuery(query);
  const r = safeParse(RoutingOptionsSchema, routing ?? {});
  if (!r.success) throw QR_ERRORS.error("INVALID_QUERY", `routing: ${r.error.issues[0]?.message ?? "invalid"}`);
  const tenants = await queryApi(env, PLATFORM_REGISTRY, PLATFORM_TENANT).consentingTenants();
  const result = await platformFanOut.run(
    tenants.map((name) => ({ name })),
    (t, _signal, deadlineAt) => queryApi(env, t.name, t.name).qrPlatformPartial(q, deadlineAt),
    { ...(r.data.deadlineMs ? { deadlineMs: r.data.deadlineMs } : {}) },
  );
  // A tenant that withdrew since the list was read is not part of the population.
  const outcomes = result.outcomes.filter((o) => o.ok || o.code !== "CONSENT_REQUIRED");
  const errors = outcomes.flatMap((o) => (o.ok ? [] : [{ target: o.target, code: o.code, message: o.message }]));
  if (errors.length > 0 && r.data.allowPartial !== true) {
    const list = errors.map((e) => `${e.target} [${e.code}] ${e.message}`).join("; ");
    throw QR_ERRORS.error(result.deadlineExceeded ? "DEADLINE_EXCEEDED" : "FANOUT_FAILED", list);
  }
  // FanOut turned returned error values (a withdrawn consent) into failures.
  const answers = outcomes.flatMap((o) => (o.ok ? [o.value as PartialAnswer] : []));
  const rows = orderAndLimit(mergePartials(q, answers), q, true);
  const routed: Routed = {
    rows,
    columns: columnsOf(q),
    meta: {
      source: "fanout",
      ageMs: 0,
      budgetMs: 0,
      stale: false,
      revalidating: false,
      ...(errors.length > 0
        ? { partial: { coverage: { succeeded: answers.length, attempted: outcomes.length }, errors } }
        : {}),
    },
  };
  return json({ ...routed, tenants: answers.length });
}
