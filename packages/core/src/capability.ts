/**
 * The contract between a package and the runtime: a capability is a plain object made by a
 * package's factory. `DOBase` (apps/platform) runs its migrations, calls its hooks in a fixed
 * order and serves its routes; the package never sees `ctx` or `env`.
 * @module
 */
import type { MigrationSet } from "./migrations.ts";
import type { SqlRow } from "./sql.ts";
import type { WakeEvent } from "./wake.ts";

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
  /** The original request (headers, method, url). Its body is already consumed. */
  request: Request;
}

/** A handler returns a `Response`, or any JSON value (sent as 200). */
export type RouteResult = Response | unknown;

/** One HTTP route of a capability, below `/v1/tenants/:tenant`. */
export interface Route {
  method: HttpMethod;
  /** Path with `:param` segments, e.g. `/meta/:key`. */
  path: string;
  /** Token scope required (default `read` for GET, `write` otherwise). */
  scope?: string;
  /** Largest body accepted, in bytes (default 1 MB). */
  maxBodyBytes?: number;
  handle(request: RouteRequest): RouteResult | Promise<RouteResult>;
}

/**
 * A composable unit of a Durable Object. Every member is optional except `name`.
 * Hooks run in registration order; the first capability registered is started first.
 */
export interface Capability {
  /** Unique within a DO; the owner name of its wake-ups. */
  readonly name: string;
  /** Its prefixed, versioned tables. */
  readonly migrations?: MigrationSet;
  /** After all migrations ran, before the first event is served. */
  onStart?(): void | Promise<void>;
  /** The DO alarm fired. Only the alarm owner (the scheduler) should implement this. */
  onAlarm?(): void | Promise<void>;
  /** A wake-up this capability asked for through the `Wake` port is due. */
  onWake?(event: WakeEvent): void | Promise<void>;
  /** HTTP routes below `/v1/tenants/:tenant`. */
  readonly routes?: readonly Route[];
  /**
   * Rows of the user table `table` (its catalog name) changed. Called synchronously inside the
   * write's `transactionSync`, once per write call: throwing rolls the whole write back.
   * The estimator, pre-agg and the query router observe the one write path through this.
   */
  onRowsWritten?(table: string, change: RowChange): void;
}

/** The DO alarm as a port: only the scheduler uses it. */
export interface AlarmPort {
  get(): Promise<number | null>;
  set(atMs: number): Promise<void>;
  delete(): Promise<void>;
}
