/**
 * Vector search as a capability of a tenant DO (thin: the logic is `VectorStore`). It owns the
 * `vec_` migrations, the `train:<index>` and `drop:<id>` wake-ups, the `/vector` routes and its
 * RPC target. Compose it after tables: it does not require them.
 * @module
 */
import type { Capability, CapabilityDefinition, CapabilityPorts, MigrationSet, Route, WakeEvent } from "@durable/core";
import { type VectorApi, vectorApi } from "./api.ts";
import { VECTOR_MIGRATIONS } from "./migrations.ts";
import { vectorRoutes } from "./routes.ts";
import type { VectorStore } from "./store.ts";

/** The capability's name: wake owner, migrations owner, RPC target. */
export const VECTOR = "vector";

/** The composed capability. */
export interface VectorCapability extends Capability {
  readonly name: typeof VECTOR;
  readonly store: VectorStore;
  readonly migrations: MigrationSet;
  readonly routes: readonly Route[];
  readonly api: VectorApi;
}

/** Options of {@link vectorCapability}. */
export interface VectorCapabilityOptions {
  /** Bind every vector and query to the tenant's namespace (the platform does). */
  tenantNamespace?: boolean;
}

/**
 * The capability's definition for `DOBase.use()`, from a store or from a function that builds
 * one over the capability's scoped ports (its `wake` is bound to `vector`).
 * @example
 * this.use(vectorCapability((ports) => createVectorStore(ports, { embedder })));
 */
export function vectorCapability(
  store: VectorStore | ((ports: CapabilityPorts) => VectorStore),
  o: VectorCapabilityOptions = {},
): CapabilityDefinition<VectorCapability> {
  return {
    name: VECTOR,
    create: (ports) => {
      const s = typeof store === "function" ? store(ports) : store;
      const api = vectorApi(s, o.tenantNamespace ? { namespace: () => ports.tenant() } : {});
      return {
        name: VECTOR,
        store: s,
        migrations: VECTOR_MIGRATIONS,
        routes: vectorRoutes(api),
        onWake: (event: WakeEvent) => s.onWake(event),
        api,
      };
    },
  };
}
