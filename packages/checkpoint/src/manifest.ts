/**
 * Manifests: the `ckpt_snapshots` row written last, in the transaction that makes a checkpoint
 * exist. A checkpoint without one never happened (its chunks and objects are garbage).
 * @module
 */
import type { Sql } from "@durable/core";
import { ckptError } from "./errors.ts";

/** Where one chunk lives: inline in `ckpt_chunks`, or a byte range of a BlobStore object. */
export interface ChunkRef {
  idx: number;
  sha256: string;
  length: number;
  /** The BlobStore object (absent: the chunk is in `ckpt_chunks`). */
  object?: string;
  offset?: number;
}

/** One operator in a checkpoint. */
export interface OperatorEntry {
  id: string;
  schemaVersion: number;
  records: number;
  rawBytes: number;
}

/** A completed checkpoint. */
export interface Manifest {
  snapshotId: string;
  /** 0 for a local checkpoint, N for the capture of global epoch N. */
  epoch: number;
  createdAt: number;
  status: "completed";
  operators: OperatorEntry[];
  codec: string;
  rawBytes: number;
  storedBytes: number;
  /** `inline` (one transaction with the manifest), `sqlite` (chunks first), `blobs` (BlobStore). */
  location: "inline" | "sqlite" | "blobs";
  chunks: ChunkRef[];
  /** SHA-256 over the chunk hashes in order. */
  sha256: string;
  /** `ctx.storage.getCurrentBookmark()` read right after the capture: a marker, not the cut. */
  bookmark: string | null;
  /** Extra fields a caller attached (a global capture: channel-state counts). */
  extra?: Record<string, unknown>;
}

/** A checkpoint as listings show it. */
export interface ManifestSummary {
  snapshotId: string;
  epoch: number;
  createdAt: number;
  status: string;
  rawBytes: number;
  storedBytes: number;
  location: string;
}

/** Writes the manifest row (call inside the commit transaction, last). */
export function writeManifest(sql: Sql, m: Manifest): void {
  sql.exec(
    "INSERT INTO ckpt_snapshots (snapshot_id, epoch, created_at, status, raw_bytes, stored_bytes, manifest) VALUES (?, ?, ?, ?, ?, ?, ?)",
    m.snapshotId,
    m.epoch,
    m.createdAt,
    m.status,
    m.rawBytes,
    m.storedBytes,
    JSON.stringify(m),
  );
}

/**
 * The manifest `id` (`latest`: the newest completed local one).
 * @throws {NOT_FOUND} 404 for an unknown id or none at all
 */
export function readManifest(sql: Sql, id: string): Manifest {
  const row =
    id === "latest"
      ? sql
          .exec<{ manifest: string }>(
            "SELECT manifest FROM ckpt_snapshots WHERE status = 'completed' AND epoch = 0 ORDER BY created_at DESC, snapshot_id DESC LIMIT 1",
          )
          .toArray()[0]
      : sql.exec<{ manifest: string }>("SELECT manifest FROM ckpt_snapshots WHERE snapshot_id = ?", id).toArray()[0];
  if (!row) throw ckptError.error("NOT_FOUND", id === "latest" ? "no checkpoint yet" : `no checkpoint ${id}`);
  return JSON.parse(row.manifest) as Manifest;
}

/** The summary of a manifest. */
export function summarize(m: Manifest): ManifestSummary {
  return {
    snapshotId: m.snapshotId,
    epoch: m.epoch,
    createdAt: m.createdAt,
    status: m.status,
    rawBytes: m.rawBytes,
    storedBytes: m.storedBytes,
    location: m.location,
  };
}
