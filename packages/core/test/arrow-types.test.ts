/**
 * Every catalog type through the Arrow encoder and back with apache-arrow's own reader
 * (`tableFromIPC`): each decoded value equals what the JSON answer holds for it, nulls included,
 * and Arrow stays exact where JSON cannot be (NaN, ±Infinity, -0).
 */
import { tableFromIPC } from "apache-arrow";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeArrow } from "../src/arrow/index.ts";
import { type TabularColumn, type TabularType, tabular } from "../src/index.ts";

const COLUMNS: TabularColumn[] = [
  { name: "i", type: "integer" },
  { name: "r", type: "real" },
  { name: "t", type: "text" },
  { name: "b", type: "blob" },
  { name: "o", type: "boolean" },
  { name: "ts", type: "timestamp" },
  { name: "j", type: "json" },
];

const ARROW_TYPES: Record<TabularType, string> = {
  integer: "Int64",
  real: "Float64",
  text: "Utf8",
  blob: "Binary",
  boolean: "Bool",
  timestamp: "Timestamp<MILLISECOND, UTC>",
  json: "Utf8",
};

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

/** A row as the tables route answers it in JSON (blobs as base64). */
function jsonForm(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row };
  if (row.b instanceof Uint8Array) out.b = base64(row.b);
  return out;
}

/** A decoded Arrow value in the JSON answer's form, by catalog type. */
function asJson(type: TabularType | undefined, v: unknown): unknown {
  if (v === null) return null;
  if (typeof v === "bigint") return Number(v);
  if (type === "blob") return base64(v as Uint8Array);
  if (type === "json") return JSON.parse(v as string);
  return v;
}

function decode(bytes: Uint8Array, columns: TabularColumn[]) {
  const table = tableFromIPC(bytes);
  const rows = table.toArray().map((r) => {
    const raw = r.toJSON() as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const c of columns) out[c.name] = asJson(c.type, raw[c.name]);
    return { raw, json: out };
  });
  return { table, rows };
}

const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null, freq: 4 });

const rowArb = fc.record({
  i: nullable(fc.oneof(fc.maxSafeInteger(), fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0, -1))),
  r: nullable(fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 5e-324))),
  t: nullable(
    fc.oneof(
      fc.constant(""),
      fc.string({ unit: "binary", maxLength: 20 }),
      // ASCII next to 2-byte UTF-8 (Latin-1 and beyond): the encoder's fast path ends at 0x7f.
      fc.string({ unit: fc.integer({ min: 0, max: 0x7ff }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
    ),
  ),
  b: nullable(fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ maxLength: 24 }))),
  o: nullable(fc.boolean()),
  // Before 1970 and the whole range of Date.
  ts: nullable(fc.integer({ min: -8.64e15, max: 8.64e15 })),
  j: nullable(fc.jsonValue({ maxDepth: 3 })),
});

