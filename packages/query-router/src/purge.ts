/**
 * The hourly purge of `qr_results`: rows whose answer is older than 7 days (no budget could
 * serve them) are deleted by the `purge` wake-up. It is armed only while rows exist (on start
 * when the table has any, and when an answer is stored), so an idle DO (a shard, a tenant that
 * never queries) is never woken for nothing; the scheduler keeps the earlier time, so restarts
 * never postpone it.
 * @module
 */
import type { Clock, Wake } from "@durable/core";
import type { QueryRouterConfig } from "./config.ts";
import type { ResultCache } from "./result-cache.ts";

/** Arms and runs the purge. */
export class PurgeSchedule {
  readonly #wake: Wake;
  readonly #clock: Clock;
  readonly #cache: ResultCache;
  readonly #everyMs: number;
  readonly #maxAgeMs: number;
  #armed = false;

  constructor(
    wake: Wake,
    clock: Clock,
    cache: ResultCache,
    config: Pick<QueryRouterConfig, "purgeEveryMs" | "purgeAfterMs">,
  ) {
    this.#wake = wake;
    this.#clock = clock;
    this.#cache = cache;
    this.#everyMs = config.purgeEveryMs;
    this.#maxAgeMs = config.purgeAfterMs;
  }

  /** On start: arms the purge when `qr_results` has rows. */
  start(): void {
    this.#armed = false;
    if (this.#cache.stats().sqliteRows > 0) this.#arm();
  }

  /** An answer was stored: make sure a purge is coming. */
  stored(): void {
    if (!this.#armed) this.#arm();
  }

  /** The wake-up: purges, and re-arms while rows remain. */
  run(): number {
    this.#armed = false;
    const purged = this.#cache.purge(this.#maxAgeMs);
    if (this.#cache.stats().sqliteRows > 0) this.#arm();
    return purged;
  }

  #arm(): void {
    this.#wake.set("purge", this.#clock.now() + this.#everyMs);
    this.#armed = true;
  }
}
