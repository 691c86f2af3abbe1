/**
 * The rate-limit capability for `DOBase`: its tables (for its prefix), `onStart` (refresh
 * config plans, ask for the sweep), `onWake` (run the sweep), the `/rate-limit/...` routes, an
 * optional request gate, and its RPC `api`.
 * @module
 */
import {
  type Capability,
  type CapabilityDefinition,
  type CapabilityPorts,
  type MigrationSet,
  parseOrThrow,
  type RequestGate,
  type Route,
  safeParse,
  type WakeEvent,
} from "@durable/core";
import { rlError } from "./errors.ts";
import { type RateLimitGateOptions, rateLimitGate } from "./gate.ts";
import { limiterOf } from "./limiter.ts";
import { rateLimitMigrations } from "./migrations.ts";
import { rateLimitRoutes } from "./routes.ts";
import { type RateLimitApi, rateLimitApi } from "./rpc.ts";
import { NameSchema, type RateLimitConfigInput, RateLimitConfigSchema } from "./schemas.ts";
import { RATE_LIMIT_OWNER, type RateLimiter, SWEEP_WAKE_KEY } from "./types.ts";

/** A composed rate-limit capability. */
export interface RateLimitCapability extends Capability {
  readonly name: string;
  /** The tables of its prefix, owned by its name. */
  readonly migrations: MigrationSet;
  /** The limiter itself, for code in the same DO. */
  readonly limiter: RateLimiter;
  /** Its RPC surface (DOBase serves it as the capability's RPC target). */
  readonly api: RateLimitApi;
  /** The `/rate-limit/...` routes, or none with `routes: false`. */
  readonly routes: readonly Route[];
  /** The request gate, when `gate` was given. */
  readonly gate?: RequestGate;
  onStart(): void;
  onWake(event: WakeEvent): void;
}

/** Options of {@link rateLimitCapability}: the limiter's config, and how it is composed. */
export type RateLimitCapabilityOptions = RateLimitConfigInput & {
  /** The capability's name (default `rate-limit`): its wake-ups, migrations owner and RPC target. */
  name?: string;
  /** Serve the `/rate-limit/...` routes (default true). A limiter callers must not reconfigure says false. */
  routes?: boolean;
  /** Gate every tenant request on this limiter before its body is read. */
  gate?: RateLimitGateOptions;
};

/**
 * Defines the rate-limit capability: `DOBase.use(rateLimitCapability(...))` builds its limiter
 * over the ports scoped to it. The config is validated here, at composition.
 * @param options the limiter's config (`plans`, `defaultPlan`, `cacheSize`, `tablePrefix`),
 * `name`, `routes` and `gate`
 * @returns the definition; its capability exposes `limiter` and the RPC `api`
 * @throws {CONFIG_INVALID} a bad config or name, naming the path
 * @example
 * // The tenant's own limiter, and the platform's quota gate beside it in the same DO:
 * this.use(rateLimitCapability({ plans, defaultPlan: "default" }));
 * this.use(rateLimitCapability({
 *   name: "rate-limit-gate", tablePrefix: "rl_gate_", routes: false, plans: PLANS, defaultPlan: "free",
 *   gate: { key: ({ tenant }) => `tenant:${tenant}` },
 * }));
 */
export function rateLimitCapability(options: RateLimitCapabilityOptions): CapabilityDefinition<RateLimitCapability> {
  const { name = RATE_LIMIT_OWNER, routes = true, gate, ...input } = options;
  if (!safeParse(NameSchema, name).success) {
    throw rlError("CONFIG_INVALID", `name: ${JSON.stringify(name)} must match [a-z0-9_-]{1,64}`);
  }
  const config = parseOrThrow(RateLimitConfigSchema, input, "CONFIG_INVALID");
  const migrations = rateLimitMigrations({ owner: name, prefix: config.tablePrefix });
  return {
    name,
    create(ports: CapabilityPorts): RateLimitCapability {
      const { sql, transactionSync, clock, wake } = ports;
      const limiter = limiterOf({ sql, transactionSync, clock, wake }, config);
      return {
        name,
        migrations,
        limiter,
        api: rateLimitApi(limiter),
        routes: routes ? rateLimitRoutes(limiter) : [],
        ...(gate === undefined ? {} : { gate: rateLimitGate(limiter, gate) }),
        onStart: () => limiter.start(),
        onWake(event: WakeEvent) {
          if (event.key === SWEEP_WAKE_KEY) limiter.onSweepWake();
        },
      };
    },
  };
}
