/**
 * `VectorStore`: the indexes of one DO (≤ 16): create, open, list and drop them, on the local
 * backend (DO SQLite, default) or on Vectorize (bindings by index name). It owns the wake-ups:
 * `train:<index>` (one training chunk each) and `drop:<id>` (5,000 rows each).
 * @module
 */
import type { Clock, Sql, TransactionSync, Wake, WakeEvent } from "@durable/core";
import { Catalog, type IndexRow } from "./catalog.ts";
import { type IndexConfig, parseIndexConfig } from "./config.ts";
import type { LocalContext } from "./context.ts";
import type { Embedder } from "./embed/embedder.ts";
import { BGE_BASE } from "./embed/workers-ai.ts";
import { vectorError } from "./errors.ts";
import { VECTOR_LIMITS as L } from "./limits.ts";
import { LocalVectorIndex } from "./local-index.ts";
import { sharedVectorCache, type VectorCache } from "./search/cache.ts";
import { clearTraining } from "./train/train-state.ts";
import { Trainer, trainingDue } from "./train/trainer.ts";
import type { IndexInfo, VectorIndex } from "./types.ts";
import { vectorizeIndex } from "./vectorize/adapter.ts";
import { VectorizeIdMap } from "./vectorize/id-map.ts";
import type { VectorizeLike } from "./vectorize/like.ts";

/** The ports a store needs (a capability's scoped ports fit). */
export interface VectorStorePorts {
  sql: Sql;
  transactionSync: TransactionSync;
  clock: Clock;
  /** Bound to the capability's name. */
  wake: Wake;
  /** The tenant (for Vectorize id hashing); null outside the platform. */
  tenant?: () => string | null;
}

/** Where vectors live. */
export type VectorBackend =
  | { kind: "local" }
  | { kind: "vectorize"; bindings: Record<string, VectorizeLike>; timeoutMs?: number }
  /** A broken configuration: every call is 503 `CONFIG_INVALID`. */
  | { kind: "invalid"; reason: string };

/** Options of {@link createVectorStore}. */
export interface VectorStoreOptions {
  backend?: VectorBackend;
  /** The active embedder of the text routes (none: they answer 409 EMBEDDER_MISMATCH). */
  embedder?: Embedder;
  /** The cache (default: the isolate's shared one, 48 MB). */
  cache?: VectorCache;
}

/** An index as `list()` reports it. */
export interface IndexSummary extends IndexInfo {
  name: string;
  config: IndexConfig;
}

const KNOWN_DIMENSIONS: Record<string, number> = { [BGE_BASE]: 768 };

/** The vector indexes of one DO. */
export class VectorStore {
  readonly ctx: LocalContext;
  readonly backend: VectorBackend;
  readonly embedder: Embedder | undefined;
  readonly trainer: Trainer;
  readonly #wake: Wake;
  readonly #tenant: () => string | null;
  readonly #remote = new Map<string, VectorIndex>();

  constructor(ports: VectorStorePorts, o: VectorStoreOptions = {}) {
    const catalog = new Catalog(ports.sql);
    this.backend = o.backend ?? { kind: "local" };
    this.embedder = o.embedder;
    this.#wake = ports.wake;
    this.#tenant = ports.tenant ?? (() => null);
    this.ctx = {
      sql: ports.sql,
      transactionSync: ports.transactionSync,
      clock: ports.clock,
      catalog,
      cache: o.cache ?? sharedVectorCache(),
      uid: crypto.randomUUID(),
      afterWrite: (index) => this.#maybeTrain(index),
    };
    this.trainer = new Trainer(this.ctx);
  }

