/**
 * The Worker in front of every tenant DO. For `/v1/tenants/:tenant/...` it validates the tenant
 * id, checks the token's signature, expiry and tenant, and forwards to the tenant's DO by name:
 * one hop. The DO decides the route's scope, the tenant's quota and everything else. A request
 * that fails a check here never creates or reaches a DO. Every response carries `x-request-id`;
 * every request logs one line.
 * @module
 */
import { errorResponse, json, PlatformError } from "@durable/core";
import { authenticate } from "./auth.ts";
import { handlePlatformQuery } from "./capabilities/query.ts";
import { isConsolePath, serveConsole } from "./console.ts";
import { logRequest } from "./log.ts";
import { parseTenantPath } from "./tenancy.ts";

/** The largest body any route accepts (table imports: 100 MB); routes enforce their own smaller caps. */
const MAX_ANY_BODY_BYTES = 100 * 1024 * 1024;
const REQUEST_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** Client headers that could pass for a plan or an identity: stripped before the tenant DO. */
const SPOOFABLE = /^(x-rate-?limit-.*|x-plan|x-tier|x-user-id|x-tenant(-id)?)$/i;

/** Removes client headers that could pass for a plan or identity. */
export function stripSpoofable(headers: Headers): void {
  for (const name of [...headers.keys()]) if (SPOOFABLE.test(name)) headers.delete(name);
}

function withRequestId(response: Response, requestId: string): Response {
  const out = new Response(response.body, response);
  out.headers.set("x-request-id", requestId);
  return out;
}

async function route(
  request: Request,
  url: URL,
  env: Env,
  requestId: string,
): Promise<{ response: Response; tenant?: string }> {
  if (url.pathname === "/health") {
    if (request.method !== "GET") {
      throw new PlatformError("METHOD_NOT_ALLOWED", "use GET", { status: 405, headers: { allow: "GET" } });
    }
    return { response: json({ ok: true, version: env.PLATFORM_VERSION }) };
  }
  // The ops console: a static page, before the tenant path, with no token and no gate.
  if (isConsolePath(url.pathname)) return { response: await serveConsole(request, url, env.ASSETS) };
  // The platform's own routes (platform tokens only): aggregates over consenting tenants.
  if (url.pathname === "/v1/platform/query") return { response: await handlePlatformQuery(request, env) };
  const path = parseTenantPath(url.pathname);
  if (!path || path.rest === "/") throw new PlatformError("NOT_FOUND", `no route for ${url.pathname}`, { status: 404 });
  await authenticate(request, env.AUTH_SECRET, path.tenant);
  if (Number(request.headers.get("content-length") ?? "0") > MAX_ANY_BODY_BYTES) {
    throw new PlatformError("PAYLOAD_TOO_LARGE", `request body exceeds ${MAX_ANY_BODY_BYTES} bytes`, { status: 413 });
  }
  const forwarded = new Request(request);
  forwarded.headers.set("x-request-id", requestId);
  stripSpoofable(forwarded.headers);
  const response = await env.TENANT.getByName(path.tenant).fetch(forwarded);
  return { response, tenant: path.tenant };
}

/** The Worker's fetch handler. */
export async function handleRequest(request: Request, env: Env): Promise<Response> {
  const started = Date.now();
  const incoming = request.headers.get("x-request-id");
  const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
  const url = new URL(request.url);
  let tenant: string | undefined;
  let response: Response;
  try {
    const routed = await route(request, url, env, requestId);
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
