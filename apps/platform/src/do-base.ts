/**
 * `DOBase`: the Durable Object runtime every platform DO is built on.
 *
 * It composes capabilities (built from package definitions with ports scoped to each) instead
 * of inheriting features: a subclass calls `use()` in its constructor, one line a capability,
 * in a fixed order (`Composition` in @durable/core holds the rules). On the first event
 * (request, alarm or RPC) DOBase runs every migration, then each `onStart`, inside
 * `blockConcurrencyWhile`. It knows its tenant on every event, serves capability routes below
 * `/v1/tenants/:tenant` (checking the route's scope and the capabilities' gates before any body
 * is read), and serves each capability's `api` as its own RPC target through one accessor,
 * `capability(name, tenant)`, which checks the tenant for every capability alike.
 * @module
 */

import { DurableObject, type RpcTarget } from "cloudflare:workers";
import {
  type AlarmOwner,
  type AlarmOwnerDefinition,
  type BlobStore,
  type Capability,
  type CapabilityDefinition,
  Composition,
  errorResponse,
  isTabular,
  json,
  negotiateFormat,
  PlatformError,
  type Route,
  r2BlobStore,
  systemClock,
  type TabularFormat,
} from "@durable/core";
import { authenticate } from "./auth.ts";
import { DEFAULT_MAX_BODY_BYTES, readJsonBody } from "./body.ts";
import { identityMigrations, TenantIdentity, tenantOfName } from "./identity.ts";
import { RouteTable } from "./router.ts";
import { capabilityTarget } from "./rpc-target.ts";
import { isTenantId, parseTenantPath } from "./tenancy.ts";

/** What DOBase reads from the environment. */
export interface BaseEnv {
  AUTH_SECRET?: string;
  /** The R2 bucket behind every capability's `blobs` port. */
  BLOBS?: R2Bucket;
}

/** A `blobs` port for a DO without a `BLOBS` binding: every call says so. */
function missingBlobs(): BlobStore {
  const fail = async (): Promise<never> => {
    throw new PlatformError("CONFIG_INVALID", "this DO has no BLOBS binding", { status: 503 });
  };
  return { get: fail, put: fail, head: fail, list: fail, delete: fail };
}

/** The base class of every platform DO: lifecycle, routing, tenancy, RPC targets and errors. */
export abstract class DOBase<E extends BaseEnv = BaseEnv> extends DurableObject<E> {
  readonly #composition: Composition;
  readonly #identity: TenantIdentity;
  #routes = new RouteTable();
  readonly #targets = new Map<string, RpcTarget>();
  #starting: Promise<void> | undefined;
  #started = false;

