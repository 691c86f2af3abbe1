/**
 * Wake-ups: how a capability asks the alarm owner (the scheduler) to call it back later.
 * @module
 */

/**
 * A capability's own wake-ups. DOBase binds it to the capability's name, so a capability can
 * neither set nor cancel another's. One pending wake-up per key; a repeat keeps the earlier
 * time, so requests merge and never postpone one another. When it is due, the alarm owner
 * calls the capability's `onWake`.
 *
 * `set` writes through SQLite: inside a transaction that rolls back, the wake-up rolls back too.
 * Still, set wake-ups from an after-commit step where the write path offers one, so that no
 * in-memory state of the alarm owner runs ahead of storage.
 */
export interface Wake {
  set(key: string, atMs: number, payload?: unknown): void;
  cancel(key: string): void;
}

/**
 * Wake-ups of every owner: what the alarm owner implements and DOBase scopes into one
 * {@link Wake} per capability. No capability sees this port.
 */
export interface WakeRouter {
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

/**
 * Binds a {@link WakeRouter} to one owner.
 * @param router the alarm owner's wake-ups
 * @param owner the capability name every call is made for
 */
export function scopedWake(router: () => WakeRouter, owner: string): Wake {
  return {
    set: (key, atMs, payload) => router().set(owner, key, atMs, payload),
    cancel: (key) => router().cancel(owner, key),
  };
}
