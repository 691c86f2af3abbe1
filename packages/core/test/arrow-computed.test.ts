/**
 * Computed columns (no catalog type): the Arrow type is inferred from the values, mixed
 * integer/real widens to Float64, any other mix becomes Utf8, and no value makes the encoder
 * throw. A typed column whose values do not fit its type is encoded as a computed one.
 */
import { tableFromIPC } from "apache-arrow";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeArrow } from "../src/arrow/index.ts";
import { type TabularColumn, tabular } from "../src/index.ts";

function encodeColumn(values: unknown[], column: TabularColumn = { name: "m" }) {
  const table = tableFromIPC(
    encodeArrow(tabular({ columns: [column], rows: values.map((v) => ({ [column.name]: v })), json: null })),
  );
  const field = table.schema.fields[0];
  return {
    type: String(field?.type),
    tag: field?.metadata.get("durable:type"),
    values: table.toArray().map((r) => (r.toJSON() as Record<string, unknown>)[column.name]),
  };
}

/** What a value of a column of `type` reads back as. */
function expectedBack(type: string, v: unknown): unknown {
  if (v === null) return null;
  if (type === "Int64") return BigInt(v as number);
  if (type !== "Utf8") return v;
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

describe("computed columns", () => {
  it("integer and real from one SUM widen to Float64", () => {
    expect(encodeColumn([3, 2.5, null, -7])).toEqual({ type: "Float64", tag: "computed", values: [3, 2.5, null, -7] });
  });

  it("all integers → Int64; beyond the safe range → Float64", () => {
    expect(encodeColumn([1, null, -(2 ** 53) + 1])).toMatchObject({
      type: "Int64",
      values: [1n, null, -(2n ** 53n) + 1n],
    });
    expect(encodeColumn([1, 2 ** 60])).toMatchObject({ type: "Float64", values: [1, 2 ** 60] });
    expect(encodeColumn([1n, 2n ** 62n])).toMatchObject({ type: "Int64", values: [1n, 2n ** 62n] });
  });

  it("NaN and ±Infinity are reals", () => {
    expect(encodeColumn([1, Number.NaN, Infinity, -Infinity])).toMatchObject({
      type: "Float64",
      values: [1, Number.NaN, Infinity, -Infinity],
    });
  });

  it("all booleans → Bool; all bytes → Binary", () => {
    expect(encodeColumn([true, null, false])).toMatchObject({ type: "Bool", values: [true, null, false] });
    expect(encodeColumn([new Uint8Array([1]), new Uint8Array(0).buffer])).toMatchObject({
      type: "Binary",
      values: [new Uint8Array([1]), new Uint8Array(0)],
    });
  });

  it("any other mix → Utf8: numbers and booleans as text, objects and arrays as JSON, bytes as base64", () => {
    expect(encodeColumn(["a", 1, 2.5, true, { x: [1, "y"] }, [null], new Uint8Array([255]), null, 2n ** 70n])).toEqual({
      type: "Utf8",
      tag: "computed",
      values: ["a", "1", "2.5", "true", '{"x":[1,"y"]}', "[null]", "/w==", null, String(2n ** 70n)],
    });
  });

  it("a column of nulls only (or no rows) is Utf8", () => {
    expect(encodeColumn([null, undefined])).toMatchObject({ type: "Utf8", values: [null, null] });
    expect(encodeColumn([])).toMatchObject({ type: "Utf8", values: [] });
  });

  it("a bigint beyond Int64 becomes text rather than a failure", () => {
    expect(encodeColumn([2n ** 64n, 1n])).toMatchObject({ type: "Utf8", values: [String(2n ** 64n), "1"] });
  });

  it("a typed column whose values do not fit its type is encoded as a computed one", () => {
    expect(encodeColumn([1, 1.5], { name: "c", type: "integer" })).toMatchObject({
      type: "Float64",
      tag: "computed",
      values: [1, 1.5],
    });
    expect(encodeColumn(["not a date"], { name: "c", type: "timestamp" })).toMatchObject({ type: "Utf8" });
    expect(encodeColumn(["%%"], { name: "c", type: "blob" })).toMatchObject({ type: "Utf8", values: ["%%"] });
    // A typed column of nulls keeps its type: every page of a scan has the same schema.
    expect(encodeColumn([null, null], { name: "c", type: "integer" })).toMatchObject({ type: "Int64", tag: "integer" });
  });

  it("property: any mix of values encodes (never throws) and reads back equal in its JSON form", () => {
    const value = fc.oneof(
      fc.constant(null),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.string({ maxLength: 8 }),
      fc.jsonValue({ maxDepth: 2 }),
      fc.uint8Array({ maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 30 }), (values) => {
        const { type, values: back } = encodeColumn(values);
        expect(back).toHaveLength(values.length);
        values.forEach((v, i) => {
          expect(back[i]).toStrictEqual(expectedBack(type, v));
        });
      }),
      { numRuns: 300 },
    );
  });
});
