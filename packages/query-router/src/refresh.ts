/**
 * Single-flight and the refresh gate. At most one computation runs per fingerprint, foreground
 * or background: a foreground miss joins a running refresh. At most N background refreshes run
 * at once (extra ones are skipped and counted). A failed refresh blocks new refreshes of its
 * fingerprint for a while and leaves its code for `meta.refreshError` (stale-if-error).
 * @module
 */

/** Counters of background refreshes. */
export interface RefreshCounts {
  started: number;
  skipped: number;
  failed: number;
  succeeded: number;
  /** Foreground requests that joined a running computation. */
  joined: number;
}

/** One computation per key. */
export class SingleFlight<T> {
  readonly #running = new Map<string, Promise<T>>();
  /** Computations started (tests count them). */
  computations = 0;

  /** The running computation of `key`, if any. */
  running(key: string): Promise<T> | undefined {
    return this.#running.get(key);
  }

  /** Runs `fn` unless a computation of `key` is running, whose promise is returned instead. */
  run(key: string, fn: () => Promise<T>): { promise: Promise<T>; joined: boolean } {
    const current = this.#running.get(key);
    if (current) return { promise: current, joined: true };
    this.computations++;
    let promise: Promise<T>;
    try {
      promise = fn();
    } catch (err) {
      promise = Promise.reject(err);
    }
    const tracked = promise.finally(() => {
      if (this.#running.get(key) === tracked) this.#running.delete(key);
    });
    this.#running.set(key, tracked);
    tracked.catch(() => undefined);
    return { promise: tracked, joined: false };
  }
}

/** Decides which background refreshes may start. */
export class RefreshGate {
  readonly #max: number;
  readonly #backoffMs: number;
  readonly #now: () => number;
  #active = 0;
  readonly #errors = new Map<string, { code: string; until: number }>();
  readonly counts: RefreshCounts = { started: 0, skipped: 0, failed: 0, succeeded: 0, joined: 0 };

  constructor(o: { max: number; backoffMs: number; now: () => number }) {
    this.#max = o.max;
    this.#backoffMs = o.backoffMs;
    this.#now = o.now;
  }

  /** Refreshes running now. */
  get active(): number {
    return this.#active;
  }

  /** The code of the last failed refresh of `key`, while the entry it left is served. */
  errorOf(key: string): string | undefined {
    return this.#errors.get(key)?.code;
  }

  /** Whether `key` is in its after-failure back-off. */
  blocked(key: string): boolean {
    const e = this.#errors.get(key);
    return e !== undefined && this.#now() < e.until;
  }

  /** Takes a slot for a refresh of `key`, or says no (and counts the skip). */
  tryStart(key: string): boolean {
    if (this.blocked(key) || this.#active >= this.#max) {
      this.counts.skipped++;
      return false;
    }
    this.#active++;
    this.counts.started++;
    return true;
  }

  /** The refresh of `key` ended. */
  finish(key: string, error?: string): void {
    this.#active--;
    if (error === undefined) {
      this.counts.succeeded++;
      this.#errors.delete(key);
    } else {
      this.counts.failed++;
      this.#errors.set(key, { code: error, until: this.#now() + this.#backoffMs });
      if (this.#errors.size > 10_000) this.#errors.delete(this.#errors.keys().next().value as string);
    }
  }

  /** A foreground computation of `key` succeeded: its old error no longer applies. */
  clearError(key: string): void {
    this.#errors.delete(key);
  }
}
