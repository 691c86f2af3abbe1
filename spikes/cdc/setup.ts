/**
 * A tables + cdc host on the Node adapter for the spike (the same composition as TenantDO,
 * through `TestHost`), and the `orders` workload with a fixed seed.
 * @module
 */
import { type CdcCapabilityOptions, cdcCapability } from "@durable/cdc";
import { type BlobStore, CollectingBackground, Composition, MemoryBlobStore, systemClock } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { type TablesCapability, tablesCapability } from "@durable/tables";

/** The `orders` table of the issue. */
export const ORDERS = {
  name: "orders",
  columns: [
    { name: "id", type: "integer" },
    { name: "customer", type: "text" },
    { name: "amount", type: "real" },
    { name: "status", type: "text" },
    { name: "note", type: "text" },
  ],
  primaryKey: "id",
};

/** A seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STATUSES = ["new", "paid", "shipped", "returned"];

/** Order `id` of the workload (about 100 B of note). */
export function order(id: number, random: () => number) {
  return {
    id,
    customer: `customer-${Math.floor(random() * 10_000)}`,
    amount: Math.round(random() * 100_000) / 100,
    status: STATUSES[Math.floor(random() * 4)] as string,
    note: `note ${id} `.padEnd(100, "x"),
  };
}

/**
 * A started host with tables and cdc.
 * @param file the SQLite file (default in memory)
 */
export async function openHost(
  file = ":memory:",
  options: CdcCapabilityOptions = {},
  blobs: BlobStore = new MemoryBlobStore(),
) {
  const db = openSqlite(file);
  // Wake-ups are dropped: the spike drains by hand, as the alarm would.
  const host = new Composition({
    sql: db.sql,
    transactionSync: db.transactionSync,
    clock: systemClock,
    blobs,
    background: new CollectingBackground(),
    wakes: { set: () => {}, cancel: () => {} },
    tenant: () => "spike",
  });
  const tables = (host.use(tablesCapability()) as TablesCapability).tables;
  const cap = host.use(cdcCapability(options));
  await host.start();
  return { db, host, tables, cdc: cap.cdc };
}
