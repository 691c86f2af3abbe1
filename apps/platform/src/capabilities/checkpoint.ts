/**
 * `checkpoint` in the platform: the checkpoint capability of a tenant DO, with the tenant's
 * operators — `tables` (catalog and user tables), `scheduler` (`sched_*` except other
 * capabilities' wake-ups; `afterRestore` reloads the scheduler) and `meta` (`meta_kv`). Never
 * captured: `platform_identity`, `core_migrations`, `ckpt_*`, `cdc_*` (LSNs never go back),
 * `rl_*` (a restore would refund quota). Restores run inside the tables' event transaction.
 * @module
 */
import {
  CHECKPOINT_STATUS,
  type CheckpointApi,
  type CheckpointCapability,
  type CheckpointCode,
  checkpointCapability,
  ckptError,
  migrationVersion,
  type Operator,
  type Transport,
  tablesOperator,
} from "@durable/checkpoint";
import { type CapabilityDefinition, fromRemoteError, type Remote, type Sql } from "@durable/core";
import type { SchedulerCapability } from "@durable/scheduler";
import type { TablesCapability } from "@durable/tables";
import * as z from "zod/mini";
import { tenantTablesOperator } from "./checkpoint-tables.ts";

/** The scheduler's tables, `sched_stats` last (its triggers' table: the captured rows win). */
function schedulerTables(sql: Sql): (string | { table: string; where: string })[] {
  const names = sql
    .exec<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'sched\\_%' ESCAPE '\\' ORDER BY name",
    )
    .toArray()
    .map((r) => r.name)
    .filter((n) => n !== "sched_stats");
  // Other capabilities' wake-ups live in sched_queue: they are theirs, not the tenant's schedules.
  return [...names.map((n) => (n === "sched_queue" ? { table: n, where: "kind != 'wake'" } : n)), "sched_stats"];
}

/** The scheduler operator: its tables, then `reload()` after the swap. */
function schedulerOperator(sql: Sql, capability: SchedulerCapability): Operator {
  const inner = () => tablesOperator(sql, schedulerTables(sql));
  return {
    schemaVersion: () => migrationVersion(sql, "scheduler"),
    capture: () => inner().capture(),
    restore: (records) => inner().restore(records),
    afterRestore: () => capability.scheduler.reload(),
  };
}

/** Where the DO's bookmark and name come from. */
export interface PlatformCheckpointContext {
  /** `ctx.storage.getCurrentBookmark()`. */
  bookmark: () => Promise<string>;
  /** The DO's name (`<tenant>` or `<tenant>:<label>`), when the runtime gives it. */
  name: () => string | undefined;
  /** The namespace of the tenant DOs: participants of global checkpoints and channel peers. */
  tenants?: DurableObjectNamespace;
}

interface CheckpointStub {
  capability(name: "checkpoint", tenant: string): Remote<CheckpointApi>;
}

/**
 * The Transport of a tenant DO: the checkpoint RPC target of `<tenant>` or `<tenant>:<label>`.
 * Another tenant's DO is refused (403 TENANT_MISMATCH) before any call; errors come back with
 * their code (`fromRemoteError`).
 */
export function tenantTransport(namespace: DurableObjectNamespace, tenant: () => string | null): Transport {
  return {
    async send(to, message) {
      const t = tenant();
      if (!t || (to !== t && !to.startsWith(`${t}:`))) {
        throw ckptError.error("TENANT_MISMATCH", `${to} is not a DO of tenant ${t ?? "(unknown)"}`);
      }
      const stub = namespace.getByName(to) as unknown as CheckpointStub;
      try {
        return await stub.capability("checkpoint", t).receive(message);
      } catch (err) {
        // RPC keeps only the `[CODE]` prefix: give the code its status again.
        const remote = fromRemoteError(err);
        if (remote && remote.code in CHECKPOINT_STATUS)
          throw ckptError.error(remote.code as CheckpointCode, remote.detail);
        throw remote ?? err;
      }
    },
  };
}

/**
 * The checkpoint capability of a platform DO; compose it last (it requires tables and the
 * scheduler).
 * @example
 * this.use(platformCheckpoint({ bookmark: () => ctx.storage.getCurrentBookmark(), name: () => ctx.id.name }));
 */
export function platformCheckpoint(context: PlatformCheckpointContext): CapabilityDefinition<CheckpointCapability> {
  return checkpointCapability({
    requires: ["scheduler", "tables"],
    bookmark: context.bookmark,
    participantName: (label, tenant) => `${tenant}:${label}`,
    wire: (ports, required) => {
      const { tables } = required.get<TablesCapability>("tables");
      const self = () => context.name() ?? ports.tenant() ?? "unknown";
      return {
        swapTransaction: (fn) => tables.events.transact(() => fn()),
        self,
        blobPrefixOf: () => `ckpt/${ports.tenant() ?? "unknown"}/${self()}`,
        ...(context.tenants ? { transport: tenantTransport(context.tenants, () => ports.tenant()) } : {}),
      };
    },
    setup: (cp, { sql }, required) => {
      cp.registerOperator("tables", tenantTablesOperator(sql, required.get<TablesCapability>("tables").tables));
      cp.registerOperator("scheduler", schedulerOperator(sql, required.get<SchedulerCapability>("scheduler")));
      cp.registerOperator(
        "meta",
        tablesOperator(sql, ["meta_kv"], () => migrationVersion(sql, "meta")),
      );
      // Tenants schedule checkpoints with POST /scheduler/schedules: the handlers live here, beside
      // the checkpoint they call, registered on the scheduler this capability requires.
      const { scheduler } = required.get<SchedulerCapability>("scheduler");
      scheduler.handler("checkpoint.local", z.optional(z.strictObject({})), async () => {
        await cp.local();
      });
      const GlobalSchema = z.optional(
        z.strictObject({ timeoutMs: z.optional(z.int().check(z.gte(1000), z.lte(600_000))) }),
      );
      scheduler.handler("checkpoint.global", GlobalSchema, async (p) => {
        await cp.coordinator.trigger(p?.timeoutMs === undefined ? {} : { timeoutMs: p.timeoutMs });
      });
    },
  });
}
