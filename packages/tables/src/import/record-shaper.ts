/**
 * Turns parsed records (CSV fields or NDJSON objects) into row objects of one table: the file's
 * names matched to columns (exactly, or through the name mapping of inference), null tokens,
 * CSV text read as the column's type, and the generated key `rid` numbered in file order (so a
 * re-run of the same file with `mode=upsert` lands on the same keys).
 * @module
 */
import type { SqlBinding } from "@durable/core";
import { type ColumnType, storedSize } from "../column-types.ts";
import { MAX_ROW_BYTES, type RowCodec, type RowInput, type RowIssue } from "../row-codec.ts";
import type { ColumnDef, TableDef } from "../table-spec.ts";
import { mapColumnNames, normalizeName } from "./column-names.ts";
import { columnConverter, type FieldConverter, nullTest, UNDECIDED } from "./csv-columns.ts";
import { type CsvRecord, invalidCsv } from "./csv-reader.ts";
import { GENERATED_KEY } from "./infer.ts";
import type { JsonRecord } from "./ndjson-reader.ts";
import { fieldValue } from "./text-values.ts";

/** A row ready for the codec, with where it came from. */
export interface ShapedRow {
  line: number;
  row: RowInput;
  /** The file's value of a column (for error reports). */
  valueOf(column: string): unknown;
}

/** A record's stored values, or the shaped row and what is wrong with it (for the report). */
export type Encoded = SqlBinding[] | { shaped: ShapedRow; issue: RowIssue };

/** The fast path of a {@link CsvShaper}. */
interface FastPath {
  /** Per target: its field, its column's position and converter, and a null token's value. */
  fields: { index: number; column: number; convert: FieldConverter; onNull: SqlBinding | typeof UNDECIDED }[];
  isNull: (text: string) => boolean;
  /** The values of the columns no field names (their default, or null; the key's place). */
  template: SqlBinding[];
  /** The stored size of the template's values, the generated key's included. */
  templateSize: number;
  /** The position of the generated key, or -1. */
  rid: number;
}

/** Whether `def` has a generated key: a single integer key `rid` the file does not carry. */
function generatedKeyOf(def: TableDef, fileNames: readonly string[]): string | undefined {
  const [key] = def.primaryKey;
  if (def.primaryKey.length !== 1 || key === undefined || !key.startsWith(GENERATED_KEY)) return undefined;
  const col = def.columns.find((c) => c.name === key);
  return col?.type === "integer" && !fileNames.includes(key) ? key : undefined;
}

/** Shapes CSV records for one table. */
export class CsvShaper {
  readonly #targets: { index: number; name: string; type: ColumnType }[];
  readonly #nulls: Set<string>;
  readonly #rid: string | undefined;
  /** The fast path (see csv-columns.ts), unless a column is targeted twice or always missing. */
  readonly #fast: FastPath | undefined;
  #ordinal = 0;

