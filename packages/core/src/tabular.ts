/**
 * The seam between a route that answers rows and the encoding of its answer. A route returns a
 * {@link TabularResult}: the JSON body it has always answered, plus typed columns and the rows
 * behind them. The host picks the encoding from the `Accept` header ({@link negotiateFormat}):
 * JSON by default, an Arrow IPC stream when the client prefers it (the encoder lives in
 * `@durable/core/arrow`, loaded on demand; this module never imports apache-arrow). docs/arrow.md.
 * @module
 */
import { PlatformError } from "./errors.ts";

/** The catalog's column types (`@durable/tables`): each maps to one Arrow type. */
export type TabularType = "integer" | "real" | "text" | "blob" | "boolean" | "timestamp" | "json";

const TABULAR_TYPES: ReadonlySet<string> = new Set<TabularType>([
  "integer",
  "real",
  "text",
  "blob",
  "boolean",
  "timestamp",
  "json",
]);

/** The part of a table catalog (`@durable/tables`) that types a tabular answer's columns. */
export interface ColumnCatalog {
  describeTable(name: string): { columns: readonly { name: string; type: string }[] };
}

/**
 * The catalog type of each column of `table`, keyed `prefix + name`: what a query route's
 * dimensions keep in Arrow. Empty when there is no catalog or no such table (one dropped since
 * the answer was made): those columns are then computed, typed by their values.
 * @param prefix put before each name (a joined table's columns are `table.column`)
 */
export function catalogColumnTypes(
  catalog: ColumnCatalog | undefined,
  table: unknown,
  prefix = "",
): Map<string, TabularType> {
  const out = new Map<string, TabularType>();
  if (!catalog || typeof table !== "string") return out;
  let columns: readonly { name: string; type: string }[];
  try {
    columns = catalog.describeTable(table).columns;
  } catch {
    return out;
  }
  for (const c of columns) if (TABULAR_TYPES.has(c.type)) out.set(`${prefix}${c.name}`, c.type as TabularType);
  return out;
}

/**
 * One column of a tabular result. Without `type` it is a computed column (an aggregate of the
 * query router or pre-agg) whose Arrow type is inferred from its values at encode time.
 */
export interface TabularColumn {
  name: string;
  type?: TabularType | undefined;
}

/**
 * One row, by column name. Values are what the JSON answer holds, with two cheaper forms also
 * taken: a blob as bytes (`Uint8Array`/`ArrayBuffer`, instead of base64) and a timestamp as epoch
 * ms (instead of ISO text); a boolean may be 0/1 (as SQLite stores it). A `json` column holds the
 * JSON value; Arrow carries its JSON text.
 */
export type TabularRow = Readonly<Record<string, unknown>>;

/** What {@link tabular} takes. */
export interface TabularInit {
  /** The columns, or a function that builds them (only called for an Arrow answer). */
  columns: readonly TabularColumn[] | (() => readonly TabularColumn[]);
  /** The rows, or a function that builds them (only called for an Arrow answer). */
  rows: readonly TabularRow[] | (() => readonly TabularRow[]);
  /** The cursor of the next page; null (or absent) on the last page or an unpaged answer. */
  cursor?: string | null | undefined;
  /**
   * More facts about the page for an Arrow reader (cdc's `nextLsn`, `hasMore`): each becomes a
   * schema metadata entry and an `x-<kebab-name>` response header, as `cursor` does.
   */
  metadata?: Readonly<Record<string, string>> | undefined;
  /**
   * The JSON answer, exactly as the route answers without Arrow: a value, or a function that
   * builds it (only called when JSON is sent, so an Arrow answer skips e.g. base64 of blobs).
   */
  json: unknown;
}

/** The media type of an Arrow IPC stream (not the file format). */
export const ARROW_STREAM = "application/vnd.apache.arrow.stream";
/** The media type of the JSON answers. */
export const JSON_MEDIA_TYPE = "application/json";
/** What a tabular route can answer, in order of preference on a tie. */
export const TABULAR_MEDIA_TYPES = [JSON_MEDIA_TYPE, ARROW_STREAM] as const;

/** The encodings of a tabular answer. */
export type TabularFormat = "json" | "arrow";

/**
 * A route's rows with their column types and its JSON body. `JSON.stringify` (and so core's
 * `json()`) writes the JSON body, byte for byte the answer the route gave before Arrow existed.
 */
export class TabularResult {
  readonly cursor: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  readonly #columns: () => readonly TabularColumn[];
  readonly #rows: () => readonly TabularRow[];
  readonly #body: () => unknown;

  constructor(init: TabularInit) {
    this.cursor = init.cursor ?? null;
    this.metadata = init.metadata ?? {};
    this.#columns = once(init.columns);
    this.#rows = once(init.rows);
    this.#body = once(init.json);
  }

