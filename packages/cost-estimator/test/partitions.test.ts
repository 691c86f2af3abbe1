/**
 * ParquetStatsProvider over a BlobStore (memory here, R2 in a DO): footer-only reads of a real
 * Parquet file (vega-datasets' flights-3m.parquet, ZSTD pages never decompressed), and the
 * partition stage answering ranges and null tests for a table the sketches know nothing of.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { MemoryBlobStore, scopedWake } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { RecordingWakes } from "@durable/core/testing";
import { Tables } from "@durable/tables";
import { describe, expect, it } from "vitest";
import { CostEstimator, ParquetStatsProvider } from "../src/index.ts";

const file = join(dirname(createRequire(import.meta.url).resolve("vega-datasets")), "..", "data", "flights-3m.parquet");

describe("ParquetStatsProvider", () => {
  it("sums row counts, null counts and min/max from the footers, and feeds the partition stage", async () => {
    const blobs = new MemoryBlobStore();
    await blobs.put("archive/flights/part-0.parquet", new Uint8Array(readFileSync(file)));
    await blobs.put("archive/flights/readme.txt", "not parquet");
    const provider = new ParquetStatsProvider(blobs);
    const stats = await provider.load("flights", "archive/flights/");
    expect(stats.rowCount).toBe(3_000_000);
    expect(stats.columns.distance?.nullCount).toBe(0);
    expect(typeof stats.columns.distance?.min).toBe("number");
    expect((stats.columns.distance?.max as number) > (stats.columns.distance?.min as number)).toBe(true);

    // A table whose statistics are empty (no rows through the hook, no ANALYZE): ranges on
    // `distance` come from the partition statistics.
    const db = openSqlite();
    const tables = Tables.open({ sql: db.sql, transactionSync: db.transactionSync });
    tables.createTable({
      name: "flights",
      columns: [
        { name: "id", type: "integer" },
        { name: "distance", type: "integer" },
      ],
      primaryKey: "id",
    });
    db.sql.exec("INSERT INTO t_flights (id, distance) VALUES (1, 100), (2, 200), (3, 300), (4, 400)");
    const wakes = new RecordingWakes();
    const est = CostEstimator.open({
      sql: db.sql,
      transactionSync: db.transactionSync,
      wake: scopedWake(() => wakes, "estimator"),
      tables,
      partitions: provider,
    });
    const min = stats.columns.distance?.min as number;
    const max = stats.columns.distance?.max as number;
    const e = est.estimate({
      table: "flights",
      where: { col: "distance", op: "<", value: Math.floor((min + max) / 2) },
    });
    expect(e.explain.predicates[0]?.stage).toBe("partition");
    expect(Math.abs(e.rows - 2)).toBeLessThan(0.01);
    expect(e.method).toBe("partition");
  });
});
