/**
 * FIFO channels between DOs. `send` appends to `ckpt_chan_out` inside the caller's transaction,
 * so a message commits with the state change that caused it; after commit it goes out through
 * the `Transport`, retried on wake-ups (1 s doubling to 30 s) until the receiver's cumulative
 * ack passes it. The receiver applies messages in seq order, each in one `transactionSync` that
 * advances `ckpt_chan_in.next_seq`: a lower seq is a duplicate (re-acked), a higher one waits in
 * `ckpt_chan_buf` (≤ `maxBufferedPerChannel`, else it is dropped and the sender resends).
 * Barriers are sequenced on the same channels, so they are never ahead of data.
 * @module
 */
import type { Background, Clock, Sql, TransactionSync, Wake } from "@durable/core";
import type { CheckpointConfig } from "./config.ts";
import { ckptError } from "./errors.ts";
import { retryDelay, serializeBounded } from "./exactly-once.ts";
import type { Envelope, ParticipantReply, Transport } from "./messages.ts";

/** Wake-up key prefix of a channel's retries. */
export const CHAN_WAKE = "chan:";

/** Messages per data batch and batches in flight per channel. */
const BATCH = 64;
const WINDOW = 4;

/** Applies one message of channel `from` (inside the apply transaction; must not await). */
export type MessageHandler = (from: string, payload: unknown) => void;

/** The channel API of a checkpoint. */
export interface ChannelApi {
  /**
   * Appends `payload` to the channel to `to`; call inside your `transactionSync`.
   * @returns its seq
   * @throws {MESSAGE_TOO_LARGE} 413 over 1 MiB serialized (nothing is appended)
   */
  send(to: string, payload: unknown): number;
  /** Sets the handler that applies incoming messages (once, at setup). */
  onMessage(handler: MessageHandler): void;
  /** Sends what is pending (to one channel or all); resolves when this pass ends. */
  flush(to?: string): Promise<void>;
  /** Messages not yet acked, per channel. */
  pending(): Record<string, number>;
}

/** What the participant hooks into a channel: barriers and channel-state recording. */
export interface ChannelHooks {
  /** A barrier in seq order on channel `from` (inside the apply transaction). @returns work after commit */
  onBarrier(from: string, envelope: Extract<Envelope, { k: "b" }>): (() => void) | undefined;
  /** A data message applied on channel `from` (inside the apply transaction): record it if an epoch waits for `from`'s barrier. */
  onApplied(from: string, seq: number, body: string): void;
  /** The DO's recovery incarnation (messages of another are refused). */
  incarnation(): number;
  /** Throws RECOVERING while this DO recovers. */
  assertRunning(): void;
}

/** Ports of the channels. */
export interface ChannelPorts {
  sql: Sql;
  transactionSync: TransactionSync;
  clock: Clock;
  wake: Wake;
  background?: Background;
}

/** The channels of one DO. */
export class Channels implements ChannelApi {
  readonly #ports: ChannelPorts;
  readonly #config: CheckpointConfig;
  readonly #self: () => string;
  readonly #transport: () => Transport | undefined;
  #hooks: ChannelHooks | undefined;
  #handler: MessageHandler | undefined;
  readonly #inflight = new Map<string, Promise<void>>();
  readonly #again = new Set<string>();
  readonly #attempts = new Map<string, number>();

  constructor(
    ports: ChannelPorts,
    config: CheckpointConfig,
    self: () => string,
    transport: () => Transport | undefined,
  ) {
    this.#ports = ports;
    this.#config = config;
    this.#self = self;
    this.#transport = transport;
  }

  /** @internal the participant's hooks */
  hook(hooks: ChannelHooks): void {
    this.#hooks = hooks;
  }

  onMessage(handler: MessageHandler): void {
    this.#handler = handler;
  }

