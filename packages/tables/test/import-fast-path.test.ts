/**
 * The import's fast paths give the answers of the slow ones, for random input (fast-check):
 * - a CSV record encoded per column (csv-columns.ts) equals its row object through
 *   `RowCodec.tryEncodeRow` (values, or the same column and reason), for every column type,
 *   nullability, default, null token and a mix of good and bad field texts;
 * - the CSV reader in chunk mode gives the records, lines and errors of step mode, for quoting,
 *   embedded newlines, `\r\n`, blank lines, ragged rows and text after a closing quote, in
 *   random chunkings.
 * Does not cover the write itself (import.test.ts).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ColumnType } from "../src/column-types.ts";
import { CsvReader, type CsvRecord } from "../src/import/csv-reader.ts";
import { CsvShaper } from "../src/import/record-shaper.ts";
import { RowCodec } from "../src/row-codec.ts";
import type { ColumnDef, TableDef } from "../src/table-spec.ts";

const TYPES: ColumnType[] = ["integer", "real", "text", "boolean", "timestamp", "json", "blob"];

const FIELD = fc.oneof(
  fc.constantFrom(
    "",
    "NA",
    "0",
    "1",
    "-0",
    "42",
    "+7",
    "00501",
    "9007199254740991",
    "9007199254740993",
    "1.5",
    ".5",
    "1e3",
    "1e999",
    " 1",
    "abc",
    "true",
    "Yes",
    "F",
    "2024-03-01",
    "2024-02-30",
    "2024-03-01T10:00:00Z",
    "2024-03-01 10:00",
    "2024-03-01T10:00:00.123+02:00",
    "1709287200000",
    "null",
    '{"a":1}',
    "[1,",
    "aGk=",
    "x".repeat(3000),
  ),
  fc.string({ maxLength: 8 }),
  fc.integer().map(String),
  fc.double().map(String),
);

const COLUMN = fc.record({
  type: fc.constantFrom(...TYPES),
  nullable: fc.boolean(),
  withDefault: fc.boolean(),
});

function tableOf(columns: { type: ColumnType; nullable: boolean; withDefault: boolean }[], rid: boolean): TableDef {
  const defs: ColumnDef[] = columns.map((c, i) => ({
    name: `c${i}`,
    type: c.type,
    nullable: c.nullable,
    ...(c.withDefault && c.type === "integer" ? { default: 7 } : {}),
  }));
  if (rid) defs.unshift({ name: "rid", type: "integer", nullable: false });
  return {
    name: "t",
    columns: defs,
    primaryKey: [rid ? "rid" : "c0"],
    indexes: [],
    version: 1,
    createdAt: 0,
  } as TableDef;
}

describe("the CSV fast path", () => {
  it("encodes every record as the row codec does, or reports the same issue", () => {
    fc.assert(
      fc.property(
        fc.array(COLUMN, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.constantFrom([""], ["NA", ""], ["NA"], [] as string[]),
        fc.integer({ min: 0, max: 2 }),
        fc.array(fc.array(FIELD, { minLength: 6, maxLength: 6 }), { minLength: 1, maxLength: 20 }),
        (columns, rid, nulls, leaveOut, rows) => {
          const def = tableOf(columns, rid);
          const codec = new RowCodec(def);
          // A header naming some of the columns (the rest take their default, or fail).
          const named = columns.map((_, i) => `c${i}`).slice(0, Math.max(1, columns.length - leaveOut));
          const fast = new CsvShaper(def, named, nulls, named.length);
          const slow = new CsvShaper(def, named, nulls, named.length);
          rows.forEach((fields, i) => {
            const record: CsvRecord = { fields: fields.slice(0, named.length), line: i + 2 };
            const got = fast.encode(record, codec);
            const want = codec.tryEncodeRow(slow.shape(record).row);
            if (Array.isArray(want)) expect(got).toEqual(want);
            else expect(Array.isArray(got) ? got : got.issue).toEqual(want);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** The records (or the error message) of `text` read in pieces of the given sizes. */
function readAll(text: string, sizes: number[], stepwise: boolean): CsvRecord[] | string {
  const reader = new CsvReader({ stepwise });
  const out: CsvRecord[] = [];
  try {
    let at = 0;
    for (let i = 0; at < text.length; i++) {
      const size = sizes[i % sizes.length] ?? 1;
      out.push(...reader.push(text.slice(at, at + size)));
      at += size;
    }
    out.push(...reader.end());
  } catch (err) {
    return (err as Error).message;
  }
  return out;
}

const CELL = fc.oneof(
  fc.constantFrom("", "a", "b c", '"q"', '"x, y"', '"two\nlines"', '"two\r\nlines"', '"say ""hi"""', '"a" ', '"a"x'),
  fc.string({ maxLength: 4 }).filter((s) => !/["\r\n,]/.test(s)),
);

describe("the CSV reader's chunk mode", () => {
  it("reads what step mode reads: records, lines and errors", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(CELL, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 30 }),
        fc.constantFrom("\n", "\r\n"),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }),
        (rows, eol, trailing, sizes) => {
          const text = rows.map((r) => r.join(",")).join(eol) + (trailing ? eol : "");
          expect(readAll(text, sizes, false)).toEqual(readAll(text, sizes, true));
        },
      ),
      { numRuns: 500 },
    );
  });
});
