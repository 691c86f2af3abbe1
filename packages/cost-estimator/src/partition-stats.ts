/**
 * Partition statistics (stage 3 of the pipeline): row counts, null counts and min/max per
 * column that files already carry, such as Parquet footers, so they cost nothing to read.
 * `ParquetStatsProvider` reads the footers of a table's Parquet files from a `BlobStore` with
 * hyparquet (metadata only: no page is decompressed, so no codec and no WebAssembly is needed).
 * @module
 */
import type { BlobStore } from "@durable/core";
import { type FileMetaData, parquetMetadataAsync } from "hyparquet";

/** Statistics of one column over every partition. */
export interface PartitionColumnStats {
  nullCount: number;
  min?: number | string;
  max?: number | string;
}

/** Statistics of one table over every partition. */
export interface PartitionStats {
  rowCount: number;
  columns: Readonly<Record<string, PartitionColumnStats>>;
}

/** Where the pipeline reads partition statistics; synchronous, so `estimate()` stays in memory. */
export interface PartitionStatsProvider {
  /** The table's statistics, or undefined when it has no partitions (or they are not loaded). */
  stats(table: string): PartitionStats | undefined;
}

function scalar(v: unknown): number | string | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "string") return v;
  if (v instanceof Date) return v.getTime();
  return undefined;
}

/**
 * Folds the footer of one Parquet file into `into`.
 * @param meta the file's metadata (hyparquet `FileMetaData`)
 */
export function addParquetFooter(
  into: { rowCount: number; columns: Record<string, PartitionColumnStats> },
  meta: FileMetaData,
): void {
  into.rowCount += Number(meta.num_rows);
  for (const group of meta.row_groups) {
    for (const chunk of group.columns) {
      const md = chunk.meta_data;
      if (!md) continue;
      const name = md.path_in_schema.join(".");
      const stats = md.statistics;
      const col = into.columns[name] ?? { nullCount: 0 };
      into.columns[name] = col;
      col.nullCount += Number(stats?.null_count ?? 0);
      const lo = scalar(stats?.min_value ?? stats?.min);
      const hi = scalar(stats?.max_value ?? stats?.max);
      if (lo !== undefined && (col.min === undefined || lo < col.min)) col.min = lo;
      if (hi !== undefined && (col.max === undefined || hi > col.max)) col.max = hi;
    }
  }
}

/**
 * Partition statistics from Parquet footers in a `BlobStore` (R2 in a DO). `load(table,
 * prefix)` reads every `*.parquet` below the prefix with range reads of the footer only, and
 * caches the sums; `stats(table)` answers from that cache.
 * @example
 * const partitions = new ParquetStatsProvider(blobs);
 * await partitions.load("flights", "archive/flights/");
 */
export class ParquetStatsProvider implements PartitionStatsProvider {
  readonly #blobs: BlobStore;
  readonly #cache = new Map<string, PartitionStats>();

  constructor(blobs: BlobStore) {
    this.#blobs = blobs;
  }

  stats(table: string): PartitionStats | undefined {
    return this.#cache.get(table);
  }

  /** Reads the footers of the table's files below `prefix`; returns what it cached. */
  async load(table: string, prefix: string): Promise<PartitionStats> {
    const sum = { rowCount: 0, columns: {} as Record<string, PartitionColumnStats> };
    let cursor: string | undefined;
    do {
      const page = await this.#blobs.list({ prefix, ...(cursor ? { cursor } : {}) });
      for (const blob of page.objects) {
        if (!blob.key.endsWith(".parquet")) continue;
        const key = blob.key;
        const size = blob.size;
        const buffer = {
          byteLength: size,
          slice: async (start: number, end?: number): Promise<ArrayBuffer> => {
            const stop = end ?? size;
            const bytes = await this.#blobs.get(key, { offset: start, length: stop - start });
            if (!bytes) throw new Error(`blob ${key} vanished`);
            return bytes.slice().buffer as ArrayBuffer;
          },
        };
        addParquetFooter(sum, await parquetMetadataAsync(buffer));
      }
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    this.#cache.set(table, sum);
    return sum;
  }

  /** Forgets a table's statistics. */
  forget(table: string): void {
    this.#cache.delete(table);
  }
}