  send(to: string, payload: unknown): number {
    // The limit is on the payload; the envelope `{"k":"m","p":…}` wraps its text.
    const text = serializeBounded(payload, this.#config.maxMessageBytes, "message");
    return this.append(to, `{"k":"m","p":${text}}`);
  }

  /** @internal appends an envelope (data or barrier) in the caller's transaction */
  append(to: string, body: string): number {
    const { sql, clock, wake } = this.#ports;
    if (to === this.#self()) throw ckptError.error("INVALID_INPUT", "to: a DO does not send to itself");
    const seq =
      sql.exec<{ next_seq: number }>("SELECT next_seq FROM ckpt_chan_next WHERE channel = ?", to).toArray()[0]
        ?.next_seq ?? 1;
    sql.exec("INSERT INTO ckpt_chan_out (channel, seq, payload) VALUES (?, ?, ?)", to, seq, body);
    sql.exec(
      "INSERT INTO ckpt_chan_next (channel, next_seq) VALUES (?, ?) ON CONFLICT (channel) DO UPDATE SET next_seq = excluded.next_seq",
      to,
      seq + 1,
    );
    wake.set(`${CHAN_WAKE}${to}`, clock.now());
    return seq;
  }

  pending(): Record<string, number> {
    const rows = this.#ports.sql
      .exec<{ channel: string; n: number }>("SELECT channel, count(*) AS n FROM ckpt_chan_out GROUP BY channel")
      .toArray();
    return Object.fromEntries(rows.map((r) => [r.channel, r.n]));
  }

  /** Channels with messages to send. */
  #channels(): string[] {
    return this.#ports.sql
      .exec<{ channel: string }>("SELECT DISTINCT channel FROM ckpt_chan_out ORDER BY channel")
      .toArray()
      .map((r) => r.channel);
  }

  async flush(to?: string): Promise<void> {
    const list = to === undefined ? this.#channels() : [to];
    await Promise.all(list.map((c) => this.#flushOne(c)));
  }

  /** Sends in the background (after a commit); the wake-up is the safety net. */
  kick(to?: string): void {
    const p = this.flush(to).catch(() => {});
    this.#ports.background?.waitUntil(p);
  }

  #flushOne(channel: string): Promise<void> {
    const running = this.#inflight.get(channel);
    if (running) {
      this.#again.add(channel);
      return running;
    }
    const run = (async () => {
      try {
        do {
          this.#again.delete(channel);
          await this.#pass(channel);
        } while (this.#again.has(channel));
      } finally {
        this.#inflight.delete(channel);
      }
    })();
    this.#inflight.set(channel, run);
    return run;
  }

  /** One pass: up to WINDOW batches in flight; acks delete; leftovers are retried on a wake-up. */
  async #pass(channel: string): Promise<void> {
    const { sql, clock, wake } = this.#ports;
    const transport = this.#transport();
    for (;;) {
      const rows = sql
        .exec<{ seq: number; payload: string }>(
          "SELECT seq, payload FROM ckpt_chan_out WHERE channel = ? ORDER BY seq LIMIT ?",
          channel,
          BATCH * WINDOW,
        )
        .toArray();
      if (rows.length === 0) {
        this.#attempts.delete(channel);
        wake.cancel(`${CHAN_WAKE}${channel}`);
        return;
      }
      if (!transport) throw new Error("channels need a transport");
      const batches: { seq: number; body: string }[][] = [];
      for (let i = 0; i < rows.length; i += BATCH) {
        batches.push(rows.slice(i, i + BATCH).map((r) => ({ seq: r.seq, body: r.payload })));
      }
      const inc = this.#hooks?.incarnation() ?? 0;
      const replies = await Promise.allSettled(
        batches.map((messages) => transport.send(channel, { type: "data", from: this.#self(), inc, messages })),
      );
      const acked = Math.max(0, ...replies.map((r) => (r.status === "fulfilled" ? (r.value.nextSeq ?? 0) : 0)));
      const before = rows[0]?.seq ?? 0;
      if (acked > before) {
        sql.exec("DELETE FROM ckpt_chan_out WHERE channel = ? AND seq < ?", channel, acked);
        this.#attempts.delete(channel);
        continue;
      }
      // No progress: lost, refused (RECOVERING) or the receiver could not buffer. Back off.
      const attempts = (this.#attempts.get(channel) ?? 0) + 1;
      this.#attempts.set(channel, attempts);
      wake.set(`${CHAN_WAKE}${channel}`, clock.now() + retryDelay(attempts));
      return;
    }
  }

  /**
   * Receives a batch of channel `from`: applies what is next, buffers what is ahead, re-acks
   * duplicates.
   * @returns the next expected seq (a cumulative ack)
   * @throws {RECOVERING} 503 while this DO recovers
   */
  receive(from: string, inc: number, messages: { seq: number; body: string }[]): ParticipantReply {
    const { sql, transactionSync } = this.#ports;
    this.#hooks?.assertRunning();
    const nextSeq = () =>
      sql.exec<{ next_seq: number }>("SELECT next_seq FROM ckpt_chan_in WHERE channel = ?", from).toArray()[0]
        ?.next_seq ?? 1;
    // A message of an older incarnation (sent before a recovery) is never applied.
    if (inc !== (this.#hooks?.incarnation() ?? 0)) return { ok: true, nextSeq: 0 };
    let next = nextSeq();
    for (const m of messages) {
      if (m.seq <= next) continue;
      const buffered = sql
        .exec<{ n: number }>("SELECT count(*) AS n FROM ckpt_chan_buf WHERE channel = ?", from)
        .one().n;
      if (buffered >= this.#config.maxBufferedPerChannel) break;
      sql.exec("INSERT OR IGNORE INTO ckpt_chan_buf (channel, seq, payload) VALUES (?, ?, ?)", from, m.seq, m.body);
    }
    const inBatch = new Map(messages.map((m) => [m.seq, m.body]));
    for (;;) {
      const body =
        inBatch.get(next) ??
        sql
          .exec<{ payload: string }>("SELECT payload FROM ckpt_chan_buf WHERE channel = ? AND seq = ?", from, next)
          .toArray()[0]?.payload;
      if (body === undefined) break;
      const seq = next;
      let after: (() => void) | undefined;
      try {
        transactionSync(() => {
          after = this.#apply(from, seq, body);
          sql.exec("DELETE FROM ckpt_chan_buf WHERE channel = ? AND seq = ?", from, seq);
          sql.exec(
            "INSERT INTO ckpt_chan_in (channel, next_seq) VALUES (?, ?) ON CONFLICT (channel) DO UPDATE SET next_seq = excluded.next_seq",
            from,
            seq + 1,
          );
        });
      } catch (err) {
        // Not applied: the sender resends from `next` (a capture that threw stored nothing).
        console.warn(JSON.stringify({ level: "warn", code: "CHANNEL_APPLY_FAILED", from, seq, error: String(err) }));
        break;
      }
      after?.();
      next = seq + 1;
    }
    return { ok: true, nextSeq: next };
  }

  #apply(from: string, seq: number, body: string): (() => void) | undefined {
    const envelope = JSON.parse(body) as Envelope;
    if (envelope.k === "b") return this.#hooks?.onBarrier(from, envelope);
    this.#hooks?.onApplied(from, seq, body);
    if (!this.#handler) throw new Error("channels: no onMessage handler");
    this.#handler(from, envelope.p);
    return undefined;
  }

  /** Applies a recorded message again (recovery replay), advancing `next_seq` past it; inside a transaction. */
  replay(from: string, seq: number, body: string): void {
    const envelope = JSON.parse(body) as Envelope;
    if (envelope.k === "m") this.#handler?.(from, envelope.p);
    this.#ports.sql.exec(
      "INSERT INTO ckpt_chan_in (channel, next_seq) VALUES (?, ?) ON CONFLICT (channel) DO UPDATE SET next_seq = max(next_seq, excluded.next_seq)",
      from,
      seq + 1,
    );
  }
}
