/**
 * Imports: a CSV or NDJSON body streamed into one table through the one write path (every row
 * goes through `Rows.writeEncoded`, so subscribers see imported rows as they see `POST /rows`).
 *
 * A small import (≤ 100,000 rows and ≤ 10 MB) is one transaction: any bad row with
 * `onError=abort` commits nothing. A larger one is a job: it commits in batches of 10,000 rows,
 * each in the same transaction as its progress record, so a restart leaves `interrupted` with
 * exactly the committed count and never half a batch. The DO holds one chunk of the body, the
 * rows of one batch (or of a small import), and at most 100 listed errors.
 * @module
 */
import { type Clock, conflict, newId, PlatformError, type Sql, type SqlBinding } from "@durable/core";
import { tablesError } from "../errors.ts";
import { RowCodec } from "../row-codec.ts";
import { MAX_REPORTED_ERRORS } from "../rows.ts";
import { type TableDef, toTableDef } from "../table-spec.ts";
import type { Tables } from "../tables.ts";
import { BodyInterrupted } from "./body-text.ts";
import type { CsvRecord } from "./csv-reader.ts";
import {
  type ImportFormat,
  type ImportOptions,
  JOB_BATCH_ROWS,
  JOB_MIN_BYTES,
  JOB_MIN_ROWS,
  MAX_IMPORT_BYTES,
} from "./import-options.ts";
import { type ImportRecord, type ImportRowError, ImportStore } from "./import-store.ts";
import { INFER_SAMPLE_ROWS, type InferredSpec, inferSpec } from "./infer.ts";
import type { JsonRecord } from "./ndjson-reader.ts";
import { CsvShaper, type Encoded, JsonShaper, type ShapedRow } from "./record-shaper.ts";
import { type AnyRecord, recordGroups, sampleOf } from "./record-stream.ts";

/** What to import. */
export interface ImportRequest {
  table: string;
  body: ReadableStream<Uint8Array> | null;
  format: ImportFormat;
  options: ImportOptions;
  /** The declared body size (Content-Length), when known. */
  bytesTotal?: number | undefined;
  /** Largest body (default 100 MB). */
  maxBytes?: number;
  /**
   * Told once, when the import becomes a job (by the declared size at once, else after 100,000
   * rows or 10 MB read), so that the route can answer 202 before the body ends.
   */
  onJob?: (importId: string) => void;
}

/** What an import did. */
export interface ImportResult {
  importId: string;
  table: string;
  /** Whether it ran as a job (committed in batches). */
  job: boolean;
  /** Data records read. */
  rows: number;
  inserted: number;
  updated: number;
  /** Bad rows left out (`onError=skip`). */
  skipped: number;
  errors: ImportRowError[];
  totalErrors: number;
  /** The table `create=infer` created, and how the file's names map to it. */
  created?: InferredSpec;
}

/** Test seam: runs between committed batches of a job (a fake crash throws here). */
export type BatchHook = (importId: string, rowsDone: number) => void | Promise<void>;

/** Runs imports into the tables of one DO and keeps their records. */
export class TableImports {
  readonly #tables: Tables;
  readonly #clock: Clock;
  readonly store: ImportStore;
  /** Running imports by table: a drop without `force` is refused while one runs. */
  readonly #running = new Map<string, Set<string>>();
  #afterBatch: BatchHook | undefined;