  constructor(ctx: DurableObjectState, env: E) {
    super(ctx, env);
    const storage = ctx.storage;
    this.#identity = new TenantIdentity(storage.sql);
    this.#composition = new Composition(
      {
        sql: storage.sql,
        transactionSync: (fn) => storage.transactionSync(fn),
        clock: systemClock,
        blobs: env.BLOBS ? r2BlobStore(env.BLOBS) : missingBlobs(),
        background: { waitUntil: (promise) => ctx.waitUntil(promise) },
        alarm: {
          get: () => storage.getAlarm(),
          set: (atMs) => storage.setAlarm(atMs),
          delete: () => storage.deleteAlarm(),
        },
        tenant: () => this.#identity.cached(),
      },
      [identityMigrations],
    );
  }

  /**
   * Adds a capability, built from its definition with ports scoped to it. Call it in the
   * constructor only; the order is the order hooks run in. The alarm owner comes first.
   * @returns the capability
   * @throws when called after start, with a name already used, before a capability it requires,
   *   or with a second alarm owner
   */
  protected use<C extends Capability>(def: CapabilityDefinition<C> | AlarmOwnerDefinition<C & AlarmOwner>): C {
    return this.#composition.use(def);
  }

  /** The capabilities in registration order. */
  protected get capabilities(): readonly Capability[] {
    return this.#composition.capabilities;
  }

  /**
   * Starts the DO once: migrations, the tenant from the DO's name, then `onStart` of each
   * capability in order. A failed start is retried by the next event.
   */
  protected ready(): Promise<void> {
    if (this.#started) return Promise.resolve();
    this.#composition.lock();
    this.#starting ??= this.ctx
      .blockConcurrencyWhile(() => this.#start())
      .then(
        () => {
          this.#started = true;
        },
        (err: unknown) => {
          this.#starting = undefined;
          throw err;
        },
      );
    return this.#starting;
  }

  async #start(): Promise<void> {
    const routes = new RouteTable();
    for (const c of this.#composition.capabilities) routes.add(c.name, c.routes ?? []);
    routes.add("platform", [this.#infoRoute()]);
    this.#routes = routes;
    const composition = this.#composition;
    // The tenant is known before any capability starts: from storage, else from the DO's name.
    await composition.start(() => {
      const named = tenantOfName(this.ctx.id.name);
      if (this.#identity.tenant() === null && named !== null) this.#identity.claim(named, systemClock.now());
    });
    for (const c of composition.capabilities) {
      if (c.api)
        this.#targets.set(
          c.name,
          capabilityTarget(c.name, c.api, () => this.ready()),
        );
    }
  }

  /**
   * `GET /info` (read scope, gated like any route): the tenant, the names of the composed
   * capabilities (a client such as the ops console shows only what is installed) and the DO's
   * SQLite size in bytes (`sql.databaseSize`).
   */
  #infoRoute(): Route {
    return {
      method: "GET",
      path: "/info",
      scope: "read",
      handle: ({ tenant }) => ({
        tenant,
        capabilities: this.#composition.capabilities.map((c) => c.name),
        storageBytes: this.ctx.storage.sql.databaseSize,
      }),
    };
  }

  /** The tenant this DO belongs to (null before the first event that names it). */
  protected get tenantId(): string | null {
    return this.#identity.cached();
  }

  #claim(tenant: string): void {
    if (!isTenantId(tenant)) {
      throw new PlatformError("INVALID_TENANT", "tenant id must be a lower-case DNS label of 1–63 characters", {
        status: 400,
      });
    }
    this.#identity.claim(tenant, systemClock.now());
  }

  /**
   * The one RPC accessor: the RPC target of capability `name`, for `tenant`. Another Worker
   * calls `env.TENANT.getByName(tenant).capability("tables", tenant).createTable(spec)` (promise
   * pipelining: one round trip), typed with `Remote<TablesApi>` (the stub's own typing cannot
   * carry a method's type parameter; see `tenantApi`). Every method awaits start first; errors
   * carry `[CODE]`.
   * @throws {TENANT_MISMATCH} 403 when this DO belongs to another tenant
   * @throws {CAPABILITY_NOT_FOUND} 404 when no capability of that name serves an API
   */
  async capability(name: string, tenant: string): Promise<RpcTarget> {
    try {
      await this.ready();
      this.#claim(tenant);
      const target = this.#targets.get(name);
      if (!target) {
        throw new PlatformError("CAPABILITY_NOT_FOUND", `this object serves no RPC target named ${name}`, {
          status: 404,
        });
      }
      return target;
    } catch (err) {
      if (err instanceof PlatformError) throw err;
      console.error(
        JSON.stringify({ level: "error", rpc: name, error: err instanceof Error ? err.stack : String(err) }),
      );
      throw new PlatformError("INTERNAL", `capability(${name}) failed`, { status: 500 });
    }
  }

  /**
   * Serves `/v1/tenants/:tenant/<capability routes>`; every error becomes the JSON error body.
   * An answer given before the body was read (404, 405, 401, 403, 413, 429) drains the body
   * first: the Worker is still streaming it into this DO, and a response that leaves it unread
   * breaks that stream and, with it, the client's keep-alive connection.
   */
  override async fetch(request: Request): Promise<Response> {
    const response = await this.#serve(request);
    if (request.body && !request.bodyUsed) await drain(request.body);
    return response;
  }

  async #serve(request: Request): Promise<Response> {
    const requestId = request.headers.get("x-request-id") ?? crypto.randomUUID();
    let gateHeaders: Record<string, string> = {};
    try {
      await this.ready();
      const url = new URL(request.url);
      const path = parseTenantPath(url.pathname);
      if (!path) throw new PlatformError("NOT_FOUND", `no route for ${url.pathname}`, { status: 404 });
      const { route, params, owner } = this.#routes.match(request.method, path.rest);
      await authenticate(
        request,
        this.env.AUTH_SECRET,
        path.tenant,
        route.scope ?? (route.method === "GET" ? "read" : "write"),
      );
      this.#claim(path.tenant);
      // A route that answers rows picks JSON or Arrow from Accept before anything runs (406 for neither).
      const format: TabularFormat = route.tabular ? negotiateFormat(request.headers.get("accept")) : "json";
      // The gates (the tenant's quota) decide before any body is read.
      for (const c of this.#composition.capabilities) {
        if (!c.gate) continue;
        const decision = await c.gate.admit({ request, tenant: path.tenant, route, owner });
        if (!decision.pass) return decision.response;
        gateHeaders = { ...gateHeaders, ...decision.headers };
      }
      const maxBody = route.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
      // A streaming route reads (and counts) its own body; a declared size over its cap is refused here.
      if (route.body === "stream" && Number(request.headers.get("content-length") ?? "0") > maxBody) {
        throw new PlatformError("PAYLOAD_TOO_LARGE", `request body exceeds ${maxBody} bytes`, { status: 413 });
      }
      const body = route.method === "GET" || route.body === "stream" ? undefined : await readJsonBody(request, maxBody);
      const result = await route.handle({
        params,
        query: url.searchParams,
        body,
        tenant: path.tenant,
        requestId,
        request,
      });
      return withHeaders(await answerOf(result, format, route.tabular === true), gateHeaders);
    } catch (err) {
      if (!(err instanceof PlatformError)) {
        console.error(
          JSON.stringify({ level: "error", requestId, error: err instanceof Error ? err.stack : String(err) }),
        );
      }
      return withHeaders(errorResponse(err, requestId), gateHeaders);
    }
  }

  /** The one alarm seam: only the alarm owner's `onAlarm` runs (it delivers every wake-up). */
  override async alarm(): Promise<void> {
    await this.ready();
    await this.#composition.alarmOwner?.onAlarm();
  }
}

