/**
 * The contract of a push sink: one call delivers a batch of events covering an LSN range;
 * it resolves once the sink acknowledged them all, or throws (then the batch is retried).
 * @module
 */
import type { ChangeEvent } from "../types.ts";

/** A push sink. */
export interface PushSink {
  /** Most events the drain hands to one `push`. */
  readonly batchEvents: number;
  /**
   * Delivers `events` (in LSN order) that cover `[fromLsn, toLsn]` of the consumer's stream.
   * @throws anything: the drain retries with backoff, then dead-letters
   */
  push(events: ChangeEvent[], range: { fromLsn: number; toLsn: number }): Promise<void>;
}

const encoder = new TextEncoder();

/** UTF-8 size of a value's JSON. */
export function jsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).length;
}

/** Rejects with a SINK_FAILED-style error when `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