  /**
   * @param tables the DO's tables (imports write through their write path)
   * @param ports the DO's SQL (for the records) and clock
   * @param afterBatch test seam, see {@link BatchHook}
   */
  constructor(tables: Tables, ports: { sql: Sql; clock: Clock }, afterBatch?: BatchHook) {
    this.#tables = tables;
    this.#clock = ports.clock;
    this.store = new ImportStore(ports.sql, ports.clock);
    this.#afterBatch = afterBatch;
    tables.subscribe({
      name: "imports",
      usesOf: (table) => [...(this.#running.get(table) ?? [])].map((id) => `import ${id}`),
    });
  }

  /** Marks the imports a restart cut short as `interrupted` (run it at start). */
  recover(): number {
    return this.store.recover();
  }

  /** One import's record. @throws {TABLE_NOT_FOUND} · {IMPORT_NOT_FOUND} 404 */
  status(table: string, id: string): ImportRecord {
    return this.store.get(table, id);
  }

  /**
   * Imports a body into `table` (see the module comment).
   * @throws {TABLE_NOT_FOUND} 404 · {TABLE_EXISTS} 409 (`create=infer`) · {INVALID_CSV} /
   *   INVALID_JSON 400 with the line · {INVALID_ROWS} 400 with `errors` (≤ 100) and `total` ·
   *   {DUPLICATE_KEY} 409 with the line · PAYLOAD_TOO_LARGE 413 · {INVALID_IMPORT} 400 when
   *   the body broke off
   */
  async run(req: ImportRequest): Promise<ImportResult> {
    const { table, options } = req;
    const infer = options.create === "infer";
    if (infer && this.#tables.catalog.find(table)) throw conflict("TABLE_EXISTS", `table ${table} already exists`);
    if (!infer) this.#tables.catalog.get(table);
    const id = newId();
    this.store.start(id, table, req.bytesTotal);
    const uses = this.#running.get(table) ?? new Set<string>();
    uses.add(id);
    this.#running.set(table, uses);
    const state = new ImportState(id, req.bytesTotal !== undefined && req.bytesTotal > JOB_MIN_BYTES);
    if (state.job) req.onJob?.(id);
    try {
      return await this.#run(req, state);
    } catch (err) {
      const status = err instanceof BodyInterrupted ? "interrupted" : "failed";
      this.store.finish(id, status, state.progress());
      if (err instanceof BodyInterrupted) {
        throw tablesError("INVALID_IMPORT", `the body broke off after ${state.bytes} bytes`, 400);
      }
      if (err instanceof PlatformError) err.extra.importId ??= id;
      throw err;
    } finally {
      uses.delete(id);
      if (uses.size === 0) this.#running.delete(table);
    }
  }

  async #run(req: ImportRequest, state: ImportState): Promise<ImportResult> {
    const groups = recordGroups(req.body, req.format, req.options, req.maxBytes ?? MAX_IMPORT_BYTES, (n) => {
      state.bytes = n;
    });
    try {
      return await this.#read(req, state, groups);
    } finally {
      await groups.return(undefined);
    }
  }

  async #read(req: ImportRequest, state: ImportState, groups: AsyncGenerator<AnyRecord[]>): Promise<ImportResult> {
    const { table, options, format } = req;
    // The front of the file: the header, and for inference the sample.
    const front: AnyRecord[] = [];
    const wanted = options.create === "infer" ? INFER_SAMPLE_ROWS + 1 : 1;
    let next = await groups.next();
    while (!next.done && front.length < wanted) {
      front.push(...next.value);
      next = await groups.next();
    }
    let created: InferredSpec | undefined;
    let def: TableDef;
    if (options.create === "infer") {
      const sample = sampleOf(front, format, options.header, options.null);
      created = inferSpec(table, sample.headers, sample.columns, format, options.key);
      def = toTableDef(created.spec, this.#clock.now());
    } else def = this.#tables.catalog.get(table);
    const codec = options.create === "infer" ? new RowCodec(def) : this.#tables.rows.codec(table);
    let encode: (r: AnyRecord) => Encoded;
    let records = front;
    if (format === "csv") {
      const first = front[0] as CsvRecord | undefined;
      const header = options.header ? first?.fields : undefined;
      const shaper = new CsvShaper(def, header, options.null, first?.fields.length ?? 0);
      if (options.header) records = front.slice(1);
      encode = (r) => shaper.encode(r as CsvRecord, codec);
    } else {
      const shaper = new JsonShaper(def);
      encode = (r) => shaper.encode(r as JsonRecord, codec);
    }
    const startedAt = options.create === "infer" ? undefined : def.createdAt;
    const commit = (rows: Batch, last: boolean) => {
      if (startedAt !== undefined || state.tableCreated) {
        const now = this.#tables.catalog.find(table);
        if (!now || (startedAt !== undefined && now.createdAt !== startedAt)) {
          throw conflict("TABLE_IN_USE", `line ${rows.lines[0] ?? 0}: table ${table} was dropped during the import`);
        }
      }
      this.#commit(table, rows, options, state, created && !state.tableCreated ? created : undefined, last);
    };
    const take = (group: readonly AnyRecord[]) => {
      const { buffer } = state;
      for (const r of group) {
        state.records++;
        const out = encode(r);
        if (Array.isArray(out)) {
          if (!state.doomed(options)) {
            buffer.values.push(out);
            buffer.lines.push(r.line);
          }
        } else {
          state.addError(out.shaped, out.issue.column, out.issue.reason);
          // Under abort nothing more is written: the rows held so far can go.
          if (state.doomed(options)) state.clearBuffer();
        }
      }
    };
    take(records);
    for (; !next.done; next = await groups.next()) {
      take(next.value);
      if (!state.job && (state.records > JOB_MIN_ROWS || state.bytes > JOB_MIN_BYTES) && !state.doomed(options)) {
        state.job = true;
        req.onJob?.(state.id);
      }
      if (state.job && !state.doomed(options)) {
        while (state.buffer.values.length >= JOB_BATCH_ROWS) {
          commit(state.takeBatch(JOB_BATCH_ROWS), false);
          await this.#afterBatch?.(state.id, state.rowsDone);
          // Between batches the object serves its other requests (the record's status among
          // them): a body that is already buffered would otherwise be read to its end
          // without ever returning to the event loop.
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
      }
    }
    if (state.doomed(options)) {
      const message = `${state.totalErrors} bad row(s); the first: line ${state.errors[0]?.line}: ${state.errors[0]?.reason}${
        state.rowsDone > 0 ? `; ${state.rowsDone} rows of earlier batches stay committed` : "; nothing was committed"
      }`;
      throw new PlatformError("INVALID_ROWS", message, {
        status: 400,
        extra: { errors: state.errors, total: state.totalErrors, committed: state.rowsDone },
      });
    }
    commit(state.takeBatch(state.buffer.values.length), true);
    return {
      importId: state.id,
      table,
      job: state.job,
      rows: state.records,
      inserted: state.inserted,
      updated: state.updated,
      skipped: state.totalErrors,
      errors: state.errors,
      totalErrors: state.totalErrors,
      ...(created ? { created } : {}),
    };
  }

  /** Commits rows (and, once, the inferred table; at the end, the record) in one transaction. */
  #commit(
    table: string,
    rows: Batch,
    options: ImportOptions,
    state: ImportState,
    create: InferredSpec | undefined,
    last: boolean,
  ): void {
    const { values } = rows;
    try {
      this.#tables.events.transact(() => {
        if (create) this.#tables.catalog.create(create.spec);
        const result = this.#tables.rows.writeEncoded(table, values, options.mode);
        const done = state.rowsDone + values.length;
        if (last) this.store.finish(state.id, "done", { ...state.progress(), rowsDone: done });
        else this.store.progress(state.id, done, state.bytes);
        state.inserted += result.inserted;
        state.updated += result.updated;
      });
    } catch (err) {
      if (create) this.#tables.catalog.invalidate();
      state.inserted = state.insertedBefore;
      state.updated = state.updatedBefore;
      if (err instanceof PlatformError && err.code === "DUPLICATE_KEY" && options.mode === "insert" && !create) {
        const i = this.#tables.rows.firstTakenKey(table, values);
        const line = rows.lines[i];
        if (line !== undefined) {
          throw new PlatformError("DUPLICATE_KEY", `line ${line}: the key already exists in ${table}`, {
            status: 409,
            extra: { line },
          });
        }
      }
      throw err;
    }
    if (create) state.tableCreated = true;
    state.rowsDone += values.length;
    state.insertedBefore = state.inserted;
    state.updatedBefore = state.updated;
  }
}

