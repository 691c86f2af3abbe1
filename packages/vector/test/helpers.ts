/** Shared helpers of the Node tests: a store composed the way DOBase composes it, and seeded data. */
import { errorCodeOf, ManualClock } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { TestHost } from "@durable/core/testing";
import {
  createVectorStore,
  type Metric,
  seededRandom,
  VectorCache,
  type VectorStoreOptions,
  vectorCapability,
} from "../src/index.ts";

/** A fresh in-memory store with its own cache, composed through `TestHost`. */
export async function setup(o: VectorStoreOptions = {}, filename = ":memory:") {
  const db = openSqlite(filename);
  const clock = new ManualClock(Date.UTC(2026, 11, 4));
  const host = new TestHost({ sql: db.sql, transactionSync: db.transactionSync, clock, tenant: "acme" });
  const cache = o.cache ?? new VectorCache();
  const cap = host.use(vectorCapability((ports) => createVectorStore(ports, { ...o, cache })));
  await host.start();
  return { db, host, clock, cache, store: cap.store, api: cap.api, cap };
}

/** The code of what `fn` throws (sync or async), or undefined. */
export async function codeOf(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (err) {
    return errorCodeOf(err) ?? String(err);
  }
  return undefined;
}

/** A standard normal from a uniform generator (Box–Muller). */
export function gaussian(rand: () => number): () => number {
  return () => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
}

/** `n` random vectors of `d` dimensions in [-1, 1). */
export function randomVectors(n: number, d: number, seed: number): Float32Array[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: d }, () => r() * 2 - 1));
}

/** A seeded Gaussian mixture: `components` centres from N(0, I), points at centre + N(0, sigma²). */
export function mixture(n: number, d: number, components: number, sigma: number, seed: number) {
  const g = gaussian(seededRandom(seed));
  const centres = Array.from({ length: components }, () => Float32Array.from({ length: d }, () => g()));
  const point = (k: number) => {
    const c = centres[k % components] as Float32Array;
    return Float32Array.from(c, (x) => x + sigma * g());
  };
  return { centres, points: Array.from({ length: n }, (_, i) => point(i)), point };
}

/** The reference: score every vector in float64 from its float32 values and sort. */
export function naiveTopK(metric: Metric, q: Float32Array, items: [string, Float32Array][], k: number) {
  const scored = items.map(([id, v]) => {
    let dot = 0;
    let nq = 0;
    let nv = 0;
    let l2 = 0;
    for (let i = 0; i < v.length; i++) {
      const a = q[i] as number;
      const b = v[i] as number;
      dot += a * b;
      nq += a * a;
      nv += b * b;
      l2 += (a - b) * (a - b);
    }
    const score = metric === "cosine" ? dot / Math.sqrt(nq * nv) : metric === "euclidean" ? Math.sqrt(l2) : -dot;
    return { id, score };
  });
  const better = metric === "cosine" ? -1 : 1;
  scored.sort((a, b) => better * (a.score - b.score) || (a.id < b.id ? -1 : 1));
  return scored.slice(0, k);
}

/** A DO of `tenant` as the platform composes it: vectors bound to the tenant's namespace. */
export async function tenantDo(tenant: string, o: VectorStoreOptions = {}) {
  const db = openSqlite();
  const host = new TestHost({ sql: db.sql, transactionSync: db.transactionSync, clock: new ManualClock(0), tenant });
  const cap = host.use(
    vectorCapability((p) => createVectorStore(p, { cache: new VectorCache(), ...o }), { tenantNamespace: true }),
  );
  await host.start();
  return { db, host, api: cap.api, store: cap.store };
}
