/**
 * The coordinator of global checkpoints (Flink's checkpoint coordinator): registered
 * participants, epochs (never reused), one in flight, barriers sent only after the pending row
 * and its deadline wake-up are durable, re-sent to un-acked participants, acks as a set, the
 * `ckpt_global` manifest written in one transaction, abort on an error ack or the deadline,
 * resumption after a restart, and `recover()` to the latest completed epoch.
 * @module
 */
import { type Clock, type Sql, safeParse, type TransactionSync, type Wake } from "@durable/core";
import { CHECKPOINT_LIMITS, type CheckpointConfig } from "./config.ts";
import { type EpochInfo, EpochLog, type EpochRow, type EpochStatus, type GlobalManifest } from "./epoch-log.ts";
import { ckptError } from "./errors.ts";
import { type ParticipantMessage, ParticipantNameSchema, type ParticipantReply } from "./messages.ts";
import { CheckpointMeta } from "./meta.ts";
import { deadlineKey, resendKey } from "./wake-keys.ts";

export type { EpochInfo, EpochStatus, GlobalManifest } from "./epoch-log.ts";

/** The coordinator API. */
export interface CoordinatorApi {
  /** Adds a participant (a DO name). @throws {INVALID_INPUT} */
  register(name: string): void;
  /** Removes a participant. @returns whether it was registered */
  unregister(name: string): boolean;
  /** The registered participants (this DO always takes part besides them). */
  participants(): string[];
  /**
   * Starts epoch N = last + 1 (or returns the one in flight).
   * @throws {INVALID_INPUT} 400 timeoutMs outside 1 s–10 min · {NO_PARTICIPANTS} 409 · {RECOVERING} 503
   */
  trigger(options?: { timeoutMs?: number }): Promise<{ epoch: number; status: EpochStatus }>;
  /** An epoch. @throws {NOT_FOUND} 404 */
  epoch(epoch: number): EpochInfo;
  /** Epochs, newest first. */
  epochs(options?: { status?: EpochStatus; limit?: number; before?: number }): {
    items: EpochInfo[];
    cursor: string | null;
  };
  /** The latest completed global manifest, or null. */
  latest(): GlobalManifest | null;
  /**
   * Rolls every participant back to the latest completed epoch: pause all, restore each, resume all.
   * @throws {NO_CHECKPOINT} 404 when no epoch completed
   */
  recover(): Promise<{ epoch: number; participants: string[] }>;
}

/** What the coordinator needs. */
export interface CoordinatorDeps {
  sql: Sql;
  transactionSync: TransactionSync;
  clock: Clock;
  wake: Wake;
  config: CheckpointConfig;
  self: () => string;
  deliver: (to: string, message: ParticipantMessage) => Promise<ParticipantReply>;
  later: (work: Promise<unknown>) => void;
  assertRunning: () => void;
}

/** The coordinator of one DO. */
export class Coordinator implements CoordinatorApi {
  readonly #d: CoordinatorDeps;
  readonly #log: EpochLog;
  readonly #meta: CheckpointMeta;

  constructor(deps: CoordinatorDeps) {
    this.#d = deps;
    this.#log = new EpochLog(deps.sql);
    this.#meta = new CheckpointMeta(deps.sql);
  }

  register(name: string): void {
    const parsed = safeParse(ParticipantNameSchema, name);
    if (!parsed.success) throw ckptError.error("INVALID_INPUT", "name: a DO name");
    if (name === this.#d.self()) throw ckptError.error("INVALID_INPUT", "name: this DO always takes part");
    this.#d.sql.exec(
      "INSERT OR IGNORE INTO ckpt_participants (name, added_at) VALUES (?, ?)",
      name,
      this.#d.clock.now(),
    );
  }

  unregister(name: string): boolean {
    return this.#d.sql.exec("DELETE FROM ckpt_participants WHERE name = ?", name).rowsWritten > 0;
  }

  participants(): string[] {
    return this.#d.sql
      .exec<{ name: string }>("SELECT name FROM ckpt_participants ORDER BY name")
      .toArray()
      .map((r) => r.name);
  }

