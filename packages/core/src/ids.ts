/**
 * Sortable ids: 48 bits of milliseconds then 80 random bits, in Crockford base32 (ULID layout).
 * Ids made by one generator are strictly increasing, also within one millisecond.
 * @module
 */
import { type Clock, systemClock } from "./clock.ts";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function encodeTime(ms: number): string {
  let out = "";
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function randomDigits(): number[] {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b % 32);
}

/** Makes ids that sort by creation time, monotonic within one millisecond. */
export class IdGenerator {
  readonly #clock: Clock;
  #lastMs = -1;
  #lastRandom: number[] = [];

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  /** A new 26-character id, greater than every id this generator made before. */
  next(): string {
    const now = Math.max(this.#clock.now(), this.#lastMs);
    if (now === this.#lastMs) {
      this.#increment();
    } else {
      this.#lastMs = now;
      this.#lastRandom = randomDigits();
    }
    return encodeTime(now) + this.#lastRandom.map((d) => ALPHABET[d]).join("");
  }

  #increment(): void {
    for (let i = this.#lastRandom.length - 1; i >= 0; i--) {
      const digit = (this.#lastRandom[i] ?? 0) + 1;
      if (digit < 32) {
        this.#lastRandom[i] = digit;
        return;
      }
      this.#lastRandom[i] = 0;
    }
  }
}

const shared = new IdGenerator();

/**
 * A new sortable id from the process-wide generator.
 * @returns 26 characters of Crockford base32
 */
export function newId(): string {
  return shared.next();
}
