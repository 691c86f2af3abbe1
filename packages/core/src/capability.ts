/**
 * The contract between a package and the runtime. A package exports a definition
 * (`xxxCapability(config)`) that `DOBase` (apps/platform) turns into a capability with ports
 * scoped to it: its migrations run, its hooks are called in a fixed order, its routes are
 * served, and its `api` becomes its own Workers RPC target. The package never sees `ctx` or
 * `env`.
 * @module
 */
import type { Background } from "./background.ts";
import type { BlobStore } from "./blob-store.ts";
import type { Clock } from "./clock.ts";
import type { MigrationSet } from "./migrations.ts";
import type { Sql, SqlRow, TransactionSync } from "./sql.ts";
import type { Wake, WakeEvent, WakeRouter } from "./wake.ts";

/**
 * The rows one write changed in a user table, as stored (catalog column names, SQL values).
 * `updated` pairs each row's value before the write with its value after.
 */
export interface RowChange {
  inserted: SqlRow[];
  updated: [before: SqlRow, after: SqlRow][];
  deleted: SqlRow[];
}

/** HTTP methods a route may answer. */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** What a route handler receives. */
export interface RouteRequest {
  /** `:name` segments of the route path, URL-decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body (undefined when the request had none). */
  body: unknown;
  /** The tenant that owns this DO. */
  tenant: string;
  requestId: string;
  /** The original request (headers, method, url). Its body is already consumed, unless the route reads it as a stream (`body: "stream"`). */
  request: Request;
}

/** A handler returns a `Response`, or any JSON value (sent as 200). */
export type RouteResult = Response | unknown;

/** One HTTP route of a capability, below `/v1/tenants/:tenant`. */
export interface Route {
  method: HttpMethod;
  /** Path with `:param` segments, e.g. `/meta/:key`. */
  path: string;
  /** Token scope required (default `read` for GET, `write` otherwise). The DO checks it. */
  scope?: string;
  /** Largest body accepted, in bytes (default 1 MB). */
  maxBodyBytes?: number;
  /**
   * How the body reaches the handler: `json` (default) parsed into `body`, or `stream`: DOBase
   * reads nothing (so a 100 MB upload never sits in memory), refuses a declared Content-Length
   * over `maxBodyBytes` with 413, and the handler reads `request.body` itself and must count
   * the bytes it reads against `maxBodyBytes` (a missing or false Content-Length).
   */
  body?: "json" | "stream";
  /**
   * The route answers rows as a `TabularResult` (`tabular()`), so it can answer an Arrow IPC
   * stream as well as JSON: the host negotiates from `Accept` before the handler runs (406
   * NOT_ACCEPTABLE for neither) and encodes the result it returns. docs/arrow.md.
   */
  tabular?: boolean;
  handle(request: RouteRequest): RouteResult | Promise<RouteResult>;
}

/** A request as a gate sees it: authenticated and routed, its body not yet read. */
export interface GateRequest {
  request: Request;
  tenant: string;
  route: Route;
  /** The name of the capability that owns `route`. */
  owner: string;
}

/** A gate's answer: let the request through (adding headers to its response) or answer it. */
export type GateDecision = { pass: true; headers: Record<string, string> } | { pass: false; response: Response };

/**
 * Decides a tenant request before any route reads its body (the tenant's request quota).
 * DOBase runs the gates of its capabilities in registration order; the first refusal answers.
 */
export interface RequestGate {
  admit(request: GateRequest): GateDecision | Promise<GateDecision>;
}

/**
 * A composable unit of a Durable Object, made by a {@link CapabilityDefinition}. Every member is
 * optional except `name`. Hooks run in registration order.
 */
export interface Capability {
  /** Unique within a DO; the owner name of its wake-ups and of its RPC target. */
  readonly name: string;
  /** Its prefixed, versioned tables. Only DOBase runs them, before `onStart`. */
  readonly migrations?: MigrationSet;
  /** After all migrations ran, before the first event is served. */
  onStart?(): void | Promise<void>;
  /** A wake-up this capability asked for through its `Wake` port is due. */
  onWake?(event: WakeEvent): void | Promise<void>;
  /** HTTP routes below `/v1/tenants/:tenant`. */
  readonly routes?: readonly Route[];
  /** Runs before the body of any route is read (the tenant's quota). */
  readonly gate?: RequestGate;
  /**
   * The capability's RPC API: DOBase serves its methods as this capability's Workers RPC
   * target, awaiting start and checking the tenant before each call. Errors reach the caller
   * with `[CODE]` in the message (`errorCodeOf` reads it).
   */
  readonly api?: object;
}

/** The DO alarm as a port: only the alarm owner gets it. */
export interface AlarmPort {
  get(): Promise<number | null>;
  set(atMs: number): Promise<void>;
  delete(): Promise<void>;
}

/** The ports DOBase hands to a capability, scoped to it. */
export interface CapabilityPorts {
  sql: Sql;
  transactionSync: TransactionSync;
  clock: Clock;
  /** This capability's wake-ups (bound to its name). */
  wake: Wake;
  /** Object storage (R2 `BLOBS` in a DO, `MemoryBlobStore` in Node tests). */
  blobs: BlobStore;
  /** Work after the response (`ctx.waitUntil`). */
  background: Background;
  /** The tenant this DO belongs to; null only before the first event that names it. */
  tenant(): string | null;
}

/** What the alarm owner gets on top: the raw alarm. */
export interface AlarmOwnerPorts extends CapabilityPorts {
  alarm: AlarmPort;
}

/**
 * The capability that owns the DO's one alarm (the scheduler). DOBase's `alarm()` calls only its
 * `onAlarm`, and registers every other capability's `onWake` with it under the capability's name.
 */
export interface AlarmOwner extends Capability {
  onAlarm(): void | Promise<void>;
  /** Wake-ups of every owner; DOBase scopes them into each capability's `wake`. */
  readonly wakes: WakeRouter;
  registerWake(owner: string, fn: (event: WakeEvent) => void | Promise<void>): void;
}

/** The capabilities a definition declared in `requires`, already built. */
export interface RequiredCapabilities {
  /**
   * A required capability by name.
   * @throws when `name` was not declared in `requires`
   */
  get<C extends Capability>(name: string): C;
}

/**
 * How a package offers a capability: `xxxCapability(config)` returns one, `DOBase.use()` builds
 * it with ports scoped to `name` once the capabilities it `requires` are in place.
 */
export interface CapabilityDefinition<C extends Capability = Capability> {
  readonly name: string;
  /** Capabilities that must be composed before this one (e.g. `["tables"]`). */
  readonly requires?: readonly string[];
  create(ports: CapabilityPorts, required: RequiredCapabilities): C;
}

/** The definition of the alarm owner: composed first, it alone receives the raw alarm. */
export interface AlarmOwnerDefinition<C extends AlarmOwner = AlarmOwner> {
  readonly name: string;
  readonly ownsAlarm: true;
  create(ports: AlarmOwnerPorts): C;
}

/**
 * A capability API as a caller in another Worker sees it over RPC: every method returns a
 * promise. Callers type their stub with it, without importing the platform:
 * @example
 * import type { Remote } from "@durable/core";
 * import type { TablesApi } from "@durable/tables";
 * interface TenantStub { capability(name: "tables", tenant: string): Remote<TablesApi> }
 */
export type Remote<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};
