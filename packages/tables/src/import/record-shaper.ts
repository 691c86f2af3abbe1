/**
 * Turns parsed records (CSV fields or NDJSON objects) into row objects of one table: the file's
 * names matched to columns (exactly, or through the name mapping of inference), null tokens,
 * CSV text read as the column's type, and the generated key `rid` numbered in file order (so a
 * re-run of the same file with `mode=upsert` lands on the same keys).
 * @module
 */
import type { ColumnType } from "../column-types.ts";
import type { RowInput } from "../row-codec.ts";
import type { TableDef } from "../table-spec.ts";
import { mapColumnNames, normalizeName } from "./column-names.ts";
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
  }

  /** The row of one record. */
  shape(record: CsvRecord): ShapedRow {
    const row: RowInput = {};
    if (this.#rid) row[this.#rid] = ++this.#ordinal;
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
}
