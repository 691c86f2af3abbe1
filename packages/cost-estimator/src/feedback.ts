/**
 * Feedback (item 16 of issue 9, the LEO idea with its fixes): per fingerprint a count n and an
 * EWMA (α = 0.3) of ln(max(actual, 1) / max(uncorrected estimate, 1)); later estimates are
 * multiplied by exp(ewma · n/(n+1)), clamped to [1e-3, 1e3]. An LRU of 10,000 fingerprints in
 * memory, written behind to `est_feedback` by `flush`; a fingerprint unused for 7 days expires.
 * @module
 */
import type { Clock, Sql } from "@durable/core";

/** EWMA weight of a new observation. */
export const FEEDBACK_ALPHA = 0.3;
/** Fingerprints kept in memory. */
export const FEEDBACK_CAPACITY = 10_000;
/** Unused this long, a fingerprint expires. */
export const FEEDBACK_TTL_MS = 7 * 24 * 3600 * 1000;

interface Entry {
  n: number;
  ewma: number;
  usedAt: number;
}

/** The feedback store. */
export class FeedbackStore {
  readonly #sql: Sql;
  readonly #clock: Clock;
  readonly #capacity: number;
  readonly #lru = new Map<string, Entry>();
  readonly #dirty = new Set<string>();
  readonly #evicted = new Set<string>();

  constructor(sql: Sql, clock: Clock, capacity = FEEDBACK_CAPACITY) {
    this.#sql = sql;
    this.#clock = clock;
    this.#capacity = capacity;
  }

  /** Loads the most recently used fingerprints (so that estimates need no SQL). */
  load(): void {
    this.#lru.clear();
    const rows = this.#sql
      .exec<{ fingerprint: string; n: number; ewma: number; used_at: number }>(
        "SELECT fingerprint, n, ewma, used_at FROM est_feedback WHERE used_at >= ? ORDER BY used_at ASC",
        this.#clock.now() - FEEDBACK_TTL_MS,
      )
      .toArray();
    for (const r of rows.slice(-this.#capacity))
      this.#lru.set(r.fingerprint, { n: r.n, ewma: r.ewma, usedAt: r.used_at });
  }

  /** Fingerprints in memory. */
  get size(): number {
    return this.#lru.size;
  }

  /** The correction factor for `fingerprint` (1 when none is known). */
  factor(fingerprint: string): { factor: number; n: number } {
    const e = this.#lru.get(fingerprint);
    if (!e) return { factor: 1, n: 0 };
    const f = Math.exp((e.ewma * e.n) / (e.n + 1));
    return { factor: Math.min(1e3, Math.max(1e-3, f)), n: e.n };
  }

  /** Records one observation (both counts clamped to ≥ 1). */
  record(fingerprint: string, estimated: number, actual: number): void {
    const x = Math.log(Math.max(actual, 1) / Math.max(estimated, 1));
    const e = this.#lru.get(fingerprint);
    const now = this.#clock.now();
    const next: Entry = e
      ? { n: e.n + 1, ewma: FEEDBACK_ALPHA * x + (1 - FEEDBACK_ALPHA) * e.ewma, usedAt: now }
      : { n: 1, ewma: x, usedAt: now };
    this.#lru.delete(fingerprint);
    this.#lru.set(fingerprint, next);
    this.#dirty.add(fingerprint);
    this.#evicted.delete(fingerprint);
    while (this.#lru.size > this.#capacity) {
      const oldest = this.#lru.keys().next().value as string;
      this.#lru.delete(oldest);
      this.#dirty.delete(oldest);
      this.#evicted.add(oldest);
    }
  }

  /** Writes changed fingerprints, deletes evicted and expired ones. @returns rows written */
  flush(): number {
    const now = this.#clock.now();
    let written = 0;
    for (const fp of this.#dirty) {
      const e = this.#lru.get(fp);
      if (!e) continue;
      this.#sql.exec(
        "INSERT INTO est_feedback (fingerprint, n, ewma, used_at) VALUES (?, ?, ?, ?) ON CONFLICT (fingerprint) DO UPDATE SET n = excluded.n, ewma = excluded.ewma, used_at = excluded.used_at",
        fp,
        e.n,
        e.ewma,
        e.usedAt,
      );
      written++;
    }
    this.#dirty.clear();
    for (const fp of this.#evicted) this.#sql.exec("DELETE FROM est_feedback WHERE fingerprint = ?", fp);
    this.#evicted.clear();
    this.#sql.exec("DELETE FROM est_feedback WHERE used_at < ?", now - FEEDBACK_TTL_MS);
    for (const [fp, e] of this.#lru) if (e.usedAt < now - FEEDBACK_TTL_MS) this.#lru.delete(fp);
    return written;
  }

  /** Whether there is anything to write. */
  get pending(): boolean {
    return this.#dirty.size > 0 || this.#evicted.size > 0;
  }
}
