/**
 * Exactly-once primitives (Kafka's model: state, messages and offsets commit together; zombie
 * writers are fenced): an outbox written in the caller's transaction and delivered after commit
 * with idempotency key `<sourceId>:<seq>`; `processOnce` recording a key and its result in the
 * same transaction as the work; fencing tokens that reject a stale writer.
 * @module
 */
import type { Clock, Sql, TransactionSync, Wake } from "@durable/core";
import { CHECKPOINT_LIMITS, type CheckpointConfig } from "./config.ts";
import { ckptError } from "./errors.ts";
import { CheckpointMeta } from "./meta.ts";

/** Delivers one outbox row; must be idempotent on `idempotencyKey` (it may repeat). */
export type OutboxSink = (dest: string, payload: unknown, idempotencyKey: string) => Promise<void>;

/** Ports of the exactly-once primitives. */
export interface ExactlyOncePorts {
  sql: Sql;
  transactionSync: TransactionSync;
  clock: Clock;
  wake: Wake;
}

/** Wake-up keys of the primitives. */
export const OUTBOX_WAKE = "outbox";
export const DEDUP_WAKE = "dedup-sweep";

/** The outbox. */
export interface OutboxApi {
  /**
   * Appends a message; call inside your `transactionSync`, so it commits with the change.
   * @returns its seq
   * @throws {MESSAGE_TOO_LARGE} 413 over 1 MiB serialized
   */
  emit(dest: string, payload: unknown): number;
  /** Delivers pending rows in seq order (stops at the first failure and retries on a wake-up). */
  flush(): Promise<{ delivered: number; pending: number }>;
  /** Rows not delivered yet. */
  pending(): number;
}

/** Serializes a payload, refusing one over `max` bytes. */
export function serializeBounded(payload: unknown, max: number, what: string): string {
  const text = JSON.stringify(payload ?? null);
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > max) throw ckptError.error("MESSAGE_TOO_LARGE", `${what} has ${bytes} bytes; at most ${max}`);
  return text;
}

/** Backoff of the n-th retry: 1 s doubling to 30 s. */
export function retryDelay(attempt: number): number {
  return Math.min(CHECKPOINT_LIMITS.retryMaxMs, CHECKPOINT_LIMITS.retryMinMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * Makes the outbox.
 * @param sourceId this DO's name, the first half of every idempotency key
 */
export function createOutbox(
  ports: ExactlyOncePorts,
  config: CheckpointConfig,
  sourceId: () => string,
  sink: OutboxSink | undefined,
): OutboxApi {
  const { sql, clock, wake } = ports;
  const meta = new CheckpointMeta(sql);
  let flushing: Promise<{ delivered: number; pending: number }> | null = null;
  const pending = () =>
    sql.exec<{ n: number }>("SELECT count(*) AS n FROM ckpt_outbox WHERE delivered_at IS NULL").one().n;
  const run = async () => {
    let delivered = 0;
    for (;;) {
      const row = sql
        .exec<{ seq: number; dest: string; payload: string; attempts: number }>(
          "SELECT seq, dest, payload, attempts FROM ckpt_outbox WHERE delivered_at IS NULL ORDER BY seq LIMIT 1",
        )
        .toArray()[0];
      if (!row) break;
      if (!sink) throw new Error("the outbox has no sink: pass outboxSink");
      try {
        await sink(row.dest, JSON.parse(row.payload), `${sourceId()}:${row.seq}`);
      } catch {
        const attempts = row.attempts + 1;
        sql.exec("UPDATE ckpt_outbox SET attempts = ? WHERE seq = ?", attempts, row.seq);
        wake.set(OUTBOX_WAKE, clock.now() + retryDelay(attempts));
        break;
      }
      sql.exec("UPDATE ckpt_outbox SET delivered_at = ? WHERE seq = ?", clock.now(), row.seq);
      delivered++;
    }
    sql.exec(
      "DELETE FROM ckpt_outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?",
      clock.now() - config.outboxRetentionMs,
    );
    return { delivered, pending: pending() };
  };
  return {
    emit(dest, payload) {
      const text = serializeBounded(payload, config.maxMessageBytes, "outbox payload");
      const seq =
        sql.exec<{ s: number | null }>("SELECT max(seq) AS s FROM ckpt_outbox").one().s ?? meta.number("outbox_seq");
      const next = seq + 1;
      sql.exec(
        "INSERT INTO ckpt_outbox (seq, dest, payload, created_at) VALUES (?, ?, ?, ?)",
        next,
        dest,
        text,
        clock.now(),
      );
      // Pruning must never let a seq be reused: remember the highest one.
      meta.set("outbox_seq", next);
      wake.set(OUTBOX_WAKE, clock.now());
      return next;
    },
    flush() {
      flushing ??= run().finally(() => {
        flushing = null;
      });
      return flushing;
    },
    pending,
  };
}

/** Process-once by key. */
export interface DedupApi {
  /**
   * Runs `fn` and records `key` with its result in one `transactionSync`; a repeat within the
   * TTL returns the stored result without running `fn`.
   */
  processOnce<T>(key: string, fn: () => T): { result: T; duplicate: boolean };
  /** Deletes expired keys. @returns how many */
  sweep(): number;
}

/** Makes the dedup store. */
export function createDedup(ports: ExactlyOncePorts, config: CheckpointConfig): DedupApi {
  const { sql, transactionSync, clock } = ports;
  return {
    processOnce<T>(key: string, fn: () => T) {
      if (key.length === 0 || key.length > 512) throw ckptError.error("INVALID_INPUT", "key: 1–512 characters");
      return transactionSync(() => {
        const hit = sql
          .exec<{ result: string }>("SELECT result FROM ckpt_dedup WHERE key = ? AND expires_at > ?", key, clock.now())
          .toArray()[0];
        if (hit) return { result: JSON.parse(hit.result) as T, duplicate: true };
        const result = fn();
        sql.exec(
          "INSERT INTO ckpt_dedup (key, result, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET result = excluded.result, expires_at = excluded.expires_at",
          key,
          JSON.stringify(result ?? null),
          clock.now() + config.dedupTtlMs,
        );
        return { result, duplicate: false };
      });
    },
    sweep() {
      return sql.exec("DELETE FROM ckpt_dedup WHERE expires_at <= ?", clock.now()).rowsWritten;
    },
  };
}

/** Fencing tokens. */
export interface FenceApi {
  /** A new token for `resource`, greater than every earlier one. */
  acquire(resource: string): number;
  /**
   * Checks `token` inside a writer's transaction.
   * @throws {STALE_FENCING_TOKEN} 409 when a newer token was acquired
   */
  check(resource: string, token: number): void;
}

/** Makes the fencing tokens. */
export function createFence(ports: ExactlyOncePorts): FenceApi {
  const { sql, transactionSync, clock } = ports;
  const current = (resource: string) =>
    sql.exec<{ token: number }>("SELECT token FROM ckpt_fence WHERE resource = ?", resource).toArray()[0]?.token ?? 0;
  return {
    acquire(resource) {
      return transactionSync(() => {
        const token = current(resource) + 1;
        sql.exec(
          "INSERT INTO ckpt_fence (resource, token, acquired_at) VALUES (?, ?, ?) ON CONFLICT (resource) DO UPDATE SET token = excluded.token, acquired_at = excluded.acquired_at",
          resource,
          token,
          clock.now(),
        );
        return token;
      });
    },
    check(resource, token) {
      const now = current(resource);
      if (token < now) {
        throw ckptError.error(
          "STALE_FENCING_TOKEN",
          `token ${token} of ${resource} is stale; the current one is ${now}`,
        );
      }
    },
  };
}
