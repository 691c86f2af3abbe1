/**
 * Local checkpoints of one DO: `local()` (capture, encode, commit, retention) and `restore()`
 * (verify, decode, swap), one operation at a time (409 CHECKPOINT_BUSY otherwise).
 * @module
 */
import { newId, type TransactionSync } from "@durable/core";
import { type CapturePorts, type CheckpointMetrics, commitStage, dropStage, stage } from "./capture.ts";
import type { CheckpointConfig } from "./config.ts";
import { ckptError } from "./errors.ts";
import { type Manifest, type ManifestSummary, readManifest, summarize } from "./manifest.ts";
import type { OperatorRegistry } from "./operators.ts";
import { checkSchemas, swap, verifyAndStage } from "./restore.ts";
import { collect, type GcReport, prune } from "./retention.ts";

/** Hooks of {@link LocalCheckpoints}. */
export interface LocalHooks {
  /** `ctx.storage.getCurrentBookmark()`: read right after the capture, stored as a marker. */
  bookmark?: () => Promise<string>;
  /** The swap transaction (default `transactionSync`). */
  swapTransaction?: TransactionSync;
  /** Called with `CHECKPOINT_LARGE` and the raw size when a checkpoint passes `warnRawBytes`. */
  onWarning?: (code: "CHECKPOINT_LARGE", detail: { snapshotId: string; rawBytes: number }) => void;
  /** Snapshot ids retention must keep (the latest completed global epoch's). */
  protectedSnapshots?: () => ReadonlySet<string>;
  /** The BlobStore prefix, read at each write (overrides the configured one). */
  blobPrefixOf?: () => string;
  /** True while this DO holds a pending epoch's capture (local and restore are then busy). */
  holdsPendingCapture?: () => boolean;
}

/** One page of {@link LocalCheckpoints.list}. */
export interface ManifestPage {
  items: ManifestSummary[];
  cursor: string | null;
}

/** Local checkpoints over the ports of one DO. */
export class LocalCheckpoints {
  readonly #ports: CapturePorts;
  readonly #config: CheckpointConfig;
  readonly #registry: OperatorRegistry;
  readonly #hooks: LocalHooks;
  /** Snapshot ids being encoded now: GC leaves their chunks alone. */
  readonly active = new Set<string>();
  #busy: string | null = null;
  readonly metrics: CheckpointMetrics = {
    checkpoints: 0,
    restores: 0,
    largeWarnings: 0,
    lastRawBytes: 0,
    lastStoredBytes: 0,
  };

  constructor(ports: CapturePorts, config: CheckpointConfig, registry: OperatorRegistry, hooks: LocalHooks = {}) {
    this.#ports = ports;
    this.#config = config;
    this.#registry = registry;
    this.#hooks = hooks;
  }

  /**
   * Runs `fn` as this DO's one checkpoint operation.
   * @throws {CHECKPOINT_BUSY} 409 while another runs, or a pending epoch's capture is held
   */
  async exclusive<T>(what: string, fn: () => Promise<T>, ignorePending = false): Promise<T> {
    if (this.#busy) throw ckptError.error("CHECKPOINT_BUSY", `a ${this.#busy} is running; retry after it ends`);
    if (!ignorePending && this.#hooks.holdsPendingCapture?.()) {
      throw ckptError.error("CHECKPOINT_BUSY", "this DO holds the capture of a pending global epoch");
    }
    this.#busy = what;
    try {
      return await fn();
    } finally {
      this.#busy = null;
    }
  }

  /** True while a checkpoint operation runs. */
  get busy(): boolean {
    return this.#busy !== null;
  }

  /**
   * Takes a local checkpoint: one `transactionSync` stages every operator (the cut), then the
   * copy is encoded and committed with its manifest last.
   * @throws {CHECKPOINT_BUSY} 409 @throws {CHECKPOINT_TOO_LARGE} 413 (nothing written)
   */
  local(): Promise<Manifest> {
    return this.exclusive("checkpoint", async () => {
      const snapshotId = newId();
      const stageId = `l:${snapshotId}`;
      this.#ports.transactionSync(() => stage(this.#ports.sql, this.#registry, this.#config, stageId));
      return this.encodeStaged(stageId, snapshotId, 0);
    });
  }

  /**
   * Encodes and commits a staged capture (for a local checkpoint or a global epoch's), then
   * applies retention. On failure the stage of a local checkpoint is dropped and the garbage
   * collected; `keepStage` keeps it (a participant resumes from it).
   */
  async encodeStaged(
    stageId: string,
    snapshotId: string,
    epoch: number,
    options: { extra?: Record<string, unknown>; inCommit?: (m: Manifest) => void; keepStage?: boolean } = {},
  ): Promise<Manifest> {
    const { sql } = this.#ports;
    this.active.add(snapshotId);
    try {
      const bookmark = this.#hooks.bookmark ? await this.#hooks.bookmark() : null;
      const manifest = await commitStage(this.#ports, this.#resolved(), {
        stageId,
        snapshotId,
        epoch,
        bookmark,
        ...(options.extra ? { extra: options.extra } : {}),
        ...(options.inCommit ? { inCommit: options.inCommit } : {}),
      });
      this.metrics.checkpoints++;
      this.metrics.lastRawBytes = manifest.rawBytes;
      this.metrics.lastStoredBytes = manifest.storedBytes;
      if (manifest.rawBytes > this.#config.warnRawBytes) {
        this.metrics.largeWarnings++;
        this.#hooks.onWarning?.("CHECKPOINT_LARGE", { snapshotId, rawBytes: manifest.rawBytes });
      }
      this.active.delete(snapshotId);
      await this.gc();
      return manifest;
    } catch (err) {
      if (!options.keepStage) dropStage(sql, stageId);
      this.active.delete(snapshotId);
      await this.gc().catch(() => {});
      throw err;
    }
  }

