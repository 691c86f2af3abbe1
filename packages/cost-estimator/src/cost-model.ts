/**
 * The cost model (item 13 of issue 9), in microseconds: rows scanned × per-row cost (SQLite scan,
 * index probe, Parquet row) + cross-DO hops + R2 requests + R2 bytes. `calibrate()` measures the
 * two SQLite constants on this DO's own SQLite and stores them in `est_calibration`; the rest
 * come from config. Pre-agg costs rollups with the same `constants()`, so the router compares
 * rollup and live costs in one unit.
 * @module
 */
import { type Clock, type Sql, safeParse, type TransactionSync } from "@durable/core";
import * as z from "zod/mini";
import { estimatorError } from "./errors.ts";

/** Per-unit costs, µs. */
export interface CostConstants {
  /** One row of a SQLite table scan. */
  sqliteScanRowUs: number;
  /** One SQLite index probe (a B-tree descent and its row). */
  sqliteIndexProbeUs: number;
  /** One row decoded from Parquet. */
  parquetRowUs: number;
  /** One cross-DO hop. */
  crossDoHopUs: number;
  /** One R2 request. */
  r2RequestUs: number;
  /** One byte read from R2. */
  r2ByteUs: number;
}

/** The defaults of issue 9. */
export const DEFAULT_COST_CONSTANTS: CostConstants = {
  sqliteScanRowUs: 0.5,
  sqliteIndexProbeUs: 2,
  parquetRowUs: 0.2,
  crossDoHopUs: 5000,
  r2RequestUs: 30_000,
  r2ByteUs: 0.01,
};

const Positive = z.optional(z.number().check(z.gt(0)));

/** zod schema of a (partial) set of constants: each > 0 and finite. */
export const CostConstantsSchema = z.strictObject({
  sqliteScanRowUs: Positive,
  sqliteIndexProbeUs: Positive,
  parquetRowUs: Positive,
  crossDoHopUs: Positive,
  r2RequestUs: Positive,
  r2ByteUs: Positive,
});

/**
 * Validates new constants.
 * @throws {INVALID_CALIBRATION} 400 for a constant ≤ 0, non-finite or unknown
 */
export function parseConstants(input: unknown): Partial<CostConstants> {
  const r = safeParse(CostConstantsSchema, input);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw estimatorError(
      "INVALID_CALIBRATION",
      `${issue?.path.join(".") || "constants"}: ${issue?.message ?? "invalid"}`,
    );
  }
  return Object.fromEntries(Object.entries(r.data).filter(([, v]) => v !== undefined)) as Partial<CostConstants>;
}

/** What a plan touches, to be priced. */
export interface CostInputs {
  scannedRows?: number;
  indexProbes?: number;
  parquetRows?: number;
  hops?: number;
  r2Requests?: number;
  r2Bytes?: number;
}

/** The price of `w` in µs. */
export function priceOf(w: CostInputs, c: CostConstants): number {
  return (
    (w.scannedRows ?? 0) * c.sqliteScanRowUs +
    (w.indexProbes ?? 0) * c.sqliteIndexProbeUs +
    (w.parquetRows ?? 0) * c.parquetRowUs +
    (w.hops ?? 0) * c.crossDoHopUs +
    (w.r2Requests ?? 0) * c.r2RequestUs +
    (w.r2Bytes ?? 0) * c.r2ByteUs
  );
}

/** Loads stored constants over the defaults. */
export function loadConstants(sql: Sql, base: CostConstants): CostConstants {
  const out = { ...base };
  for (const r of sql.exec<{ name: string; value: number }>("SELECT name, value FROM est_calibration")) {
    if (r.name in out && Number.isFinite(r.value) && r.value > 0) out[r.name as keyof CostConstants] = r.value;
  }
  return out;
}

/** Stores constants (all of `values`). */
export function storeConstants(sql: Sql, values: Partial<CostConstants>, now: number): void {
  for (const [name, value] of Object.entries(values)) {
    sql.exec(
      "INSERT INTO est_calibration (name, value, measured_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value, measured_at = excluded.measured_at",
      name,
      value,
      now,
    );
  }
}

class Rollback extends Error {}

/**
 * Measures the SQLite constants here: fills a scratch range of `est_calibration` inside a
 * transaction that is rolled back, times a full scan with a filter no index serves and a run of
 * primary-key probes, and keeps the best of three runs.
 * @returns per-row scan and per-probe costs, µs
 */
export function measureSqlite(
  sql: Sql,
  transactionSync: TransactionSync,
  clock: Clock,
  rows = 20_000,
): { sqliteScanRowUs: number; sqliteIndexProbeUs: number } {
  const now = () => (typeof performance !== "undefined" ? performance.now() : clock.now());
  let scan = Number.POSITIVE_INFINITY;
  let probe = Number.POSITIVE_INFINITY;
  try {
    transactionSync(() => {
      sql.exec(
        `INSERT INTO est_calibration (name, value, measured_at)
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         SELECT 'scratch:' || i, i * 0.5, 0 FROM n`,
        rows,
      );
      for (let run = 0; run < 3; run++) {
        const t0 = now();
        sql.exec("SELECT count(*) AS n FROM est_calibration WHERE value * 3 = 7.25 OR measured_at = 1").one();
        scan = Math.min(scan, ((now() - t0) * 1000) / rows);
        const probes = 2000;
        const t1 = now();
        for (let i = 0; i < probes; i++) {
          sql.exec("SELECT value FROM est_calibration WHERE name = ?", `scratch:${1 + ((i * 7919) % rows)}`).toArray();
        }
        probe = Math.min(probe, ((now() - t1) * 1000) / probes);
      }
      throw new Rollback();
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
  // A clock too coarse to see the work (a DO's frozen timer) measures nothing: keep the defaults.
  return {
    sqliteScanRowUs: scan > 0 && Number.isFinite(scan) ? scan : DEFAULT_COST_CONSTANTS.sqliteScanRowUs,
    sqliteIndexProbeUs: probe > 0 && Number.isFinite(probe) ? probe : DEFAULT_COST_CONSTANTS.sqliteIndexProbeUs,
  };
}
