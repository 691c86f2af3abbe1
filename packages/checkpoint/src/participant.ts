/**
 * The participant side of a global checkpoint (Chandy–Lamport over the FIFO channels). On the
 * first barrier N, from the coordinator or a channel, one transaction captures local state as
 * epoch N (with the channel counters and the unsent outbox), records `ckpt_part` and appends
 * barrier N to every outgoing channel. Messages applied from a channel after the capture and
 * before its barrier N are recorded in `ckpt_channel_state`. When barrier N came on every
 * incoming channel, the capture is encoded, committed and acked. A repeated barrier re-acks (or
 * resumes encoding from the staged copy); an older one is ignored; the deadline wake-up drops
 * unfinished work. Recovery: pause, restore epoch N and replay its channel state, resume.
 * @module
 */

import { type Clock, newId, type Sql, type TransactionSync, type Wake } from "@durable/core";
import { dropStage, stage } from "./capture.ts";
import type { Channels } from "./channels.ts";
import type { CheckpointConfig } from "./config.ts";
import { ckptError } from "./errors.ts";
import type { LocalCheckpoints } from "./local.ts";
import type { Envelope, ParticipantMessage, ParticipantReply } from "./messages.ts";
import { CheckpointMeta } from "./meta.ts";
import { OperatorRegistry, tablesOperator } from "./operators.ts";
import { deadlineKey } from "./wake-keys.ts";

/** The operator a global capture adds: channel counters, unsent channel messages and the outbox. */
export const CHANNELS_OPERATOR = "ckpt.channels";
const CHANNEL_TABLES = ["ckpt_chan_out", "ckpt_chan_next", "ckpt_chan_in", "ckpt_outbox"];

type PartStatus = "capturing" | "aligned" | "acked" | "completed" | "aborted" | "dropped" | "failed";

type PartRow = {
  epoch: number;
  coordinator: string;
  stage_id: string;
  snapshot_id: string | null;
  status: PartStatus;
  pending_channels: string;
  deadline_at: number;
  bytes: number;
};

/** What the participant needs. */
export interface ParticipantDeps {
  sql: Sql;
  transactionSync: TransactionSync;
  clock: Clock;
  wake: Wake;
  config: CheckpointConfig;
  registry: OperatorRegistry;
  local: LocalCheckpoints;
  channels: Channels;
  self: () => string;
  /** Sends to a DO (itself included). */
  deliver: (to: string, message: ParticipantMessage) => Promise<ParticipantReply>;
  /** Runs after the response (`waitUntil`). */
  later: (work: Promise<unknown>) => void;
}

/** The participant of one DO. */
export class Participant {
  readonly #d: ParticipantDeps;
  readonly #encoding = new Map<number, Promise<void>>();
  readonly #meta: CheckpointMeta;
  #paused: boolean | null = null;

  constructor(deps: ParticipantDeps) {
    this.#d = deps;
    this.#meta = new CheckpointMeta(deps.sql);
  }