  /** The columns, built once, on first use (an Arrow answer's). */
  get columns(): readonly TabularColumn[] {
    return this.#columns();
  }

  /** The rows, built once, on first use (an Arrow answer's). */
  get rows(): readonly TabularRow[] {
    return this.#rows();
  }

  /** The JSON answer, built once, on first use. */
  get body(): unknown {
    return this.#body();
  }

  /** What `JSON.stringify` writes: the JSON answer. */
  toJSON(): unknown {
    return this.body;
  }

  /**
   * Every metadata entry of the Arrow answer: `cursor` (when there is a next page) and the
   * route's own entries.
   */
  arrowMetadata(): Record<string, string> {
    return this.cursor === null ? { ...this.metadata } : { ...this.metadata, cursor: this.cursor };
  }
}

/**
 * A tabular result (see {@link TabularInit}).
 * @example
 * return tabular({ columns: [{ name: "id", type: "integer" }], rows, cursor, json: () => ({ rows, cursor }) });
 */
export function tabular(init: TabularInit): TabularResult {
  return new TabularResult(init);
}

/** A value, or a function building it: read through the result, the function runs once, when first asked. */
function once<T>(value: T | (() => T)): () => T {
  if (typeof value !== "function") return () => value;
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: (value as () => T)() };
    return built.value;
  };
}

/** True when a route handler returned a {@link TabularResult}. */
export function isTabular(value: unknown): value is TabularResult {
  return value instanceof TabularResult;
}

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
  index: number;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** The media ranges of an Accept header; malformed members are skipped (RFC 9110 §12.5.1). */
function parseAccept(header: string): MediaRange[] {
  const out: MediaRange[] = [];
  header.split(",").forEach((member, index) => {
    const [range = "", ...params] = member.split(";");
    const [type = "", subtype = "", ...extra] = range.trim().toLowerCase().split("/");
    if (extra.length > 0 || !TOKEN.test(type) || !TOKEN.test(subtype)) return;
    if (type === "*" && subtype !== "*") return;
    let q = 1;
    for (const p of params) {
      const [name = "", value = ""] = p.split("=").map((s) => s.trim());
      if (name.toLowerCase() !== "q") continue;
      const n = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(value) ? Number(value) : Number.NaN;
      // An invalid weight makes the member unusable rather than guessing what it meant.
      q = n;
    }
    if (!Number.isNaN(q)) out.push({ type, subtype, q, index });
  });
  return out;
}

/** Specificity of `range` for `mediaType` (3 exact, 2 `type/*`, 1 `*\/*`), or 0 when it does not match. */
function specificity(range: MediaRange, mediaType: string): number {
  const [type, subtype] = mediaType.split("/");
  if (range.type === "*") return 1;
  if (range.type !== type) return 0;
  if (range.subtype === "*") return 2;
  return range.subtype === subtype ? 3 : 0;
}

/** The weight the most specific matching range gives `mediaType`, and where that range was. */
function weightOf(ranges: MediaRange[], mediaType: string): { q: number; specificity: number; index: number } {
  let best = { q: 0, specificity: 0, index: Number.POSITIVE_INFINITY };
  for (const r of ranges) {
    const s = specificity(r, mediaType);
    if (s > best.specificity || (s === best.specificity && s > 0 && r.q > best.q)) {
      best = { q: r.q, specificity: s, index: r.index };
    }
  }
  return best;
}

/**
 * The encoding of a tabular answer for an `Accept` header. JSON without a header, for `*\/*`,
 * `application/*` and `application/json`; Arrow when the client accepts it with a higher
 * weight than JSON, or with the same weight by a more specific range, or the same specificity
 * listed first. Parameters other than `q` are ignored.
 * @param accept the request's `Accept` header (null or empty: none)
 * @throws {NOT_ACCEPTABLE} 406 when the header accepts neither, naming the supported types
 */
export function negotiateFormat(accept: string | null | undefined): TabularFormat {
  if (accept === null || accept === undefined || accept.trim() === "") return "json";
  const ranges = parseAccept(accept);
  const json = weightOf(ranges, JSON_MEDIA_TYPE);
  const arrow = weightOf(ranges, ARROW_STREAM);
  if (json.q <= 0 && arrow.q <= 0) {
    throw new PlatformError(
      "NOT_ACCEPTABLE",
      `Accept allows none of the supported types: ${TABULAR_MEDIA_TYPES.join(", ")}`,
      { status: 406, extra: { supported: [...TABULAR_MEDIA_TYPES] } },
    );
  }
  if (arrow.q !== json.q) return arrow.q > json.q ? "arrow" : "json";
  if (arrow.specificity !== json.specificity) return arrow.specificity > json.specificity ? "arrow" : "json";
  return arrow.index < json.index ? "arrow" : "json";
}
