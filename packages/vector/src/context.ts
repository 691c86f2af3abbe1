/**
 * What the local backend's parts share: the ports, the catalog, the isolate's cache and this
 * store's cache prefix (DOs in one isolate share the cache, never its entries).
 * @module
 */
import type { Clock, Sql, TransactionSync } from "@durable/core";
import type { Catalog, IndexRow } from "./catalog.ts";
import type { VectorCache } from "./search/cache.ts";
import { IvfModel } from "./search/ivf-model.ts";

/** The local backend's shared state. */
export interface LocalContext {
  sql: Sql;
  transactionSync: TransactionSync;
  clock: Clock;
  catalog: Catalog;
  cache: VectorCache;
  /** Unique per store instance: the prefix of its cache keys. */
  uid: string;
  /** Called after a committed write (training may be due). */
  afterWrite(index: IndexRow): void;
}

/** The cache key prefix of one index generation. */
export function genKey(ctx: LocalContext, indexId: number, generation: number): string {
  return `${ctx.uid}:${indexId}:${generation}:`;
}

/** The serving IVF model of `index`, or null while it has none. */
export function servingModel(ctx: LocalContext, index: IndexRow): IvfModel | null {
  if (index.generation === 0) return null;
  const { dimensions, metric } = index.config;
  return IvfModel.cached(ctx.cache, `${genKey(ctx, index.id, index.generation)}model`, () =>
    IvfModel.load(ctx.sql, index.id, index.generation, metric, dimensions),
  );
}

/** Drops the cached list `listId` of the serving generation (its members changed). */
export function invalidateList(ctx: LocalContext, index: IndexRow, listId: number): void {
  ctx.cache.delete(`${genKey(ctx, index.id, index.generation)}list:${listId}`);
}