  /** The registry of a global capture: the DO's operators, then the channel tables. */
  registry(): OperatorRegistry {
    const r = new OperatorRegistry();
    for (const [id, op] of this.#d.registry.entries()) r.register(id, op);
    r.register(CHANNELS_OPERATOR, tablesOperator(this.#d.sql, CHANNEL_TABLES));
    return r;
  }

  #row(epoch: number): PartRow | undefined {
    return this.#d.sql.exec<PartRow>("SELECT * FROM ckpt_part WHERE epoch = ?", epoch).toArray()[0];
  }

  /** The recovery incarnation this DO's channels carry. */
  incarnation(): number {
    return this.#meta.number("inc");
  }

  /** True while a recovery paused this DO. */
  paused(): boolean {
    this.#paused ??= this.#meta.get("paused") !== undefined;
    return this.#paused;
  }

  /** @throws {RECOVERING} 503 while paused */
  assertRunning(): void {
    if (this.paused()) throw ckptError.error("RECOVERING", "this DO is recovering a global checkpoint; retry");
  }

  /** True while this DO holds an unencoded capture of a pending epoch. */
  holdsPendingCapture(): boolean {
    return (
      this.#d.sql
        .exec<{ n: number }>("SELECT count(*) AS n FROM ckpt_part WHERE status IN ('capturing', 'aligned')")
        .one().n > 0
    );
  }

  /**
   * Barrier N, from the coordinator (`from` undefined) or channel `from`; call inside a transaction.
   * @returns the work after commit (encode, re-ack, flush)
   */
  barrier(
    epoch: number,
    coordinator: string,
    participants: string[],
    deadlineAt: number,
    from?: string,
  ): (() => void) | undefined {
    const { sql, config, wake } = this.#d;
    const self = this.#d.self();
    const row = this.#row(epoch);
    if (row) {
      if (from !== undefined && row.status === "capturing") {
        const pending = (JSON.parse(row.pending_channels) as string[]).filter((c) => c !== from);
        sql.exec(
          "UPDATE ckpt_part SET pending_channels = ?, status = ? WHERE epoch = ?",
          JSON.stringify(pending),
          pending.length === 0 ? "aligned" : "capturing",
          epoch,
        );
        return pending.length === 0 ? () => this.#encodeLater(epoch) : undefined;
      }
      if (from === undefined && row.status === "failed") {
        return () => this.#d.later(this.#errorAck(coordinator, epoch, "capture failed"));
      }
      if (from === undefined && (row.status === "acked" || row.status === "completed")) {
        return () => this.#d.later(this.#ack(epoch));
      }
      // An unencoded capture resumes from its staged copy.
      if (from === undefined && row.status === "aligned") return () => this.#encodeLater(epoch);
      return undefined;
    }
    const newest = sql.exec<{ e: number | null }>("SELECT max(epoch) AS e FROM ckpt_part").one().e ?? 0;
    if (epoch < newest) return undefined; // an older barrier: ignored
    // An older epoch still open here was aborted (its abort was lost): one epoch is in flight.
    for (const old of sql.exec<PartRow>("SELECT * FROM ckpt_part WHERE status IN ('capturing', 'aligned')").toArray()) {
      this.#drop(old, "dropped");
    }
    const stageId = `g:${epoch}`;
    try {
      stage(sql, this.registry(), config, stageId);
    } catch (err) {
      if ((err as { code?: string }).code !== "CHECKPOINT_TOO_LARGE") throw err; // nothing stored; the barrier comes again
      // Deterministic: a retry cannot help, so the epoch must abort (an error ack).
      dropStage(sql, stageId);
      sql.exec(
        "INSERT INTO ckpt_part (epoch, coordinator, stage_id, snapshot_id, status, pending_channels, deadline_at) VALUES (?, ?, ?, NULL, 'failed', '[]', ?)",
        epoch,
        coordinator,
        stageId,
        deadlineAt,
      );
      const error = `CHECKPOINT_TOO_LARGE: ${(err as Error).message}`;
      return () => this.#d.later(this.#errorAck(coordinator, epoch, error));
    }
    const pending = participants.filter((p) => p !== self && p !== from);
    sql.exec(
      "INSERT INTO ckpt_part (epoch, coordinator, stage_id, snapshot_id, status, pending_channels, deadline_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      epoch,
      coordinator,
      stageId,
      newId(),
      pending.length === 0 ? "aligned" : "capturing",
      JSON.stringify(pending),
      deadlineAt,
    );
    const envelope: Envelope = { k: "b", e: epoch, c: coordinator, ps: participants, d: deadlineAt };
    const body = JSON.stringify(envelope);
    for (const p of participants) if (p !== self) this.#d.channels.append(p, body);
    wake.set(deadlineKey(epoch), deadlineAt);
    return () => {
      this.#d.channels.kick();
      if (pending.length === 0) this.#encodeLater(epoch);
    };
  }

  /** Records a message of channel `from` applied while an epoch waits for that channel's barrier. */
  recordIfPending(from: string, seq: number, body: string): void {
    const { sql } = this.#d;
    const open = sql
      .exec<{ epoch: number; pending_channels: string }>(
        "SELECT epoch, pending_channels FROM ckpt_part WHERE status = 'capturing'",
      )
      .toArray();
    for (const r of open) {
      if ((JSON.parse(r.pending_channels) as string[]).includes(from)) {
        sql.exec(
          "INSERT OR IGNORE INTO ckpt_channel_state (epoch, channel, seq, payload) VALUES (?, ?, ?, ?)",
          r.epoch,
          from,
          seq,
          body,
        );
      }
    }
  }

  #encodeLater(epoch: number): void {
    this.#d.later(this.encode(epoch).catch(() => {}));
  }

  /** Encodes and commits an aligned capture, then acks it (one run per epoch at a time). */
  encode(epoch: number): Promise<void> {
    const running = this.#encoding.get(epoch);
    if (running) return running;
    const run = this.#encode(epoch).finally(() => this.#encoding.delete(epoch));
    this.#encoding.set(epoch, run);
    return run;
  }

  async #encode(epoch: number): Promise<void> {
    const { sql, local } = this.#d;
    const row = this.#row(epoch);
    if (row?.status !== "aligned" || !row.snapshot_id) return;
    const channelStateCount = this.#channelStateCount(epoch);
    const gone = new Error("epoch ended while encoding");
    try {
      await local.encodeStaged(row.stage_id, row.snapshot_id, epoch, {
        keepStage: true,
        extra: { channelStateCount },
        inCommit: (m) => {
          const now = this.#row(epoch);
          if (now?.status !== "aligned") throw gone;
          sql.exec("UPDATE ckpt_part SET status = 'acked', bytes = ? WHERE epoch = ?", m.storedBytes, epoch);
        },
      });
    } catch (err) {
      if (err === gone) {
        dropStage(sql, row.stage_id);
        return;
      }
      const code = (err as { code?: string }).code;
      if (code === "CHECKPOINT_TOO_LARGE" || code === "CHECKPOINT_SCHEMA_MISMATCH") {
        // A deterministic failure: retrying cannot help, so the epoch aborts.
        this.#d.transactionSync(() => this.#drop(row, "failed"));
        await this.#errorAck(row.coordinator, epoch, `${code}: ${(err as Error).message}`);
        return;
      }
      throw err; // kept aligned: the next barrier re-send resumes it
    }
    await this.#ack(epoch);
  }