  /**
   * @param header the header's fields, or undefined when the file has none (fields map to the
   *   table's columns in order, after a generated key)
   * @throws {INVALID_CSV} 400 line 1 when a header names no column of the table
   */
  constructor(def: TableDef, header: readonly string[] | undefined, nulls: readonly string[], width: number) {
    this.#nulls = new Set(nulls);
    const mapped = header ? mapColumnNames(header) : [];
    this.#rid = generatedKeyOf(def, header ? [...header, ...mapped] : []);
    const byName = new Map(def.columns.map((c) => [c.name, c]));
    if (header) {
      this.#targets = header.map((h, index) => {
        const col = byName.get(h) ?? byName.get(mapped[index] as string);
        if (!col) throw invalidCsv(1, `column ${JSON.stringify(h)} is not a column of table ${def.name}`);
        return { index, name: col.name, type: col.type };
      });
    } else {
      const columns = def.columns.filter((c) => c.name !== this.#rid);
      if (width > columns.length)
        throw invalidCsv(1, `${width} fields; table ${def.name} has ${columns.length} columns`);
      this.#targets = columns.slice(0, width).map((c, index) => ({ index, name: c.name, type: c.type }));
    }
    this.#fast = this.#fastPath(def);
  }

  #fastPath(def: TableDef): FastPath | undefined {
    const position = new Map(def.columns.map((c, i) => [c.name, i]));
    const targeted = new Set(this.#targets.map((t) => t.name));
    if (targeted.size !== this.#targets.length) return undefined;
    const template: SqlBinding[] = [];
    let templateSize = 0;
    for (const col of def.columns) {
      const fixed = targeted.has(col.name) ? null : (col.default ?? null);
      if (col.name === this.#rid)
        templateSize += 8; // an integer's stored size
      else if (!targeted.has(col.name)) {
        // A required column no field names fails every row: the slow path says so, row by row.
        if (!col.nullable && col.default === undefined) return undefined;
        templateSize += storedSize(fixed);
      }
      template.push(fixed);
    }
    return {
      fields: this.#targets.map((t) => {
        const column = position.get(t.name) as number;
        const col = def.columns[column] as ColumnDef;
        return { index: t.index, column, convert: columnConverter(col), onNull: col.nullable ? null : UNDECIDED };
      }),
      isNull: nullTest(this.#nulls),
      template,
      templateSize,
      rid: this.#rid === undefined ? -1 : (position.get(this.#rid) as number),
    };
  }

  /**
   * The stored values of one record in column order (as `codec.tryEncodeRow` of its row would
   * give them), or its row and what is wrong with it.
   * @param codec the codec of the table this shaper was made for
   */
  encode(record: CsvRecord, codec: RowCodec): Encoded {
    const ordinal = ++this.#ordinal;
    const fast = this.#fast;
    if (fast) {
      const values = fast.template.slice();
      let size = fast.templateSize;
      const fields = record.fields;
      let decided = true;
      const isNull = fast.isNull;
      for (const f of fast.fields) {
        const text = fields[f.index] as string;
        const v = isNull(text) ? f.onNull : f.convert(text);
        if (v === UNDECIDED) {
          decided = false;
          break;
        }
        values[f.column] = v;
        size += storedSize(v);
      }
      if (fast.rid >= 0) values[fast.rid] = ordinal;
      if (decided && size <= MAX_ROW_BYTES) return values;
    }
    const shaped = this.#shape(record, ordinal);
    const out = codec.tryEncodeRow(shaped.row);
    return Array.isArray(out) ? out : { shaped, issue: out };
  }

  /** The row of one record. */
  shape(record: CsvRecord): ShapedRow {
    return this.#shape(record, ++this.#ordinal);
  }

  #shape(record: CsvRecord, ordinal: number): ShapedRow {
    const row: RowInput = {};
    if (this.#rid) row[this.#rid] = ordinal;
    const fields = record.fields;
    for (const t of this.#targets) {
      const text = fields[t.index] as string;
      row[t.name] = this.#nulls.has(text) ? null : fieldValue(t.type, text);
    }
    const targets = this.#targets;
    return {
      line: record.line,
      row,
      valueOf: (column) => {
        const t = targets.find((x) => x.name === column);
        return t ? fields[t.index] : undefined;
      },
    };
  }
}

/** Shapes NDJSON records for one table. */
export class JsonShaper {
  readonly #names = new Map<string, string>();
  readonly #columns: Set<string>;
  readonly #rid: string | undefined;
  #ordinal = 0;

  constructor(def: TableDef) {
    this.#columns = new Set(def.columns.map((c) => c.name));
    // A record that carries the key itself is not numbered (see shape).
    this.#rid = generatedKeyOf(def, []);
  }

  #column(name: string): string {
    let out = this.#names.get(name);
    if (out === undefined) {
      out = this.#columns.has(name) ? name : normalizeName(name);
      if (!this.#columns.has(out)) out = name;
      this.#names.set(name, out);
    }
    return out;
  }

  /** The row of one record. */
  shape(record: JsonRecord): ShapedRow {
    const row: RowInput = {};
    const from = new Map<string, string>();
    for (const k in record.value) {
      const name = this.#column(k);
      row[name] = record.value[k];
      from.set(name, k);
    }
    if (this.#rid && !(this.#rid in row)) row[this.#rid] = ++this.#ordinal;
    return { line: record.line, row, valueOf: (column) => record.value[from.get(column) ?? column] };
  }

  /** The stored values of one record, or its row and what is wrong with it. */
  encode(record: JsonRecord, codec: RowCodec): Encoded {
    const shaped = this.shape(record);
    const out = codec.tryEncodeRow(shaped.row);
    return Array.isArray(out) ? out : { shaped, issue: out };
  }
}