  #usable(): void {
    if (this.backend.kind === "invalid") throw vectorError("CONFIG_INVALID", this.backend.reason);
  }

  /**
   * Creates an index.
   * @throws config codes (400) · {INDEX_EXISTS} · {INDEX_LIMIT} · {INDEX_NOT_PROVISIONED} 409
   */
  async create(input: unknown): Promise<IndexSummary> {
    this.#usable();
    const config = parseIndexConfig(input);
    const want =
      config.embedder === undefined
        ? undefined
        : this.embedder?.model === config.embedder
          ? this.embedder.dimensions
          : KNOWN_DIMENSIONS[config.embedder];
    if (want !== undefined && want !== config.dimensions) {
      throw vectorError(
        "INVALID_DIMENSIONS",
        `embedder ${config.embedder} makes ${want} dimensions, not ${config.dimensions}`,
      );
    }
    if (this.backend.kind === "vectorize") {
      const binding = this.backend.bindings[config.name];
      if (!binding)
        throw vectorError("INDEX_NOT_PROVISIONED", `VECTORIZE_INDEXES has no binding for index ${config.name}`);
      await this.#open(config).describe();
    }
    this.ctx.transactionSync(() => {
      if (this.ctx.catalog.find(config.name)) throw vectorError("INDEX_EXISTS", `index ${config.name} exists`);
      if (this.ctx.catalog.liveCount() >= L.maxIndexesPerStore) {
        throw vectorError("INDEX_LIMIT", `a tenant holds at most ${L.maxIndexesPerStore} vector indexes`);
      }
      this.ctx.catalog.insert(config, this.ctx.clock.now());
    });
    return this.summary(config.name);
  }

  /**
   * The index called `name`.
   * @throws {INDEX_NOT_FOUND} 404 (on the backend's first call for a dropped one)
   */
  index(name: string): VectorIndex {
    this.#usable();
    if (this.backend.kind !== "vectorize") return new LocalVectorIndex(this.ctx, name);
    return this.#open(this.ctx.catalog.get(name).config);
  }

  /** The local handle (sync methods); only on the local backend. */
  local(name: string): LocalVectorIndex | null {
    return this.backend.kind === "local" ? new LocalVectorIndex(this.ctx, name) : null;
  }

  #open(config: IndexConfig): VectorIndex {
    if (this.backend.kind !== "vectorize") throw new Error("not a Vectorize store");
    const cached = this.#remote.get(config.name);
    if (cached) return cached;
    const binding = this.backend.bindings[config.name];
    if (!binding)
      throw vectorError("INDEX_NOT_PROVISIONED", `VECTORIZE_INDEXES has no binding for index ${config.name}`);
    const tenant = this.#tenant();
    const index = vectorizeIndex(binding, config, {
      ...(tenant ? { namespace: tenant, ids: new VectorizeIdMap(this.ctx.sql, tenant, config.name) } : {}),
      ...(this.backend.timeoutMs ? { timeoutMs: this.backend.timeoutMs } : {}),
    });
    this.#remote.set(config.name, index);
    return index;
  }

  /** The configuration of a live index. */
  config(name: string): IndexConfig {
    this.#usable();
    return this.ctx.catalog.get(name).config;
  }

  /** Name, configuration and `describe()` of an index. */
  async summary(name: string): Promise<IndexSummary> {
    const config = this.config(name);
    return { name, config, ...(await this.index(name).describe()) };
  }

  async list(): Promise<IndexSummary[]> {
    this.#usable();
    const out: IndexSummary[] = [];
    for (const row of this.ctx.catalog.list()) out.push(await this.summary(row.name));
    return out;
  }

  /**
   * Drops an index: a 404 at once; its rows go 5,000 per wake-up.
   * @throws {INDEX_NOT_FOUND} 404
   */
  drop(name: string): void {
    this.#usable();
    const row = this.ctx.transactionSync(() => {
      const row = this.ctx.catalog.get(name);
      this.ctx.catalog.markDropped(row.id);
      clearTraining(this.ctx.sql, row.id);
      return row;
    });
    this.#remote.delete(name);
    this.ctx.cache.deletePrefix(`${this.ctx.uid}:${row.id}:`);
    this.#wake.cancel(`train:${name}`);
    this.#wake.set(`drop:${row.id}`, this.ctx.clock.now());
  }

  #maybeTrain(index: IndexRow): void {
    if (trainingDue(index) && !this.trainer.inProgress(index.id)) {
      this.#wake.set(`train:${index.name}`, this.ctx.clock.now());
    }
  }

  /** A wake-up of the `vector` capability. */
  async onWake(event: WakeEvent): Promise<void> {
    const [kind, rest] = [event.key.slice(0, event.key.indexOf(":")), event.key.slice(event.key.indexOf(":") + 1)];
    if (kind === "train") {
      const index = this.ctx.catalog.find(rest);
      if (!index || this.backend.kind !== "local") return;
      const more = this.trainer.step(index);
      const after = this.ctx.catalog.find(rest);
      if (more || (after && trainingDue(after))) this.#wake.set(event.key, this.ctx.clock.now());
    } else if (kind === "drop") {
      if (this.backend.kind === "vectorize" && (await this.#dropRemoteChunk(Number(rest), event.key))) return;
      this.#dropChunk(Number(rest), event.key);
    }
  }

  /**
   * Deletes up to 100 of a dropped index's vectors from Vectorize (this tenant's, by their id
   * map). @returns true while some remain (a wake-up is set)
   */
  async #dropRemoteChunk(id: number, key: string): Promise<boolean> {
    const row = this.ctx.catalog.byId(id);
    const tenant = this.#tenant();
    if (!row || !tenant || this.backend.kind !== "vectorize" || this.ctx.catalog.find(row.name)) return false;
    const binding = this.backend.bindings[row.name];
    if (!binding) return false;
    const ids = new VectorizeIdMap(this.ctx.sql, tenant, row.name);
    const hashes = ids.some(L.maxIdsPerCall);
    if (hashes.length === 0) return false;
    await binding.deleteByIds(hashes);
    ids.forget(hashes);
    this.#wake.set(key, this.ctx.clock.now());
    return true;
  }

  #dropChunk(id: number, key: string): void {
    const { sql } = this.ctx;
    const left = this.ctx.transactionSync(() => {
      sql.exec(
        "DELETE FROM vec_items WHERE rowid IN (SELECT rowid FROM vec_items WHERE index_id = ? LIMIT ?)",
        id,
        L.dropChunkRows,
      );
      const more = sql.exec("SELECT 1 FROM vec_items WHERE index_id = ? LIMIT 1", id).toArray().length > 0;
      if (!more) {
        const row = this.ctx.catalog.byId(id);
        sql.exec("DELETE FROM vec_centroids WHERE index_id = ?", id);
        clearTraining(sql, id);
        if (row) {
          const live = this.ctx.catalog.find(row.name);
          if (!live) sql.exec("DELETE FROM vec_vectorize_ids WHERE index_name = ?", row.name);
        }
        this.ctx.catalog.remove(id);
      }
      return more;
    });
    if (left) this.#wake.set(key, this.ctx.clock.now());
  }
}

/**
 * A store over a capability's ports.
 * @example
 * const store = createVectorStore(ports, { embedder: new LexicalHashEmbedder() });
 * await store.create({ name: "docs", dimensions: 768, metric: "cosine" });
 */
export function createVectorStore(ports: VectorStorePorts, o?: VectorStoreOptions): VectorStore {
  return new VectorStore(ports, o);
}
