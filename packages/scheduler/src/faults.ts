/**
 * How a fault hook simulates a dead isolate (@internal). A hook of {@link FaultHooks} that throws
 * an error branded with {@link CRASH} stops the pass there: every catch of the scheduler lets it
 * escape, as if the isolate died at that point. The thrower, `SimulatedCrash`, lives in
 * `@durable/scheduler/testing`; production code only checks the brand.
 * @module
 */

/** The brand of a simulated crash (a registered symbol, so copies of the module agree). */
export const CRASH: unique symbol = Symbol.for("@durable/scheduler/simulated-crash");

/**
 * True for an error a fault hook threw to simulate a dead isolate: rethrow it, never handle it.
 * @param err anything caught
 */
export function isCrash(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { [CRASH]?: unknown })[CRASH] === true;
}