  #row(epoch: number): EpochRow | undefined {
    return this.#log.row(epoch);
  }

  async trigger(options: { timeoutMs?: number } = {}): Promise<{ epoch: number; status: EpochStatus }> {
    const { sql, transactionSync, clock, wake, config } = this.#d;
    const timeoutMs = options.timeoutMs ?? CHECKPOINT_LIMITS.defaultTimeoutMs;
    if (
      !Number.isInteger(timeoutMs) ||
      timeoutMs < CHECKPOINT_LIMITS.minTimeoutMs ||
      timeoutMs > CHECKPOINT_LIMITS.maxTimeoutMs
    ) {
      throw ckptError.error("INVALID_INPUT", "timeoutMs: an integer from 1000 to 600000");
    }
    this.#d.assertRunning();
    const { epoch, created } = transactionSync(() => {
      const pending = sql
        .exec<{ epoch: number }>("SELECT epoch FROM ckpt_epochs WHERE status = 'pending' ORDER BY epoch LIMIT 1")
        .toArray()[0];
      if (pending) return { epoch: pending.epoch, created: false };
      const registered = this.participants();
      if (registered.length === 0) {
        throw ckptError.error("NO_PARTICIPANTS", "register a participant before triggering a global checkpoint");
      }
      const participants = [this.#d.self(), ...registered];
      const last = Math.max(
        this.#meta.number("last_epoch"),
        sql.exec<{ e: number | null }>("SELECT max(epoch) AS e FROM ckpt_epochs").one().e ?? 0,
      );
      const epoch = last + 1;
      this.#meta.set("last_epoch", epoch);
      const channels = participants.flatMap((a) => participants.filter((b) => b !== a).map((b) => `${a}->${b}`));
      const now = clock.now();
      sql.exec(
        "INSERT INTO ckpt_epochs (epoch, status, participants, channels, started_at, deadline_at) VALUES (?, 'pending', ?, ?, ?, ?)",
        epoch,
        JSON.stringify(participants),
        JSON.stringify(channels),
        now,
        now + timeoutMs,
      );
      wake.set(deadlineKey(epoch), now + timeoutMs);
      wake.set(resendKey(epoch), now + config.resendMs);
      return { epoch, created: true };
    });
    if (created) await this.#sendBarriers(epoch);
    return { epoch, status: (this.#row(epoch) as EpochRow).status };
  }

  /** Sends barrier N to every participant that has not acked it. */
  async #sendBarriers(epoch: number): Promise<void> {
    const row = this.#row(epoch);
    if (row?.status !== "pending") return;
    const participants = JSON.parse(row.participants) as string[];
    const acked = new Set(
      this.#d.sql
        .exec<{ participant: string }>("SELECT participant FROM ckpt_acks WHERE epoch = ?", epoch)
        .toArray()
        .map((r) => r.participant),
    );
    await Promise.allSettled(
      participants
        .filter((p) => !acked.has(p))
        .map((p) =>
          this.#d.deliver(p, {
            type: "barrier",
            from: this.#d.self(),
            epoch,
            participants,
            deadlineAt: row.deadline_at,
          }),
        ),
    );
  }

  /** An ack: recorded once; an error aborts; the full set completes the epoch. Late or unknown: ignored. */
  onAck(ack: Extract<ParticipantMessage, { type: "ack" }>): void {
    const { sql, transactionSync, clock, wake } = this.#d;
    const outcome = transactionSync((): "complete" | "abort" | null => {
      const row = this.#row(ack.epoch);
      if (row?.status !== "pending") return null;
      const participants = JSON.parse(row.participants) as string[];
      if (!participants.includes(ack.from)) return null;
      if (ack.error !== undefined || ack.snapshotId === null) {
        this.#end(row.epoch, "aborted", `${ack.from}: ${ack.error ?? "no snapshot"}`);
        return "abort";
      }
      sql.exec(
        "INSERT OR IGNORE INTO ckpt_acks (epoch, participant, snapshot_id, error, channel_state_count, bytes, acked_at) VALUES (?, ?, ?, NULL, ?, ?, ?)",
        ack.epoch,
        ack.from,
        ack.snapshotId,
        ack.channelStateCount,
        ack.bytes,
        clock.now(),
      );
      const acks = sql
        .exec<{ participant: string; snapshot_id: string; channel_state_count: number; bytes: number }>(
          "SELECT participant, snapshot_id, channel_state_count, bytes FROM ckpt_acks WHERE epoch = ?",
          ack.epoch,
        )
        .toArray();
      const ackedSet = new Set(acks.map((a) => a.participant));
      if (!participants.every((p) => ackedSet.has(p))) return null;
      const manifest: GlobalManifest = {
        epoch: ack.epoch,
        completedAt: clock.now(),
        participants: Object.fromEntries(acks.map((a) => [a.participant, a.snapshot_id])),
        channelState: Object.fromEntries(acks.map((a) => [a.participant, a.channel_state_count])),
        bytes: acks.reduce((n, a) => n + a.bytes, 0),
      };
      sql.exec(
        "INSERT INTO ckpt_global (epoch, manifest, completed_at) VALUES (?, ?, ?)",
        ack.epoch,
        JSON.stringify(manifest),
        manifest.completedAt,
      );
      this.#meta.set("latest_global", ack.epoch);
      this.#end(ack.epoch, "completed", null);
      return "complete";
    });
    if (outcome) {
      wake.cancel(resendKey(ack.epoch));
      this.#broadcast(ack.epoch, outcome);
    }
  }

  #end(epoch: number, status: EpochStatus, reason: string | null): void {
    this.#d.sql.exec(
      "UPDATE ckpt_epochs SET status = ?, ended_at = ?, reason = ? WHERE epoch = ?",
      status,
      this.#d.clock.now(),
      reason,
      epoch,
    );
  }

  #broadcast(epoch: number, what: "complete" | "abort", reason = "aborted"): void {
    const row = this.#row(epoch);
    if (!row) return;
    const from = this.#d.self();
    const message: ParticipantMessage =
      what === "complete"
        ? { type: "complete", from, epoch }
        : { type: "abort", from, epoch, reason: row.reason ?? reason };
    this.#d.later(
      Promise.allSettled((JSON.parse(row.participants) as string[]).map((p) => this.#d.deliver(p, message))),
    );
  }

  /** Aborts a pending epoch. @returns whether it was pending */
  abort(epoch: number, reason: string): boolean {
    const aborted = this.#d.transactionSync(() => {
      const row = this.#row(epoch);
      if (row?.status !== "pending") return false;
      this.#end(epoch, "aborted", reason);
      return true;
    });
    if (aborted) {
      this.#d.wake.cancel(resendKey(epoch));
      this.#broadcast(epoch, "abort", reason);
    }
    return aborted;
  }

  /** The deadline wake-up of epoch N. */
  onDeadline(epoch: number): void {
    this.abort(epoch, "deadline passed");
  }

  /** The re-send wake-up of epoch N: barriers again to the un-acked, every `resendMs`. */
  async onResend(epoch: number): Promise<void> {
    const row = this.#row(epoch);
    if (row?.status !== "pending") return;
    this.#d.wake.set(resendKey(epoch), this.#d.clock.now() + this.#d.config.resendMs);
    await this.#sendBarriers(epoch);
  }

  /** At start: a pending epoch past its deadline is aborted; else barriers are re-sent and the deadline re-armed. */
  start(): void {
    const now = this.#d.clock.now();
    for (const row of this.#d.sql.exec<EpochRow>("SELECT * FROM ckpt_epochs WHERE status = 'pending'").toArray()) {
      if (now >= row.deadline_at) this.abort(row.epoch, "deadline passed (coordinator restarted)");
      else {
        this.#d.wake.set(deadlineKey(row.epoch), row.deadline_at);
        this.#d.wake.set(resendKey(row.epoch), now + this.#d.config.resendMs);
        this.#d.later(this.#sendBarriers(row.epoch));
      }
    }
  }

  epoch(epoch: number): EpochInfo {
    return this.#log.epoch(epoch);
  }

  epochs(options: { status?: EpochStatus; limit?: number; before?: number } = {}) {
    return this.#log.epochs(options);
  }

  latest(): GlobalManifest | null {
    return this.#log.latest();
  }

  async recover(): Promise<{ epoch: number; participants: string[] }> {
    const latest = this.latest();
    if (!latest) throw ckptError.error("NO_CHECKPOINT", "no global checkpoint completed yet");
    for (const p of this.#d.sql
      .exec<{ epoch: number }>("SELECT epoch FROM ckpt_epochs WHERE status = 'pending'")
      .toArray()) {
      this.abort(p.epoch, "recovery");
    }
    const inc = this.#d.transactionSync(() => {
      const next = this.#meta.number("recoveries") + 1;
      this.#meta.set("recoveries", next);
      return next;
    });
    const from = this.#d.self();
    const names = Object.keys(latest.participants);
    const all = async (message: (p: string) => ParticipantMessage) => {
      const results = await Promise.allSettled(names.map((p) => this.#retry(() => this.#d.deliver(p, message(p)))));
      const failed = results.flatMap((r, i) => (r.status === "rejected" ? [`${names[i]}: ${String(r.reason)}`] : []));
      if (failed.length > 0) throw new Error(`recovery of epoch ${latest.epoch} failed at ${failed.join("; ")}`);
    };
    await all(() => ({ type: "pause", from, inc }));
    await all((p) => ({
      type: "restoreEpoch",
      from,
      epoch: latest.epoch,
      snapshotId: latest.participants[p] as string,
      inc,
    }));
    await all(() => ({ type: "resume", from, inc }));
    return { epoch: latest.epoch, participants: names };
  }

  async #retry<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
    for (let i = 1; ; i++) {
      try {
        return await fn();
      } catch (err) {
        if (i >= attempts) throw err;
      }
    }
  }
}
