/**
 * The `Background` port: work that runs after the response was sent.
 * @module
 */

/** `ctx.waitUntil` in a DO; in Node tests, a collector the test awaits. */
export interface Background {
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * A {@link Background} for Node tests and spikes: keeps every promise so a test can await them.
 * @example
 * const background = new CollectingBackground();
 * capability.flushLater(background);
 * await background.settled();
 */
export class CollectingBackground implements Background {
  readonly #pending = new Set<Promise<unknown>>();

  waitUntil(promise: Promise<unknown>): void {
    const tracked = promise.finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  /** Resolves when every promise handed over so far settled (rejections are swallowed). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }
}
