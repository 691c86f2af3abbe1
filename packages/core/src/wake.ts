/**
 * The `Wake` port: how a capability asks the scheduler to call it back later.
 * @module
 */

/**
 * One pending wake-up per owner and key; a repeat keeps the earlier time, so requests merge
 * and never postpone one another. The scheduler calls the owner's `onWake`.
 */
export interface Wake {
  set(owner: string, key: string, atMs: number, payload?: unknown): void;
  cancel(owner: string, key: string): void;
}

/** What the scheduler hands to an owner's wake handler. */
export interface WakeEvent {
  owner: string;
  key: string;
  /** The time that was asked for. */
  dueAt: number;
  payload: unknown;
}
