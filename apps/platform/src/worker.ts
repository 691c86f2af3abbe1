/**
 * The Worker in front of every tenant DO: `/health`, then for `/v1/tenants/:tenant/...`
 * tenant id validation → bearer token → the rate-limit gate → the tenant's DO by name. A request that fails any check
 * never creates or reaches a DO. Every response carries `x-request-id`; every request logs one line.
 * @module
 */
import { errorResponse, json, PlatformError } from "@durable/core";
import { authenticate } from "./auth.ts";
import { logRequest } from "./log.ts";
import { gateTenant, isPlanRoute, planRoute, stripSpoofable } from "./rate-limit-gate.ts";
import { parseTenantPath } from "./tenancy.ts";

/** The largest body any route accepts (vector writes); routes enforce their own smaller caps. */
const MAX_ANY_BODY_BYTES = 32 * 1024 * 1024;
const REQUEST_ID = /^[A-Za-z0-9_-]{8,64}$/;

function withRequestId(response: Response, requestId: string): Response {
  const out = new Response(response.body, response);
  out.headers.set("x-request-id", requestId);
  return out;
}

async function route(request: Request, env: Env, requestId: string): Promise<{ response: Response; tenant?: string }> {
  const url = new URL(request.url);
  if (url.pathname === "/health") {
    if (request.method !== "GET") {
      throw new PlatformError("METHOD_NOT_ALLOWED", "use GET", { status: 405, headers: { allow: "GET" } });
    }
    return { response: json({ ok: true, version: env.PLATFORM_VERSION }) };
  }
  const path = parseTenantPath(url.pathname);
  if (!path || path.rest === "/") throw new PlatformError("NOT_FOUND", `no route for ${url.pathname}`, { status: 404 });
  if (isPlanRoute(path.rest)) return { response: await planRoute(request, env, path.tenant), tenant: path.tenant };
  await authenticate(request, env.AUTH_SECRET, path.tenant, request.method === "GET" ? "read" : "write");
  if (Number(request.headers.get("content-length") ?? "0") > MAX_ANY_BODY_BYTES) {
    throw new PlatformError("PAYLOAD_TOO_LARGE", `request body exceeds ${MAX_ANY_BODY_BYTES} bytes`, { status: 413 });
  }
  const forwarded = new Request(request);
  forwarded.headers.set("x-request-id", requestId);
  stripSpoofable(forwarded.headers);
  const stub = env.TENANT.getByName(path.tenant);
  // The gate: after auth, before the tenant's DO (research: a plan never comes from a header).
  const response = await gateTenant(env, path.tenant, forwarded, (req) => stub.fetch(req));
  return { response, tenant: path.tenant };
}

/** The Worker's fetch handler. */
export async function handleRequest(request: Request, env: Env): Promise<Response> {
  const started = Date.now();
  const incoming = request.headers.get("x-request-id");
  const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
  let tenant: string | undefined;
  let response: Response;
  try {
    const routed = await route(request, env, requestId);
    tenant = routed.tenant;
    response = routed.response;
  } catch (err) {
    if (!(err instanceof PlatformError)) {
      console.error(
        JSON.stringify({ level: "error", requestId, error: err instanceof Error ? err.stack : String(err) }),
      );
    }
    const overloaded = err instanceof Error && (err as { overloaded?: boolean }).overloaded === true;
    response = overloaded
      ? errorResponse(
          new PlatformError("OVERLOADED", "the tenant is overloaded, retry later", {
            status: 503,
            headers: { "retry-after": "1" },
          }),
        )
      : errorResponse(err, requestId);
  }
  const url = new URL(request.url);
  logRequest({
    requestId,
    method: request.method,
    path: url.pathname,
    status: response.status,
    ms: Date.now() - started,
    ...(tenant ? { tenant } : {}),
  });
  return withRequestId(response, requestId);
}
