/**
 * Part 3 of the spike: bytes and encode time of one flights result as JSON, as Arrow through
 * apache-arrow (`encodeArrow`) and as Arrow through flechette, checked to hold the same rows;
 * and the gzip size each Arrow library adds to a Worker.
 * @module
 */
import { gzipSync } from "node:zlib";
import type { TabularColumn } from "@durable/core";
import { tableFromIPC } from "apache-arrow";
import { encodeApacheArrow, encodeFlechette, encodeJson } from "./encoders.ts";
import type { ScanAnswer } from "./flights.ts";
import { type BundleResult, bundleWorkerEntry } from "./wrangler-esbuild.ts";

/** Bytes of one encoding, plain and gzipped (HTTP compression). */
export interface EncodedSize {
  bytes: number;
  gzip: number;
}

/** Sizes of (a), (b), (c). */
export interface EncodingSizes {
  json: EncodedSize;
  arrow: EncodedSize;
  flechette: EncodedSize;
  /** flechette with text as Dictionary<Utf8> (not the catalog mapping; informative). */
  flechetteDictionary: EncodedSize;
}

function sized(bytes: Uint8Array): EncodedSize {
  return { bytes: bytes.byteLength, gzip: gzipSync(bytes).byteLength };
}

/** Sizes of the three encodings of one answer (paged: summed over pages). */
export function encodingSizes(columns: readonly TabularColumn[], answers: readonly ScanAnswer[]): EncodingSizes {
  const total = (f: (a: ScanAnswer) => Uint8Array): EncodedSize =>
    answers.map((a) => sized(f(a))).reduce((s, x) => ({ bytes: s.bytes + x.bytes, gzip: s.gzip + x.gzip }));
  return {
    json: total(encodeJson),
    arrow: total((a) => encodeApacheArrow(columns, a)),
    flechette: total((a) => encodeFlechette(columns, a)),
    flechetteDictionary: total((a) => encodeFlechette(columns, a, true)),
  };
}

/** A decoded Arrow value as the JSON answer holds it (Int64 → number, Date → epoch ms). */
function plain(v: unknown): unknown {
  if (typeof v === "bigint") {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) return v;
    return Number(v);
  }
  if (v instanceof Date) return v.getTime();
  return v;
}

/**
 * Decodes an IPC stream with apache-arrow's `tableFromIPC` and compares every value with the JSON
 * answer's rows (parsed back from the JSON text), the field names and types with `expectTypes`,
 * and the schema's `cursor` with the answer's. Throws at the first difference.
 * @param label names the encoding in the error
 * @returns the Arrow type of each field (`Int64`, `Timestamp<MILLISECOND>`, …)
 */
export function verifySameRows(
  label: string,
  ipc: Uint8Array,
  jsonText: Uint8Array,
  columns: readonly TabularColumn[],
): string[] {
  const expected = JSON.parse(new TextDecoder().decode(jsonText)) as ScanAnswer;
  const table = tableFromIPC(ipc);
  const names = table.schema.fields.map((f) => f.name);
  if (names.join() !== columns.map((c) => c.name).join()) throw new Error(`${label}: fields ${names.join()}`);
  if (table.numRows !== expected.rows.length) {
    throw new Error(`${label}: ${table.numRows} rows decoded, the JSON answer has ${expected.rows.length}`);
  }
  const cursor = table.schema.metadata.get("cursor") ?? null;
  if (cursor !== expected.cursor) throw new Error(`${label}: cursor ${cursor}, JSON ${expected.cursor}`);
  for (const c of columns) {
    const vector = table.getChild(c.name);
    if (!vector) throw new Error(`${label}: no column ${c.name}`);
    for (let i = 0; i < expected.rows.length; i++) {
      const got = plain(vector.get(i));
      const want = expected.rows[i]?.[c.name] ?? null;
      if (got !== want) {
        throw new Error(`${label}: row ${i} ${c.name} is ${String(got)}, the JSON answer has ${String(want)}`);
      }
    }
  }
  return table.schema.fields.map((f) => String(f.type));
}

/** Encode times (ms) of the three encoders over `reps` rounds after `warmup` rounds. */
export interface EncodeTimes {
  json: number[];
  arrow: number[];
  flechette: number[];
}

/**
 * Times the three encoders on one answer. Each round runs all three, in a rotating order, so
 * that the shared machine's noise falls on all of them alike.
 */
export function encodeTimes(
  columns: readonly TabularColumn[],
  answer: ScanAnswer,
  warmup: number,
  reps: number,
): EncodeTimes {
  const encoders: [keyof EncodeTimes, () => Uint8Array][] = [
    ["json", () => encodeJson(answer)],
    ["arrow", () => encodeApacheArrow(columns, answer)],
    ["flechette", () => encodeFlechette(columns, answer)],
  ];
  const times: EncodeTimes = { json: [], arrow: [], flechette: [] };
  for (let round = 0; round < warmup + reps; round++) {
    for (let k = 0; k < encoders.length; k++) {
      const [name, encode] = encoders[(round + k) % encoders.length] as [keyof EncodeTimes, () => Uint8Array];
      const t0 = performance.now();
      const bytes = encode();
      const ms = performance.now() - t0;
      if (bytes.byteLength === 0) throw new Error(`${name}: no bytes`);
      if (round >= warmup) times[name].push(ms);
    }
  }
  return times;
}

/** What each Arrow library's IPC encoder adds to a Worker. */
export interface LibraryBundles {
  apacheArrow: BundleResult;
  flechette: BundleResult;
}

/**
 * Bundles an import of each library's IPC encoder, with what building a typed table takes, with
 * the mirrored wrangler settings: for apache-arrow, exactly what `@durable/core/arrow` imports;
 * for flechette, what {@link encodeFlechette} imports.
 * @param root the repo root
 */
export async function libraryBundles(root: string): Promise<LibraryBundles> {
  const apacheArrow = await bundleWorkerEntry("apache-arrow-encoder.js", {
    absWorkingDir: root,
    contents: `export { Binary, Bool, Field, Float64, Int64, makeData, RecordBatch, Schema, Struct, Table, TimestampMillisecond, tableToIPC, Utf8 } from "apache-arrow";`,
  });
  const flechette = await bundleWorkerEntry("flechette-encoder.js", {
    absWorkingDir: root,
    contents: `export { binary, bool, float64, int64, TimeUnit, tableFromArrays, tableToIPC, timestamp, utf8 } from "@uwdata/flechette";`,
  });
  return { apacheArrow, flechette };
}
