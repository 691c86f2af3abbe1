/**
 * Time as a port, so logic can be driven by a fake clock in tests and spikes.
 * @module
 */

/** Milliseconds since the Unix epoch. */
export interface Clock {
  now(): number;
}

/** The real clock (`Date.now`). */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that moves only when told to; for tests and simulated-time spikes.
 * @example
 * const clock = new ManualClock(Date.parse("2024-03-10T09:00:00Z"));
 * clock.advance(60_000);
 */
export class ManualClock implements Clock {
  #now: number;

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  /** Jumps to `ms` (backwards too: code must survive a clock that goes back). */
  set(ms: number): void {
    this.#now = ms;
  }

  /** Moves forward by `ms`. */
  advance(ms: number): void {
    this.#now += ms;
  }
}