describe("catalog types round-trip through tableFromIPC", () => {
  it("each type maps to its Arrow type, every field nullable, tagged with its catalog type", () => {
    const bytes = encodeArrow(tabular({ columns: COLUMNS, rows: [], json: { rows: [] } }));
    const { table } = decode(bytes, COLUMNS);
    expect(table.numRows).toBe(0);
    expect(
      table.schema.fields.map((f) => [f.name, String(f.type), f.nullable, f.metadata.get("durable:type")]),
    ).toEqual(COLUMNS.map((c) => [c.name, ARROW_TYPES[c.type as TabularType], true, c.type]));
  });

  it("property: decoded Arrow rows equal the JSON answer's rows, nulls included", () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 40 }), (rows) => {
        const result = tabular({ columns: COLUMNS, rows, json: () => ({ rows: rows.map(jsonForm) }) });
        const answer = JSON.parse(JSON.stringify(result)) as { rows: Record<string, unknown>[] };
        const { table, rows: decoded } = decode(encodeArrow(result), COLUMNS);
        expect(table.numRows).toBe(rows.length);
        // JSON writes NaN and ±Infinity as null: compare the Arrow side through JSON too...
        expect(JSON.parse(JSON.stringify(decoded.map((d) => d.json)))).toEqual(answer.rows);
        rows.forEach((row, k) => {
          const raw = decoded[k]?.raw ?? {};
          // ...and check Arrow kept the exact value JSON cannot carry.
          if (row.r === null) expect(raw.r).toBeNull();
          else expect(Object.is(raw.r, row.r)).toBe(true);
          // The json column carries the stored JSON text itself.
          expect(raw.j).toBe(row.j === null ? null : JSON.stringify(row.j));
          expect(raw.i).toBe(row.i === null ? null : BigInt(row.i));
        });
      }),
      { numRuns: 150 },
    );
  });

  it("the cheaper input forms: blobs as base64 or ArrayBuffer, timestamps as ISO or Date, booleans as 0/1", () => {
    const columns: TabularColumn[] = [
      { name: "b", type: "blob" },
      { name: "ts", type: "timestamp" },
      { name: "o", type: "boolean" },
    ];
    const rows = [
      { b: "AAH/", ts: "1969-12-31T23:59:59.999Z", o: 1 },
      { b: new Uint8Array([0, 1, 255]).buffer, ts: new Date(Date.UTC(1900, 0, 1)), o: 0 },
      { b: "", ts: "+275760-09-13T00:00:00.000Z", o: null },
      { b: null, ts: "-000001-01-01T00:00:00.000Z", o: false },
    ];
    const { rows: decoded } = decode(encodeArrow(tabular({ columns, rows, json: null })), columns);
    expect(decoded.map((d) => d.raw)).toEqual([
      { b: new Uint8Array([0, 1, 255]), ts: -1, o: true },
      { b: new Uint8Array([0, 1, 255]), ts: Date.UTC(1900, 0, 1), o: false },
      { b: new Uint8Array(0), ts: 8.64e15, o: null },
      { b: null, ts: Date.parse("-000001-01-01T00:00:00.000Z"), o: false },
    ]);
  });

  it("an empty string and an empty blob stay values, distinct from null", () => {
    const columns: TabularColumn[] = [
      { name: "t", type: "text" },
      { name: "b", type: "blob" },
    ];
    const rows = [
      { t: "", b: new Uint8Array(0) },
      { t: null, b: null },
      { t: "é😀", b: new Uint8Array([7]) },
      { t: "é", b: null },
    ];
    const table = tableFromIPC(encodeArrow(tabular({ columns, rows, json: null })));
    expect(table.getChild("t")?.nullCount).toBe(1);
    expect(table.getChild("b")?.nullCount).toBe(2);
    expect(table.toArray().map((r) => r.toJSON())).toEqual([
      { t: "", b: new Uint8Array(0) },
      { t: null, b: null },
      { t: "é😀", b: new Uint8Array([7]) },
      { t: "é", b: null },
    ]);
  });

  it("integral numbers beyond 2^53 and at the ends of Int64 are written exactly", () => {
    const values = [-(2 ** 63), 2 ** 63 - 1024, 2 ** 53 + 2, -(2 ** 53) - 2, -1, 2 ** 32, -(2 ** 32) - 1];
    const columns: TabularColumn[] = [
      { name: "i", type: "integer" },
      { name: "ts", type: "timestamp" },
    ];
    const rows = [...values.map((v) => ({ i: v, ts: v })), { i: 2n ** 63n - 1n, ts: -(2n ** 63n) }];
    const table = tableFromIPC(encodeArrow(tabular({ columns, rows, json: null })));
    expect(table.getChild("i")?.toArray()).toEqual(
      BigInt64Array.from([...values.map((v) => BigInt(v)), 2n ** 63n - 1n]),
    );
    expect(table.getChild("ts")?.toArray()).toEqual(
      BigInt64Array.from([...values.map((v) => BigInt(v)), -(2n ** 63n)]),
    );
  });

  it("a missing key is a null, like JSON's absent value", () => {
    const columns: TabularColumn[] = [{ name: "i", type: "integer" }];
    const table = tableFromIPC(encodeArrow(tabular({ columns, rows: [{}, { i: 3 }], json: null })));
    expect(table.toArray().map((r) => r.toJSON())).toEqual([{ i: null }, { i: 3n }]);
  });
});