  /**
   * Restores a checkpoint (`latest`: the newest): verify and decode first, then one swap.
   * @throws {NOT_FOUND} 404 @throws {CHECKPOINT_CORRUPT} 409 @throws {CHECKPOINT_SCHEMA_MISMATCH} 409
   * @throws {CHECKPOINT_BUSY} 409
   */
  restore(
    id: string,
    inSwap?: (m: Manifest) => void,
    ignorePending = false,
    registry: OperatorRegistry = this.#registry,
  ): Promise<Manifest> {
    return this.exclusive(
      "restore",
      async () => {
        const { sql, transactionSync, blobs } = this.#ports;
        const m = readManifest(sql, id);
        checkSchemas(m, registry);
        const stageId = `r:${newId()}`;
        await verifyAndStage(sql, blobs, m, stageId);
        try {
          await swap(sql, this.#hooks.swapTransaction ?? transactionSync, registry, m, stageId, () => inSwap?.(m));
        } catch (err) {
          dropStage(sql, stageId);
          throw err;
        }
        this.metrics.restores++;
        return m;
      },
      ignorePending,
    );
  }

  /** A manifest by id (`latest` too). @throws {NOT_FOUND} 404 */
  get(id: string): Manifest {
    return readManifest(this.#ports.sql, id);
  }

  /** Completed local checkpoints (global captures are listed by their epochs), newest first, by keyset pages of `limit`. */
  list(limit = 50, cursor?: string): ManifestPage {
    const { sql } = this.#ports;
    const [at, id] = cursor ? decodeListCursor(cursor) : [Number.MAX_SAFE_INTEGER, "~"];
    const rows = sql
      .exec<{ manifest: string }>(
        "SELECT manifest FROM ckpt_snapshots WHERE epoch = 0 AND (created_at, snapshot_id) < (?, ?) ORDER BY created_at DESC, snapshot_id DESC LIMIT ?",
        at,
        id,
        limit + 1,
      )
      .toArray();
    const items = rows.slice(0, limit).map((r) => summarize(JSON.parse(r.manifest) as Manifest));
    const last = items[items.length - 1];
    return { items, cursor: rows.length > limit && last ? `${last.createdAt}.${last.snapshotId}` : null };
  }

  #resolved(): CheckpointConfig {
    const prefix = this.#hooks.blobPrefixOf?.();
    return prefix ? { ...this.#config, blobPrefix: prefix } : this.#config;
  }

  /** Retention, then collection of unreferenced chunks and objects. */
  async gc(listOlderThan?: number): Promise<GcReport> {
    const { sql, blobs } = this.#ports;
    const pruned = prune(sql, this.#config.keepLast, this.#hooks.protectedSnapshots?.() ?? new Set());
    const rest = await collect(sql, blobs, this.active, this.#resolved().blobPrefix, listOlderThan);
    return { pruned, ...rest };
  }
}

function decodeListCursor(cursor: string): [number, string] {
  const m = /^(\d{1,16})\.([0-9A-Z]{26})$/.exec(cursor);
  if (!m) throw ckptError.error("INVALID_CURSOR", "cursor is malformed");
  return [Number(m[1]), m[2] as string];
}
