/**
 * The import variant of spike `tables`: one generated CSV file (5 columns; 1,000,000 rows, about
 * 60 MB; quick: 100,000), imported three ways in one run:
 * - in-process on the Node adapter through the same `TableImports` code the DO runs, in a fresh
 *   Node process with a DO isolate's 128 MB heap (import-child.ts), sampling the heap every
 *   5 ms (`import_peak_mb`: peak heapUsed above the heap before the import);
 * - streamed over HTTP to `wrangler dev` (`import_rows_per_s`), as the loader sends it;
 * - read by DuckDB `read_csv` into a table (the peer, `duckdb_read_csv_rows_per_s`).
 * @module
 */
import { spawnSync } from "node:child_process";
import { createReadStream, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { systemClock } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { Tables } from "@durable/tables";
import { claimsFor, signToken } from "../../apps/platform/src/auth.ts";
import { parseImportOptions } from "../../packages/tables/src/import/import-options.ts";
import { TableImports } from "../../packages/tables/src/import/importer.ts";
import { SPIKE_SECRET, startDev } from "../lib/wrangler-dev.ts";

/** What the import variant measured. */
export interface ImportSpikeResult {
  rows: number;
  mb: number;
  nodeRowsPerS: number;
  peakMb: number;
  httpRowsPerS: number;
  duckdbRowsPerS: number | undefined;
}

const SPEC = {
  name: "events",
  columns: [
    { name: "id", type: "integer" },
    { name: "name", type: "text" },
    { name: "score", type: "real" },
    { name: "flag", type: "boolean" },
    { name: "at", type: "timestamp" },
  ],
  primaryKey: "id",
};

const here = dirname(fileURLToPath(import.meta.url));

/** A DO isolate's memory limit, the heap cap of the child that measures the in-process import. */
const DO_HEAP_MB = 128;

/** {@link importInNode} in a fresh Node process with the heap of a DO isolate (import-child.ts). */
export function importInFreshNode(path: string): { rowsPerS: number; peakMb: number; rows: number } {
  const child = spawnSync(
    process.execPath,
    [`--max-old-space-size=${DO_HEAP_MB}`, "--import", "tsx", join(here, "import-child.ts"), path],
    { cwd: join(here, "../.."), encoding: "utf8", maxBuffer: 1 << 20 },
  );
  const last = child.stdout.trim().split("\n").pop() ?? "";
  if (child.status !== 0 || !last.startsWith("{")) {
    throw new Error(`import child exited ${child.status}: ${child.stderr.slice(-2000)}`);
  }
  return JSON.parse(last) as { rowsPerS: number; peakMb: number; rows: number };
}

/** Writes the CSV file and returns its path. */
export function writeCsv(rows: number): string {
  const path = join(mkdtempSync(join(tmpdir(), "spike-import-")), "events.csv");
  const parts: string[] = ["id,name,score,flag,at\n"];
  for (let i = 1; i <= rows; i++) {
    parts.push(
      `${i},"event ${i % 977}, ${"x".repeat(i % 7)}",${(i * 0.37).toFixed(3)},${i % 3 === 0},2024-03-${String(1 + (i % 28)).padStart(2, "0")}T${String(i % 24).padStart(2, "0")}:00:00Z\n`,
    );
  }
  writeFileSync(path, parts.join(""));
  return path;
}

export async function importInNode(path: string): Promise<{ rowsPerS: number; peakMb: number; rows: number }> {
  const { sql, transactionSync } = openSqlite();
  const tables = Tables.open({ sql, transactionSync });
  tables.createTable(SPEC);
  const imports = new TableImports(tables, { sql, clock: systemClock });
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 5);
  const start = performance.now();
  const result = await imports.run({
    table: "events",
    body: Readable.toWeb(createReadStream(path, { highWaterMark: 64 * 1024 })) as ReadableStream<Uint8Array>,
    format: "csv",
    options: parseImportOptions(new URLSearchParams()),
    bytesTotal: statSync(path).size,
  });
  const ms = performance.now() - start;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  if (tables.count("events") !== result.rows) throw new Error("node import lost rows");
  return { rowsPerS: (result.rows / ms) * 1000, peakMb: (peak - base) / 2 ** 20, rows: result.rows };
}

export async function importOverHttp(path: string, rows: number): Promise<number> {
  const dev = await startDev();
  try {
    const tenant = `spike-import-${Date.now().toString(36)}`;
    const token = await signToken(SPIKE_SECRET, claimsFor(tenant, "tenant", 3600));
    const base = `${dev.url}/v1/tenants/${tenant}/tables`;
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const created = await fetch(base, { method: "POST", headers, body: JSON.stringify(SPEC) });
    if (created.status !== 201) throw new Error(`create → ${created.status} ${await created.text()}`);
    const start = performance.now();
    const res = await fetch(`${base}/events/import`, {
      method: "POST",
      headers: { ...headers, "content-type": "text/csv", "content-length": String(statSync(path).size) },
      body: Readable.toWeb(createReadStream(path, { highWaterMark: 256 * 1024 })) as ReadableStream<Uint8Array>,
      duplex: "half",
    } as RequestInit);
    const body = (await res.json()) as { rows?: number };
    const ms = performance.now() - start;
    if (res.status >= 300 || body.rows !== rows) throw new Error(`import → ${res.status} ${JSON.stringify(body)}`);
    return (rows / ms) * 1000;
  } finally {
    await dev.stop();
  }
}

async function duckdbReadCsv(path: string, rows: number): Promise<number | undefined> {
  let duckdb: typeof import("@duckdb/node-api");
  try {
    duckdb = await import("@duckdb/node-api");
  } catch {
    return undefined;
  }
  const instance = await duckdb.DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const start = performance.now();
  await connection.run(`CREATE TABLE events AS SELECT * FROM read_csv('${path.replace(/'/g, "''")}')`);
  const ms = performance.now() - start;
  const count = Number((await connection.runAndReadAll("SELECT count(*) FROM events")).getRows()[0]?.[0]);
  if (count !== rows) throw new Error(`duckdb read ${count} rows`);
  connection.closeSync();
  return (rows / ms) * 1000;
}

/** Runs the import variant (1,000,000 rows; quick: 100,000). */
export async function runImport(quick: boolean, http: boolean): Promise<ImportSpikeResult> {
  const rows = quick ? 100_000 : 1_000_000;
  const path = writeCsv(rows);
  const mb = statSync(path).size / 1e6;
  const node = importInFreshNode(path);
  const httpRowsPerS = http ? await importOverHttp(path, rows) : -1;
  const duckdbRowsPerS = await duckdbReadCsv(path, rows);
  return { rows, mb, nodeRowsPerS: node.rowsPerS, peakMb: node.peakMb, httpRowsPerS, duckdbRowsPerS };
}
