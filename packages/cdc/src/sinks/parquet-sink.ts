/**
 * The R2 Parquet sink (hyparquet-writer, Snappy) over the `BlobStore` port. One file per table,
 * CDC schema version and UTC date of `source.ts_ms`:
 * `cdc/<tenant>/<table>/date=YYYY-MM-DD/<firstLsn>-<lastLsn>.parquet`; then, last, one manifest
 * per table at `cdc/<tenant>/<table>/_manifest/<lastLsn as 20 digits>.json`. Readers trust only
 * manifested files; keys are deterministic, so a repeated flush of the same range (after a
 * crash) overwrites its own files.
 * @module
 */
import type { BlobStore } from "@durable/core";
import { parquetWriteBuffer } from "hyparquet-writer";
import type { CdcSchema, ChangeEvent } from "../types.ts";
import type { PushSink } from "./sink.ts";

/** One file of a manifest. */
export interface ManifestFile {
  key: string;
  rows: number;
  bytes: number;
  minLsn: number;
  maxLsn: number;
  minTsMs: number;
  maxTsMs: number;
  schemaVersion: number;
}

/** A manifest: the files of one flush of one table. */
export interface Manifest {
  table: string;
  tenant: string;
  files: ManifestFile[];
}

/** The fixed columns before the table's own. */
export const PARQUET_META_COLUMNS = [
  "lsn",
  "tx_id",
  "op",
  "ts_ms",
  "schema_version",
  "key_json",
  "before_json",
  "after_json",
];

type ColumnType = "INT64" | "INT32" | "DOUBLE" | "STRING" | "BYTE_ARRAY" | "BOOLEAN";
const PARQUET_TYPE: Record<string, ColumnType> = {
  integer: "INT64",
  timestamp: "INT64",
  real: "DOUBLE",
  text: "STRING",
  json: "STRING",
  blob: "BYTE_ARRAY",
  boolean: "BOOLEAN",
};

/** The Parquet name of a table column (prefixed when it collides with a fixed column). */
export function parquetColumnName(name: string): string {
  return PARQUET_META_COLUMNS.includes(name) ? `col_${name}` : name;
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function cell(type: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "integer":
    case "timestamp":
      return BigInt(value as number);
    case "json":
      return JSON.stringify(value);
    case "blob":
      return fromBase64(value as string);
    default:
      return value;
  }
}

/** The UTC date (`YYYY-MM-DD`) of epoch ms. */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Encodes one group of events (one table, one schema version) as a Parquet file.
 * @returns the file's bytes
 */
export function encodeParquet(events: readonly ChangeEvent[], schema: CdcSchema): Uint8Array {
  const image = (e: ChangeEvent) => (e.op === "d" ? e.before : e.after) ?? {};
  const columnData = [
    { name: "lsn", type: "INT64" as const, data: events.map((e) => BigInt(e.source.lsn)), nullable: false },
    { name: "tx_id", type: "INT64" as const, data: events.map((e) => BigInt(e.source.txId)), nullable: false },
    { name: "op", type: "STRING" as const, data: events.map((e) => e.op), nullable: false },
    { name: "ts_ms", type: "INT64" as const, data: events.map((e) => BigInt(e.source.ts_ms)), nullable: false },
    {
      name: "schema_version",
      type: "INT32" as const,
      data: events.map((e) => e.source.schemaVersion),
      nullable: false,
    },
    { name: "key_json", type: "STRING" as const, data: events.map((e) => JSON.stringify(e.key)) },
    {
      name: "before_json",
      type: "STRING" as const,
      data: events.map((e) => (e.before ? JSON.stringify(e.before) : null)),
    },
    {
      name: "after_json",
      type: "STRING" as const,
      data: events.map((e) => (e.after ? JSON.stringify(e.after) : null)),
    },
    ...schema.columns.map((c) => ({
      name: parquetColumnName(c.name),
      type: PARQUET_TYPE[c.type] ?? ("STRING" as const),
      data: events.map((e) => cell(c.type, image(e)[c.name])),
    })),
  ];
  return new Uint8Array(parquetWriteBuffer({ columnData: columnData as never, codec: "SNAPPY" }));
}

/**
 * A Parquet sink: `push` writes every file of the batch, then the manifests.
 * @param blobs the BlobStore (R2 `BLOBS`)
 * @param tenant the source tenant (first segment of every key)
 * @param schemaOf the CDC schema of a table version
 * @param onWrite called with each file's size (metrics, the spike)
 */
export function parquetSink(
  blobs: BlobStore,
  tenant: string,
  schemaOf: (table: string, version: number) => CdcSchema,
  onWrite: (bytes: number) => void = () => {},
): PushSink {
  return {
    batchEvents: Number.MAX_SAFE_INTEGER,
    async push(events) {
      const groups = new Map<string, ChangeEvent[]>();
      for (const e of events) {
        const id = `${e.source.table}\u0000${e.source.schemaVersion}\u0000${utcDate(e.source.ts_ms)}`;
        const group = groups.get(id);
        if (group) group.push(e);
        else groups.set(id, [e]);
      }
      const manifests = new Map<string, Manifest>();
      for (const group of groups.values()) {
        const first = group[0] as ChangeEvent;
        const last = group[group.length - 1] as ChangeEvent;
        const { table, schemaVersion } = first.source;
        const bytes = encodeParquet(group, schemaOf(table, schemaVersion));
        const key = `cdc/${tenant}/${table}/date=${utcDate(first.source.ts_ms)}/${first.source.lsn}-${last.source.lsn}.parquet`;
        await blobs.put(key, bytes);
        onWrite(bytes.length);
        const manifest = manifests.get(table) ?? { table, tenant, files: [] };
        manifest.files.push({
          key,
          rows: group.length,
          bytes: bytes.length,
          minLsn: first.source.lsn,
          maxLsn: last.source.lsn,
          minTsMs: group.reduce((m, e) => Math.min(m, e.source.ts_ms), Number.POSITIVE_INFINITY),
          maxTsMs: group.reduce((m, e) => Math.max(m, e.source.ts_ms), 0),
          schemaVersion,
        });
        manifests.set(table, manifest);
      }
      for (const [table, manifest] of manifests) {
        const lastLsn = manifest.files.reduce((m, f) => Math.max(m, f.maxLsn), 0);
        await blobs.put(
          `cdc/${tenant}/${table}/_manifest/${String(lastLsn).padStart(20, "0")}.json`,
          JSON.stringify(manifest),
        );
      }
    },
  };
}
