/**
 * The warm tier (item 8): a partition ended more than `hotFor` ago is compacted to one Parquet
 * file (hyparquet-writer, Snappy, rows sorted by dimensions then bucket, row groups of 10,000,
 * statistics on) at `preagg/<tenant>/<rollup>/v<version>/partition=<key>/part-<gen>.parquet`,
 * states in BYTE_ARRAY columns, definition and state-format versions in key-value metadata.
 * Order: write the file, `head` it to check its size, mark the partition warm and delete its
 * hot rows in one transaction. Reads prune by partition, then row groups by footer min/max of
 * bucket and dimension filters (range reads; footers cached by key and etag).
 * @module
 */
import type { BlobStore, Clock, Predicate, Sql, SqlValue } from "@durable/core";
import { type FileMetaData, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { parquetWriteBuffer } from "hyparquet-writer";
import { rollupTable } from "./layout.ts";
import type { Rollup } from "./registry.ts";
import type { ResolvedQuery } from "./resolve.ts";
import type { StoredGroup as StoredGroupLike } from "./rollup-query.ts";
import { type PartitionRow, readPartitions } from "./rollup-rows.ts";
import { STATE_FORMAT_VERSION } from "./states/bytes.ts";
import { mergeStoredRows } from "./warm-merge.ts";

/** Rows per row group of a warm file. */
export const WARM_ROW_GROUP_ROWS = 10_000;

const PARQUET_TYPE = { INTEGER: "INT64", REAL: "DOUBLE", TEXT: "STRING", BLOB: "BYTE_ARRAY" } as const;

/** Ports of the warm tier. */
export interface WarmTierPorts {
  sql: Sql;
  blobs: BlobStore;
  tenant: () => string | null;
  clock: Clock;
}

/** The key of a partition's file. */
export function warmKey(tenant: string, r: Rollup, partitionKey: string, generation: number): string {
  return `preagg/${tenant}/${r.name}/v${r.version}/partition=${partitionKey}/part-${generation}.parquet`;
}

/** Leaves of a top-level AND that bound a column: `=`, `in`, `between`, `<`…`>=`. */
function bounds(
  where: Predicate | undefined,
  col: string,
): { lo?: SqlValue; hi?: SqlValue; values?: SqlValue[] } | undefined {
  if (!where) return undefined;
  const leaves = "and" in where ? where.and : [where];
  for (const p of leaves) {
    if (!("col" in p) || p.col !== col) continue;
    if (p.op === "=") return { lo: p.value as SqlValue, hi: p.value as SqlValue };
    if (p.op === "in") return { values: p.values as SqlValue[] };
    if (p.op === "between") return { lo: p.low as SqlValue, hi: p.high as SqlValue };
  }
  return undefined;
}

const lt = (a: unknown, b: unknown) =>
  ((typeof a === "bigint" ? Number(a) : a) as number) < ((typeof b === "bigint" ? Number(b) : b) as number);

/** The warm tier of a DO's rollups. */
export class WarmTier {
  readonly #p: WarmTierPorts;
  readonly #footers = new Map<string, { etag: string; meta: FileMetaData }>();
  /** Files and row groups read (for tests and the spike). */
  readonly counters = { filesRead: 0, rowGroupsRead: 0, filesWritten: 0, bytesWritten: 0 };

  constructor(p: WarmTierPorts) {
    this.#p = p;
  }

  /**
   * Compacts every partition of every built rollup that ended more than `hotForMs` ago.
   * @returns when to run again (sooner after a failure: backoff)
   */
  async compactAll(rollups: readonly Rollup[], now: number, hotForMs: number): Promise<number> {
    const next = now + 3_600_000;
    await this.#emptyTrash();
    for (const r of rollups) {
      if (r.status !== "built") continue;
      for (const p of readPartitions(this.#p.sql, r.name)) {
        if (p.dirty || p.tier === "warm" || p.end + hotForMs > now) continue;
        try {
          await this.compact(r, p);
        } catch (err) {
          // The store is likely down: stop this pass, keep everything hot, retry with backoff.
          this.#p.sql.exec(
            "UPDATE preagg_partitions SET compact_failures = compact_failures + 1 WHERE rollup = ? AND partition_key = ?",
            r.name,
            p.key,
          );
          console.error(
            JSON.stringify({
              level: "warn",
              event: "pre-agg compaction failed",
              rollup: r.name,
              partition: p.key,
              error: String(err),
            }),
          );
          return now + Math.min(3_600_000, 60_000 * 2 ** p.compactFailures);
        }
      }
    }
    return next;
  }

  async #emptyTrash(): Promise<void> {
    const keys = this.#p.sql
      .exec("SELECT file_key FROM preagg_trash LIMIT 1000")
      .toArray()
      .map((r) => r.file_key as string);
    if (keys.length === 0) return;
    await this.#p.blobs.delete(keys);
    this.#p.sql.exec(
      "DELETE FROM preagg_trash WHERE file_key IN (SELECT value FROM json_each(?))",
      JSON.stringify(keys),
    );
  }

  /** Compacts one partition (hot rows, plus the rows of its current file when mixed). */
  async compact(r: Rollup, p: PartitionRow): Promise<void> {
    const tenant = this.#p.tenant() ?? "_";
    // The partition's buckets are a primary-key range.
    const hot = this.#p.sql
      .exec(`SELECT * FROM ${rollupTable(r.name)} WHERE bucket >= ? AND bucket < ?`, p.start, p.end)
      .toArray();
    const rows: Record<string, unknown>[] = hot.map((h) => ({ ...h }));
    if (p.fileKey) rows.push(...(await this.#readAll(p)));
    // Hot rows are unique per (bucket, dimensions); only a mixed partition's rows need merging.
    const merged = p.fileKey ? mergeStoredRows(r, rows) : rows;
    const dims = r.layout.keyColumns;
    merged.sort((a, b) => {
      for (const d of [...dims, "bucket"]) {
        const x = a[d];
        const y = b[d];
        if (x !== y) return lt(x, y) ? -1 : 1;
      }
      return 0;
    });
    const generation = p.fileKey ? p.generation + 1 : p.generation;
    const key = warmKey(tenant, r, p.key, generation);
    const columns = [
      { name: "partition_key", type: "STRING" as const, data: merged.map(() => p.key), nullable: false },
      { name: "bucket", type: "INT64" as const, data: merged.map((m) => BigInt(m.bucket as number)), nullable: false },
      ...r.layout.dims.flatMap((d) => {
        const cols = [
          {
            name: d.name,
            type: PARQUET_TYPE[d.sqlType],
            data: merged.map((m) => cell(d.sqlType, m[d.name])),
            nullable: false,
          },
        ];
        if (d.nullFlag)
          cols.push({
            name: d.nullFlag,
            type: "INT64",
            data: merged.map((m) => BigInt(m[d.nullFlag as string] as number)),
            nullable: false,
          });
        return cols;
      }),
      // States are opaque to readers: plain encoding, no statistics (no dictionary of unique blobs).
      ...r.layout.states.map((s) => ({
        name: s.name,
        type: PARQUET_TYPE[s.sqlType],
        data: merged.map((m) => cell(s.sqlType, m[s.name])),
        ...(s.sqlType === "BLOB" ? { encoding: "PLAIN" as const, statistics: false } : {}),
      })),
    ];
    const bytes = new Uint8Array(
      parquetWriteBuffer({
        columnData: columns as never,
        codec: "SNAPPY",
        rowGroupSize: WARM_ROW_GROUP_ROWS,
        statistics: true,
        kvMetadata: [
          { key: "preagg.definition_version", value: r.version },
          { key: "preagg.state_format_version", value: String(STATE_FORMAT_VERSION) },
          { key: "preagg.definition", value: JSON.stringify(r.def) },
        ],
      }),
    );
    await this.#p.blobs.put(key, bytes, { rollup: r.name, partition: p.key });
    const head = await this.#p.blobs.head(key);
    if (!head || head.size !== bytes.length)
      throw new Error(`warm file ${key} is ${head?.size ?? "missing"}, expected ${bytes.length} bytes`);
    this.counters.filesWritten++;
    this.counters.bytesWritten += bytes.length;
    // One synchronous stretch: no request runs between marking warm and deleting hot rows.
    const sql = this.#p.sql;
    sql.exec(
      `UPDATE preagg_partitions SET tier = 'warm', hot_rows = 0, warm_rows = ?, bytes = ?, file_key = ?, file_etag = ?, generation = ?, compact_failures = 0
       WHERE rollup = ? AND partition_key = ?`,
      merged.length,
      bytes.length,
      key,
      head.etag,
      generation,
      r.name,
      p.key,
    );
    sql.exec(`DELETE FROM ${rollupTable(r.name)} WHERE bucket >= ? AND bucket < ?`, p.start, p.end);
    if (p.fileKey && p.fileKey !== key)
      sql.exec("INSERT OR IGNORE INTO preagg_trash (file_key, added_at) VALUES (?, ?)", p.fileKey, this.#p.clock.now());
  }

  async #footer(key: string, etag: string | null, size?: number) {
    const cached = this.#footers.get(key);
    if (cached && (etag === null || cached.etag === etag)) return { meta: cached.meta, file: this.#file(key, size) };
    const head = size === undefined ? await this.#p.blobs.head(key) : null;
    const len = size ?? head?.size;
    if (len === undefined) throw new Error(`warm file ${key} is gone`);
    const file = this.#file(key, len);
    const meta = await parquetMetadataAsync(file);
    if (this.#footers.size > 1000) this.#footers.clear();
    this.#footers.set(key, { etag: etag ?? head?.etag ?? "", meta });
    return { meta, file };
  }

  #file(key: string, size?: number) {
    const blobs = this.#p.blobs;
    const len = size ?? Number(this.#footers.get(key)?.meta.metadata_length ?? 0);
    return {
      byteLength: len,
      slice: async (start: number, end?: number): Promise<ArrayBuffer> => {
        const bytes = await blobs.get(key, { offset: start, length: (end ?? len) - start });
        if (!bytes) throw new Error(`warm file ${key} is gone`);
        return bytes.slice().buffer as ArrayBuffer;
      },
    };
  }

  async #readAll(p: PartitionRow): Promise<Record<string, unknown>[]> {
    const { file, meta } = await this.#footer(p.fileKey as string, p.fileEtag, p.bytes);
    return (await parquetReadObjects({ file, metadata: meta, utf8: false })) as Record<string, unknown>[];
  }

  /** The rows of a warm partition that may match (pruned by row-group statistics). */
  async read(
    r: Rollup,
    p: PartitionRow,
    filter: { from?: number; to?: number; rq: ResolvedQuery },
  ): Promise<StoredGroupLike[]> {
    const { file, meta } = await this.#footer(p.fileKey as string, p.fileEtag, p.bytes);
    this.counters.filesRead++;
    const names = meta.schema.slice(1).map((s) => s.name);
    const out: StoredGroupLike[] = [];
    let start = 0;
    for (const group of meta.row_groups) {
      const n = Number(group.num_rows);
      const stat = (col: string) => group.columns[names.indexOf(col)]?.meta_data?.statistics;
      let keep = true;
      const b = stat("bucket");
      if (b && filter.from !== undefined && (lt(b.max_value, filter.from) || !lt(b.min_value, filter.to))) keep = false;
      for (const d of r.layout.dims) {
        if (!keep || d.nullFlag) continue;
        const bound = bounds(filter.rq.where, d.column);
        const s = stat(d.name);
        if (!bound || !s || s.min_value === undefined) continue;
        const min = s.min_value as unknown;
        const max = s.max_value as unknown;
        if (bound.values) keep = bound.values.some((v) => !lt(v, min) && !lt(max, v));
        else keep = !(bound.hi !== undefined && lt(bound.hi, min)) && !(bound.lo !== undefined && lt(max, bound.lo));
      }
      if (keep) {
        this.counters.rowGroupsRead++;
        const rows = (await parquetReadObjects({
          file,
          metadata: meta,
          rowStart: start,
          rowEnd: start + n,
          utf8: false,
        })) as Record<string, unknown>[];
        for (const row of rows) out.push(toStored(r, row));
      }
      start += n;
    }
    return out;
  }
}

function cell(type: string, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (type === "INTEGER") return BigInt(v as number);
  if (type === "BLOB") return v instanceof ArrayBuffer ? new Uint8Array(v) : v;
  if (type === "TEXT" && v instanceof Uint8Array) return new TextDecoder().decode(v);
  return v;
}

function plain(v: unknown): SqlValue | Uint8Array | bigint {
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  return v as SqlValue;
}

function toStored(r: Rollup, row: Record<string, unknown>): StoredGroupLike {
  const dims = r.layout.dims.map((d) => {
    if (d.nullFlag && Number(row[d.nullFlag]) === 1) return null;
    const v = row[d.name];
    if (v instanceof Uint8Array) return new TextDecoder().decode(v);
    return plain(v) as SqlValue;
  });
  const cells: StoredGroupLike["cells"] = {};
  for (const s of r.layout.states) {
    const v = row[s.name];
    cells[s.name] = s.sqlType === "TEXT" && v instanceof Uint8Array ? new TextDecoder().decode(v) : plain(v ?? null);
  }
  return { bucket: Number(row.bucket), dims, cells };
}