/**
 * The response of a handler's result: a Response as it is; a tabular result in Arrow when that
 * was negotiated (the encoder is imported on first use, so a Worker that never asks for Arrow
 * never initialises apache-arrow); anything else, a tabular result included, as JSON. A tabular
 * route's answers vary with Accept.
 */
async function answerOf(result: unknown, format: TabularFormat, tabular: boolean): Promise<Response> {
  if (result instanceof Response) return result;
  const headers: Record<string, string> = tabular ? { vary: "accept" } : {};
  if (format === "arrow" && isTabular(result)) {
    const { arrowResponse } = await import("@durable/core/arrow");
    return arrowResponse(result, headers);
  }
  return json(result ?? null, 200, headers);
}

/** Reads a body to its end and drops it (an early answer's unread upload). */
async function drain(body: ReadableStream<Uint8Array>): Promise<void> {
  try {
    const reader = body.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      // discard
    }
  } catch {
    // A stream that was cancelled or broke needs no draining.
  }
}

/**
 * `response` with the gates' `headers` added where the route did not set its own (a route
 * about rate limits reports its own key's limits).
 */
function withHeaders(response: Response, headers: Record<string, string>): Response {
  const entries = Object.entries(headers).filter(([name]) => !response.headers.has(name));
  if (entries.length === 0) return response;
  try {
    // A Response this DO made has mutable headers: no copy on the hot path.
    for (const [name, value] of entries) response.headers.set(name, value);
    return response;
  } catch {
    const out = new Response(response.body, response);
    for (const [name, value] of entries) out.headers.set(name, value);
    return out;
  }
}
