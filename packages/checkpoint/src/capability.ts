/**
 * `checkpointCapability`: the checkpoint as a composed capability: its `ckpt_*` migrations, the
 * standing wake-ups (`onStart`), `onWake`, the `/checkpoint/...` routes and its RPC `api`.
 * @module
 */
import {
  type Capability,
  type CapabilityDefinition,
  type CapabilityPorts,
  json,
  type MigrationSet,
  parseOrThrow,
  type RequiredCapabilities,
  type Route,
  type WakeEvent,
} from "@durable/core";
import { z } from "zod";
import { type Checkpoint, type CheckpointOptions, createCheckpoint } from "./checkpoint.ts";
import type { ManifestPage } from "./local.ts";
import type { Manifest } from "./manifest.ts";
import { CHECKPOINT_MIGRATIONS } from "./migrations.ts";

/** The capability's name: its wake-ups, migrations owner and RPC target. */
export const CHECKPOINT = "checkpoint";

/** The scope restore and recover need (they destroy newer state). */
export const RESTORE_SCOPE = "checkpoint:restore";

/** The RPC API of the checkpoint capability. */
export interface CheckpointApi {
  local(): Promise<Manifest>;
  restore(id: string): Promise<Manifest>;
  get(id: string): Manifest;
  list(limit?: number, cursor?: string): ManifestPage;
}

/** The composed capability. */
export interface CheckpointCapability extends Capability {
  readonly name: typeof CHECKPOINT;
  readonly checkpoint: Checkpoint;
  readonly migrations: MigrationSet;
  readonly routes: readonly Route[];
  readonly api: CheckpointApi;
  onStart(): void;
  onWake(event: WakeEvent): Promise<void>;
}

/** Options of {@link checkpointCapability}. */
export interface CheckpointCapabilityOptions extends CheckpointOptions {
  /** Capabilities the host's `wire`/`setup` reads (e.g. `["tables"]`). */
  requires?: string[];
  /** More options from the composed capabilities (e.g. the tables' swap transaction). */
  wire?: (ports: CapabilityPorts, required: RequiredCapabilities) => Partial<CheckpointOptions>;
  /** Put large checkpoints in the `blobs` port (default true); false keeps every chunk in SQLite. */
  useBlobs?: boolean;
  /** Registers the host's operators. */
  setup?: (cp: Checkpoint, ports: CapabilityPorts, required: RequiredCapabilities) => void;
}

const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(64).optional(),
});
const IdSchema = z.string().regex(/^(latest|[0-9A-Z]{26})$/, "a snapshot id or latest");

/** The `/checkpoint/local` routes. */
function localRoutes(cp: Checkpoint): Route[] {
  return [
    { method: "POST", path: "/checkpoint/local", handle: async () => json(await cp.local(), 201) },
    {
      method: "GET",
      path: "/checkpoint/local",
      handle: ({ query }) => {
        const q = parseOrThrow(ListQuery, Object.fromEntries(query));
        return cp.list(q.limit, q.cursor);
      },
    },
    {
      method: "GET",
      path: "/checkpoint/local/:id",
      handle: ({ params }) => cp.get(parseOrThrow(IdSchema, params.id, "INVALID_INPUT", "id")),
    },
    {
      method: "POST",
      path: "/checkpoint/local/:id/restore",
      scope: "checkpoint:restore",
      handle: ({ params }) => cp.restore(parseOrThrow(IdSchema, params.id, "INVALID_INPUT", "id")),
    },
  ];
}

/**
 * Defines the checkpoint capability; compose it last, after everything its operators capture.
 * @param options the configuration, wiring and the host's operators
 * @returns the definition (`name: "checkpoint"`)
 * @throws {CONFIG_INVALID} 400 for a bad configuration (at construction)
 * @example
 * this.use(checkpointCapability({ setup: (cp) => cp.registerOperator("meta", tablesOperator(sql, ["meta_kv"])) }));
 */
export function checkpointCapability(
  options: CheckpointCapabilityOptions = {},
): CapabilityDefinition<CheckpointCapability> {
  const { requires, wire, setup, useBlobs = true, ...rest } = options;
  return {
    name: CHECKPOINT,
    ...(requires ? { requires } : {}),
    create(ports, required) {
      const { blobs, ...others } = ports;
      const checkpoint = createCheckpoint(useBlobs ? ports : others, { ...rest, ...wire?.(ports, required) });
      setup?.(checkpoint, ports, required);
      return {
        name: CHECKPOINT,
        checkpoint,
        migrations: CHECKPOINT_MIGRATIONS,
        routes: localRoutes(checkpoint),
        api: {
          local: () => checkpoint.local(),
          restore: async (id) => checkpoint.restore(parseOrThrow(IdSchema, id, "INVALID_INPUT", "id")),
          get: (id) => checkpoint.get(id),
          list: (limit, cursor) => checkpoint.list(limit, cursor),
        },
        onStart: () => checkpoint.start(),
        onWake: (event) => checkpoint.onWake(event),
      };
    },
  };
}