  #errorAck(coordinator: string, epoch: number, error: string): Promise<ParticipantReply> {
    return this.#d.deliver(coordinator, {
      type: "ack",
      from: this.#d.self(),
      epoch,
      snapshotId: null,
      channelStateCount: 0,
      bytes: 0,
      error,
    });
  }

  #channelStateCount(epoch: number): number {
    return this.#d.sql.exec<{ n: number }>("SELECT count(*) AS n FROM ckpt_channel_state WHERE epoch = ?", epoch).one()
      .n;
  }

  async #ack(epoch: number): Promise<void> {
    const row = this.#row(epoch);
    if (!row?.snapshot_id || (row.status !== "acked" && row.status !== "completed")) return;
    await this.#d.deliver(row.coordinator, {
      type: "ack",
      from: this.#d.self(),
      epoch,
      snapshotId: row.snapshot_id,
      channelStateCount: this.#channelStateCount(epoch),
      bytes: row.bytes,
    });
  }

  /** Drops an epoch's unfinished work (stage, channel state; a committed capture of an aborted epoch). */
  #drop(row: PartRow, status: PartStatus): void {
    const { sql } = this.#d;
    dropStage(sql, row.stage_id);
    sql.exec("DELETE FROM ckpt_channel_state WHERE epoch = ?", row.epoch);
    if (status === "aborted" && row.snapshot_id) {
      sql.exec("DELETE FROM ckpt_snapshots WHERE snapshot_id = ?", row.snapshot_id);
    }
    sql.exec("UPDATE ckpt_part SET status = ? WHERE epoch = ?", status, row.epoch);
  }

  /** `complete(N)`: the capture is the latest completed one; older global captures go. */
  async complete(epoch: number): Promise<void> {
    const { sql, transactionSync } = this.#d;
    transactionSync(() => {
      sql.exec("UPDATE ckpt_part SET status = 'completed' WHERE epoch = ? AND status = 'acked'", epoch);
      const latest = this.#meta.number("latest_completed");
      if (epoch > latest) this.#meta.set("latest_completed", epoch);
      this.#retain();
    });
    await this.#d.local.gc().catch(() => {});
  }

  /** Global captures other than those of the latest completed epoch and newer ones are deleted. */
  #retain(): void {
    const latest = this.#meta.number("latest_completed");
    const { sql } = this.#d;
    sql.exec(
      `DELETE FROM ckpt_snapshots WHERE epoch > 0 AND snapshot_id NOT IN
       (SELECT snapshot_id FROM ckpt_part WHERE snapshot_id IS NOT NULL AND status IN ('acked', 'completed', 'aligned', 'capturing') AND epoch >= ?)`,
      latest,
    );
    sql.exec("DELETE FROM ckpt_channel_state WHERE epoch < ?", latest);
  }

  /** `abort(N)`: drops the epoch's work and its capture. */
  async abort(epoch: number): Promise<void> {
    const { transactionSync } = this.#d;
    transactionSync(() => {
      const row = this.#row(epoch);
      if (row && row.status !== "completed" && row.status !== "aborted") this.#drop(row, "aborted");
    });
    await this.#d.local.gc().catch(() => {});
  }

  /** The deadline wake-up: unfinished work of epoch N is dropped (a committed capture is kept). */
  onDeadline(epoch: number): void {
    this.#d.transactionSync(() => {
      const row = this.#row(epoch);
      if (row && (row.status === "capturing" || row.status === "aligned")) this.#drop(row, "dropped");
    });
  }

  /** At start: re-arm deadlines and resume aligned encodes; the paused flag is read again. */
  start(): void {
    this.#paused = null;
    for (const r of this.#d.sql
      .exec<PartRow>("SELECT * FROM ckpt_part WHERE status IN ('capturing', 'aligned')")
      .toArray()) {
      if (this.#d.clock.now() >= r.deadline_at) this.onDeadline(r.epoch);
      else {
        this.#d.wake.set(deadlineKey(r.epoch), r.deadline_at);
        if (r.status === "aligned") this.#encodeLater(r.epoch);
      }
    }
  }

  /** Recovery, step 1: refuse deliveries and requests (503 RECOVERING) until resumed. */
  pause(): void {
    this.#d.transactionSync(() => this.#meta.set("paused", "1"));
    this.#paused = true;
  }

  /**
   * Recovery, step 2: restore the capture of epoch N (verified), then replay the recorded
   * channel state in seq order, in the same swap transaction; messages of older incarnations
   * are refused from now on.
   * @throws {NOT_FOUND} 404 when this DO has no capture `snapshotId` of epoch N
   */
  async restoreEpoch(epoch: number, snapshotId: string, inc: number): Promise<string> {
    const { sql, local } = this.#d;
    const row = this.#row(epoch);
    if (!row || row.snapshot_id !== snapshotId) {
      throw ckptError.error("NOT_FOUND", `no capture ${snapshotId} of epoch ${epoch} here`);
    }
    if (!this.paused()) throw ckptError.error("INVALID_INPUT", "restoreEpoch: pause first");
    await local.restore(
      snapshotId,
      () => {
        sql.exec("DELETE FROM ckpt_chan_buf");
        const recorded = sql
          .exec<{ channel: string; seq: number; payload: string }>(
            "SELECT channel, seq, payload FROM ckpt_channel_state WHERE epoch = ? ORDER BY channel, seq",
            epoch,
          )
          .toArray();
        for (const r of recorded) this.#d.channels.replay(r.channel, r.seq, r.payload);
        for (const open of sql
          .exec<PartRow>("SELECT * FROM ckpt_part WHERE status IN ('capturing', 'aligned')")
          .toArray()) {
          this.#drop(open, "dropped");
        }
        this.#meta.set("inc", inc);
      },
      true,
      this.registry(),
    );
    return snapshotId;
  }

  /** Recovery, step 3: accept deliveries and requests again; send what the restored channels hold. */
  resume(): void {
    this.#d.transactionSync(() => this.#meta.set("paused", null));
    this.#paused = false;
    this.#d.channels.kick();
  }
}