/** Encoded rows and the line each came from. */
interface Batch {
  values: SqlBinding[][];
  lines: number[];
}

/** The running state of one import. */
class ImportState {
  readonly id: string;
  job: boolean;
  bytes = 0;
  records = 0;
  rowsDone = 0;
  inserted = 0;
  updated = 0;
  insertedBefore = 0;
  updatedBefore = 0;
  tableCreated = false;
  /** Encoded rows not yet committed, and their lines. */
  buffer: Batch = { values: [], lines: [] };
  readonly errors: ImportRowError[] = [];
  totalErrors = 0;

  constructor(id: string, job: boolean) {
    this.id = id;
    this.job = job;
  }

  /** The first `n` buffered rows, taken out of the buffer. */
  takeBatch(n: number): Batch {
    const { values, lines } = this.buffer;
    if (n >= values.length) {
      this.buffer = { values: [], lines: [] };
      return { values, lines };
    }
    return { values: values.splice(0, n), lines: lines.splice(0, n) };
  }

  clearBuffer(): void {
    this.buffer = { values: [], lines: [] };
  }

  /** Whether nothing more will be committed (a bad row under `onError=abort`). */
  doomed(options: ImportOptions): boolean {
    return options.onError === "abort" && this.totalErrors > 0;
  }

  addError(row: ShapedRow, column: string | undefined, reason: string): void {
    this.totalErrors++;
    if (this.errors.length < MAX_REPORTED_ERRORS) {
      const value = column === undefined ? undefined : row.valueOf(column);
      this.errors.push({
        line: row.line,
        ...(column === undefined ? {} : { column }),
        ...(value === undefined ? {} : { value }),
        reason,
      });
    }
  }

  progress() {
    return { rowsDone: this.rowsDone, bytesDone: this.bytes, errors: this.errors, totalErrors: this.totalErrors };
  }
}
