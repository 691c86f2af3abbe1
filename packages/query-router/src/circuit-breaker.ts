/**
 * A circuit breaker per fan-out target, in memory: after `failures` consecutive failures it
 * opens and fails calls fast for `openMs`; then exactly one half-open probe goes through.
 * The probe's success closes it, its failure reopens it for another `openMs`. Time comes from
 * an injected Clock, so tests step through every transition without waiting.
 * @module
 */
import type { Clock } from "@durable/core";

/** The breaker's state. */
export type BreakerState = "closed" | "open" | "half-open";

/** Options of a {@link CircuitBreaker}. */
export interface BreakerOptions {
  /** Consecutive failures that open it (default 5). */
  failures?: number;
  /** How long it stays open (default 30 s). */
  openMs?: number;
}

/** One target's breaker. */
export class CircuitBreaker {
  readonly #clock: Clock;
  readonly #failures: number;
  readonly #openMs: number;
  #state: BreakerState = "closed";
  #consecutive = 0;
  #openedAt = 0;
  #probing = false;
  /** Times it opened (metrics). */
  opened = 0;

  constructor(clock: Clock, options: BreakerOptions = {}) {
    this.#clock = clock;
    this.#failures = options.failures ?? 5;
    this.#openMs = options.openMs ?? 30_000;
  }

  /** The state now (an open breaker whose time is up reads as half-open). */
  get state(): BreakerState {
    if (this.#state === "open" && this.#clock.now() - this.#openedAt >= this.#openMs) return "half-open";
    return this.#state;
  }

  /** Consecutive failures so far. */
  get consecutiveFailures(): number {
    return this.#consecutive;
  }

  /**
   * Asks to make a call. True: go ahead (and report the outcome with {@link success} or
   * {@link failure}). False: fail fast with CIRCUIT_OPEN.
   */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === "closed") return true;
    if (state === "open") return false;
    // Half-open: exactly one probe at a time.
    if (this.#probing) return false;
    this.#probing = true;
    this.#state = "half-open";
    return true;
  }

  /** The call succeeded: closes the breaker. */
  success(): void {
    this.#consecutive = 0;
    this.#probing = false;
    this.#state = "closed";
  }

  /** The call failed: counts, and opens (or reopens after a failed probe). */
  failure(): void {
    this.#consecutive++;
    const wasProbe = this.#probing;
    this.#probing = false;
    if (wasProbe || this.#consecutive >= this.#failures) {
      if (this.#state !== "open") this.opened++;
      this.#state = "open";
      this.#openedAt = this.#clock.now();
    }
  }

  /** A call that was let through was given up without an outcome (e.g. the caller aborted). */
  release(): void {
    this.#probing = false;
    if (this.#state === "half-open") {
      this.#state = "open";
    }
  }
}

/** The breakers of every target, created on first use. */
export class BreakerRegistry {
  readonly #clock: Clock;
  readonly #options: BreakerOptions;
  readonly #breakers = new Map<string, CircuitBreaker>();

  constructor(clock: Clock, options: BreakerOptions = {}) {
    this.#clock = clock;
    this.#options = options;
  }

  /** The breaker of `target`. */
  of(target: string): CircuitBreaker {
    let b = this.#breakers.get(target);
    if (!b) {
      b = new CircuitBreaker(this.#clock, this.#options);
      this.#breakers.set(target, b);
    }
    return b;
  }

  /** Counts by state, and how often any opened. */
  summary(): { closed: number; open: number; halfOpen: number; opened: number } {
    const s = { closed: 0, open: 0, halfOpen: 0, opened: 0 };
    for (const b of this.#breakers.values()) {
      const state = b.state;
      if (state === "closed") s.closed++;
      else if (state === "open") s.open++;
      else s.halfOpen++;
      s.opened += b.opened;
    }
    return s;
  }
}
