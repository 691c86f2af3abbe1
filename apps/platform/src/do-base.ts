/**
 * `DOBase`: the Durable Object runtime every platform DO is built on.
 *
 * It composes capabilities (plain objects from package factories) instead of inheriting
 * features: a subclass calls `use()` in its constructor, in a fixed order. On the first event
 * (request, alarm or RPC) DOBase runs every capability's migrations, then their `onStart`, inside
 * `blockConcurrencyWhile`; after that `use()` throws. It serves capability routes below
 * `/v1/tenants/:tenant`, checks the token again (the Worker checked it first), records the
 * tenant it belongs to on first contact and refuses any other tenant afterwards.
 * @module
 */

import { DurableObject } from "cloudflare:workers";
import {
  type AlarmPort,
  type Capability,
  type Clock,
  errorResponse,
  json,
  PlatformError,
  type RowChange,
  runMigrations,
  type Sql,
  systemClock,
  type TransactionSync,
  type Wake,
  type WakeEvent,
} from "@durable/core";
import { authenticate } from "./auth.ts";
import { DEFAULT_MAX_BODY_BYTES, readJsonBody } from "./body.ts";
import { identityMigrations, TenantIdentity } from "./identity.ts";
import { RouteTable } from "./router.ts";
import { parseTenantPath } from "./tenancy.ts";

/** What DOBase reads from the environment. */
export interface BaseEnv {
  AUTH_SECRET?: string;
}

/** The ports DOBase hands to capability factories. */
export interface DOPorts {
  sql: Sql;
  transactionSync: TransactionSync;
  clock: Clock;
  /** The raw alarm: only the alarm owner (the scheduler) may use it. */
  alarm: AlarmPort;
  /** Wake-ups through the alarm owner: `set(owner, key, atMs)` calls the owner capability's `onWake`. */
  wake: Wake;
}

/**
 * The capability that owns the DO's one alarm (the scheduler). DOBase's `alarm()` calls only its
 * `onAlarm`, and at start DOBase registers every other capability's `onWake` with it under the
 * capability's name, so `ports.wake.set(name, key, at)` reaches that capability later.
 */
export interface AlarmOwner extends Capability {
  onAlarm(): void | Promise<void>;
  readonly wake: Wake;
  registerWake(owner: string, fn: (event: WakeEvent) => void | Promise<void>): void;
}

/** The base class of every platform DO: lifecycle, routing, tenancy and errors. */
export abstract class DOBase<E extends BaseEnv = BaseEnv> extends DurableObject<E> {
  /** The ports to pass to capability factories in the subclass constructor. */
  protected readonly ports: DOPorts;
  readonly #capabilities: Capability[] = [];
  #alarmOwner: AlarmOwner | undefined;
  #routes = new RouteTable();
  readonly #identity: TenantIdentity;
  #starting: Promise<void> | undefined;
  #started = false;
  /** Set by the first event: from then on the set of capabilities is fixed, even if start fails. */
  #locked = false;

  constructor(ctx: DurableObjectState, env: E) {
    super(ctx, env);
    const storage = ctx.storage;
    this.ports = {
      sql: storage.sql,
      transactionSync: (fn) => storage.transactionSync(fn),
      clock: systemClock,
      alarm: {
        get: () => storage.getAlarm(),
        set: (atMs) => storage.setAlarm(atMs),
        delete: () => storage.deleteAlarm(),
      },
      wake: {
        set: (owner, key, atMs, payload) => this.#requireAlarmOwner().wake.set(owner, key, atMs, payload),
        cancel: (owner, key) => this.#requireAlarmOwner().wake.cancel(owner, key),
      },
    };
    this.#identity = new TenantIdentity(this.ports.sql);
  }

