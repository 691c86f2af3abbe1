/**
 * The message a call throws, for tests that pin the exact text users read (validation messages
 * must not change when a schema's implementation does).
 * @module
 */

/**
 * Calls `fn` and returns the message of what it throws.
 * @throws when `fn` returns instead of throwing, so a test cannot pass on a call that succeeded
 */
export function thrownMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  throw new Error("expected a failure");
}
