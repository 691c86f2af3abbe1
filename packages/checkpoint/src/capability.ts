/**
 * `checkpointCapability`: the checkpoint as a composed capability: its `ckpt_*` migrations, the
 * standing wake-ups (`onStart`), `onWake`, the `/checkpoint/...` routes and its RPC `api`.
 * @module
 */
import {
  type Capability,
  type CapabilityDefinition,
  type CapabilityPorts,
  errorResponse,
  json,
  type MigrationSet,
  parseOrThrow,
  type RequestGate,
  type RequiredCapabilities,
  type Route,
  type WakeEvent,
} from "@durable/core";
import * as z from "zod/mini";
import { type Checkpoint, type CheckpointOptions, createCheckpoint } from "./checkpoint.ts";
import type { EpochInfo } from "./coordinator.ts";
import { ckptError } from "./errors.ts";
import type { ManifestPage } from "./local.ts";
import type { Manifest } from "./manifest.ts";
import type { ParticipantMessage, ParticipantReply } from "./messages.ts";
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
  /** Channel data and global-checkpoint messages from another DO (its Transport calls this). */
  receive(message: ParticipantMessage): Promise<ParticipantReply>;
  /** An epoch this DO coordinates. */
  epoch(epoch: number): EpochInfo;
}

/** The composed capability. */
export interface CheckpointCapability extends Capability {
  readonly name: typeof CHECKPOINT;
  readonly checkpoint: Checkpoint;
  readonly migrations: MigrationSet;
  readonly routes: readonly Route[];
  readonly api: CheckpointApi;
  readonly gate: RequestGate;
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
  /** The DO name of participant `label` of `tenant` (default: the label itself). */
  participantName?: (label: string, tenant: string) => string;
}

/** A page size from the query string: an integer 1–100, 50 when absent. */
const PageLimit = z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 50);
const ListQuery = z.object({ limit: PageLimit, cursor: z.optional(z.string().check(z.maxLength(64))) });
const IdSchema = z.string().check(z.regex(/^(latest|[0-9A-Z]{26})$/, "a snapshot id or latest"));

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

const LabelSchema = z.string().check(z.regex(/^[a-z0-9-]{1,48}$/, "a label of 1–48 characters a-z, 0-9 and -"));
const TriggerBody = z.strictObject({ timeoutMs: z.optional(z.int().check(z.gte(1000), z.lte(600_000))) });
const EpochParam = z.coerce.number().check(z.int(), z.gte(1), z.lte(Number.MAX_SAFE_INTEGER));
const EpochsQuery = z.object({
  status: z.optional(z.enum(["pending", "completed", "aborted"])),
  limit: PageLimit,
  cursor: z.optional(z.coerce.number().check(z.int(), z.gte(1))),
});

/** The `/checkpoint/participants`, `/checkpoint/epochs` and `/checkpoint/recover` routes. */
function globalRoutes(cp: Checkpoint, nameOf: (label: string, tenant: string) => string): Route[] {
  const label = (params: Record<string, string>) => parseOrThrow(LabelSchema, params.label, "INVALID_INPUT", "label");
  return [
    {
      method: "PUT",
      path: "/checkpoint/participants/:label",
      handle: ({ params, tenant }) => {
        const name = nameOf(label(params), tenant);
        cp.coordinator.register(name);
        return { participant: name, participants: cp.coordinator.participants() };
      },
    },
    {
      method: "DELETE",
      path: "/checkpoint/participants/:label",
      handle: ({ params, tenant }) => {
        const name = nameOf(label(params), tenant);
        if (!cp.coordinator.unregister(name)) throw ckptError.error("NOT_FOUND", `no participant ${name}`);
        return { participant: name, participants: cp.coordinator.participants() };
      },
    },
    {
      method: "GET",
      path: "/checkpoint/participants",
      handle: () => ({ participants: cp.coordinator.participants() }),
    },
    {
      method: "POST",
      path: "/checkpoint/epochs",
      handle: async ({ body }) => {
        const b = parseOrThrow(TriggerBody, body ?? {});
        return json(await cp.coordinator.trigger(b.timeoutMs === undefined ? {} : { timeoutMs: b.timeoutMs }), 202);
      },
    },
    {
      method: "GET",
      path: "/checkpoint/epochs",
      handle: ({ query }) => {
        const q = parseOrThrow(EpochsQuery, Object.fromEntries(query));
        return cp.coordinator.epochs({
          limit: q.limit,
          ...(q.status ? { status: q.status } : {}),
          ...(q.cursor ? { before: q.cursor } : {}),
        });
      },
    },
    {
      method: "GET",
      path: "/checkpoint/epochs/:epoch",
      handle: ({ params }) => cp.coordinator.epoch(parseOrThrow(EpochParam, params.epoch, "INVALID_INPUT", "epoch")),
    },
    {
      method: "POST",
      path: "/checkpoint/recover",
      scope: "checkpoint:restore",
      handle: () => cp.coordinator.recover(),
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
  const { requires, wire, setup, useBlobs = true, participantName, ...rest } = options;
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
        routes: [...localRoutes(checkpoint), ...globalRoutes(checkpoint, participantName ?? ((label) => label))],
        api: {
          local: () => checkpoint.local(),
          restore: async (id) => checkpoint.restore(parseOrThrow(IdSchema, id, "INVALID_INPUT", "id")),
          get: (id) => checkpoint.get(id),
          list: (limit, cursor) => checkpoint.list(limit, cursor),
          receive: (message) => checkpoint.receive(message),
          epoch: (epoch) => checkpoint.coordinator.epoch(epoch),
        },
        // While a recovery rolls this DO back, every request waits outside: 503 RECOVERING.
        gate: {
          admit: () =>
            checkpoint.recovering()
              ? {
                  pass: false,
                  response: errorResponse(
                    ckptError.error("RECOVERING", "this DO is recovering a global checkpoint; retry"),
                  ),
                }
              : { pass: true, headers: {} },
        },
        onStart: () => checkpoint.start(),
        onWake: (event) => checkpoint.onWake(event),
      };
    },
  };
}