  /**
   * Adds a capability. Call it in the constructor only; order is the order hooks run in.
   * @throws when called after start or with a name already used
   */
  protected use(capability: Capability): this {
    if (this.#locked) throw new Error(`use(${capability.name}) after start: capabilities are fixed at construction`);
    if (this.#capabilities.some((c) => c.name === capability.name)) {
      throw new Error(`capability ${capability.name} is registered twice`);
    }
    this.#capabilities.push(capability);
    return this;
  }

  /**
   * Adds the alarm owner (the scheduler). Call it first in the constructor, before `use()`.
   * @throws when an alarm owner is already set or other capabilities came first
   */
  protected useAlarmOwner(owner: AlarmOwner): this {
    if (this.#alarmOwner) throw new Error(`alarm owner ${this.#alarmOwner.name} is already set`);
    if (this.#capabilities.length > 0) throw new Error("the alarm owner must be the first capability");
    this.use(owner);
    this.#alarmOwner = owner;
    return this;
  }

  #requireAlarmOwner(): AlarmOwner {
    if (!this.#alarmOwner)
      throw new Error("this DO has no alarm owner: call useAlarmOwner(schedulerCapability(...)) first");
    return this.#alarmOwner;
  }

  /**
   * The write-path seam: hands one row change to the `onRowsWritten` hook of every capability,
   * in registration order. The tables capability takes it as an observer and calls it inside
   * each write's `transactionSync`, so a hook that throws rolls the write back.
   */
  protected readonly rowsWritten = (table: string, change: RowChange): void => {
    for (const capability of this.#capabilities) capability.onRowsWritten?.(table, change);
  };

  /** The capabilities in registration order. */
  protected get capabilities(): readonly Capability[] {
    return this.#capabilities;
  }

  /**
   * Starts the DO once: migrations, then `onStart` of each capability in order. RPC methods of
   * subclasses await it first. A failed start is retried by the next event.
   */
  protected ready(): Promise<void> {
    if (this.#started) return Promise.resolve();
    this.#locked = true;
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
    const { sql, transactionSync, clock } = this.ports;
    runMigrations(sql, transactionSync, identityMigrations, clock.now());
    for (const capability of this.#capabilities) {
      if (capability.migrations) runMigrations(sql, transactionSync, capability.migrations, clock.now());
    }
    const routes = new RouteTable();
    for (const capability of this.#capabilities) routes.add(capability.name, capability.routes ?? []);
    this.#routes = routes;
    const owner = this.#alarmOwner;
    if (owner) {
      for (const capability of this.#capabilities) {
        const onWake = capability.onWake?.bind(capability);
        if (capability !== owner && onWake) owner.registerWake(capability.name, onWake);
      }
    }
    for (const capability of this.#capabilities) await capability.onStart?.();
  }

  /** The tenant this DO belongs to (recorded on first contact; null before it). */
  protected get tenantId(): string | null {
    return this.#identity.tenant();
  }

  /** Serves `/v1/tenants/:tenant/<capability routes>`; every error becomes the JSON error body. */
  override async fetch(request: Request): Promise<Response> {
    const requestId = request.headers.get("x-request-id") ?? crypto.randomUUID();
    try {
      await this.ready();
      const url = new URL(request.url);
      const path = parseTenantPath(url.pathname);
      if (!path) throw new PlatformError("NOT_FOUND", `no route for ${url.pathname}`, { status: 404 });
      const { route, params } = this.#routes.match(request.method, path.rest);
      await authenticate(
        request,
        this.env.AUTH_SECRET,
        path.tenant,
        route.scope ?? (route.method === "GET" ? "read" : "write"),
      );
      this.#identity.claim(path.tenant, this.ports.clock.now());
      const body =
        route.method === "GET" ? undefined : await readJsonBody(request, route.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
      const result = await route.handle({
        params,
        query: url.searchParams,
        body,
        tenant: path.tenant,
        requestId,
        request,
      });
      return result instanceof Response ? result : json(result ?? null);
    } catch (err) {
      if (!(err instanceof PlatformError)) {
        console.error(
          JSON.stringify({ level: "error", requestId, error: err instanceof Error ? err.stack : String(err) }),
        );
      }
      return errorResponse(err, requestId);
    }
  }

  /**
   * The one alarm seam: with an alarm owner (the scheduler) only its `onAlarm` runs (one pass over
   * its queue); a DO without one runs each capability's `onAlarm` in order.
   */
  override async alarm(): Promise<void> {
    await this.ready();
    if (this.#alarmOwner) {
      await this.#alarmOwner.onAlarm();
      return;
    }
    for (const capability of this.#capabilities) await capability.onAlarm?.();
  }
}
