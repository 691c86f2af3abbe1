/**
 * The read side of global checkpoints: epochs (`ckpt_epochs`), their acks (`ckpt_acks`) and
 * manifests (`ckpt_global`) as the API and routes show them.
 * @module
 */
import type { Sql } from "@durable/core";
import { ckptError } from "./errors.ts";

/** An epoch's status word. */
export type EpochStatus = "pending" | "completed" | "aborted";

/** The manifest of a completed global checkpoint. */
export interface GlobalManifest {
  epoch: number;
  completedAt: number;
  /** Participant → its capture's snapshot id. */
  participants: Record<string, string>;
  /** Participant → messages recorded as its incoming channels' state. */
  channelState: Record<string, number>;
  bytes: number;
}

/** An epoch as the API shows it. */
export interface EpochInfo {
  epoch: number;
  status: EpochStatus;
  participants: string[];
  channels: string[];
  startedAt: number;
  deadlineAt: number;
  endedAt: number | null;
  reason: string | null;
  acks: {
    participant: string;
    snapshotId: string | null;
    channelStateCount: number;
    bytes: number;
    error: string | null;
  }[];
  manifest: GlobalManifest | null;
}

/** A `ckpt_epochs` row. */
export type EpochRow = {
  epoch: number;
  status: EpochStatus;
  participants: string;
  channels: string;
  started_at: number;
  deadline_at: number;
  ended_at: number | null;
  reason: string | null;
};

/** Reads epochs and their manifests. */
export class EpochLog {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /** The row of `epoch`, or undefined. */
  row(epoch: number): EpochRow | undefined {
    return this.#sql.exec<EpochRow>("SELECT * FROM ckpt_epochs WHERE epoch = ?", epoch).toArray()[0];
  }

  /** An epoch row as the API shows it, with its acks and manifest. */
  info(row: EpochRow): EpochInfo {
    const acks = this.#sql
      .exec<{
        participant: string;
        snapshot_id: string | null;
        channel_state_count: number;
        bytes: number;
        error: string | null;
      }>(
        "SELECT participant, snapshot_id, channel_state_count, bytes, error FROM ckpt_acks WHERE epoch = ? ORDER BY participant",
        row.epoch,
      )
      .toArray()
      .map((a) => ({
        participant: a.participant,
        snapshotId: a.snapshot_id,
        channelStateCount: a.channel_state_count,
        bytes: a.bytes,
        error: a.error,
      }));
    const g = this.#sql
      .exec<{ manifest: string }>("SELECT manifest FROM ckpt_global WHERE epoch = ?", row.epoch)
      .toArray()[0];
    return {
      epoch: row.epoch,
      status: row.status,
      participants: JSON.parse(row.participants) as string[],
      channels: JSON.parse(row.channels) as string[],
      startedAt: row.started_at,
      deadlineAt: row.deadline_at,
      endedAt: row.ended_at,
      reason: row.reason,
      acks,
      manifest: g ? (JSON.parse(g.manifest) as GlobalManifest) : null,
    };
  }

  /** An epoch. @throws {NOT_FOUND} 404 */
  epoch(epoch: number): EpochInfo {
    const row = this.row(epoch);
    if (!row) throw ckptError.error("NOT_FOUND", `no epoch ${epoch}`);
    return this.info(row);
  }

  /** Epochs, newest first, with a cursor (the last epoch shown). */
  epochs(options: { status?: EpochStatus; limit?: number; before?: number } = {}) {
    const limit = options.limit ?? 50;
    const rows = this.#sql
      .exec<EpochRow>(
        `SELECT * FROM ckpt_epochs WHERE epoch < ?${options.status ? " AND status = ?" : ""} ORDER BY epoch DESC LIMIT ?`,
        options.before ?? Number.MAX_SAFE_INTEGER,
        ...(options.status ? [options.status] : []),
        limit + 1,
      )
      .toArray();
    const items = rows.slice(0, limit).map((r) => this.info(r));
    const last = items[items.length - 1];
    return { items, cursor: rows.length > limit && last ? String(last.epoch) : null };
  }

  /** The latest completed global manifest, or null. */
  latest(): GlobalManifest | null {
    const row = this.#sql
      .exec<{ manifest: string }>("SELECT manifest FROM ckpt_global ORDER BY epoch DESC LIMIT 1")
      .toArray()[0];
    return row ? (JSON.parse(row.manifest) as GlobalManifest) : null;
  }
}
