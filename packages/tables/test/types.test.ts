/**
 * Proves the type coercion rules: ISO timestamps (with and without offset, date-only) become
 * epoch ms, booleans are stored as 0/1 and read back as booleans, blobs accept bytes or base64
 * (standard and URL-safe) and read back as bytes, json round-trips and is capped at 1 MiB,
 * integers must be safe integers and reals finite. Wrong types give INVALID_ROW with the path.
 */
import { describe, expect, it } from "vitest";
import { fromBase64, parseIsoTimestamp, toBase64 } from "../src/column-types.ts";
import { failure, open } from "./helpers.ts";

function typed() {
  const h = open();
  h.tables.createTable({
    name: "typed",
    columns: [
      { name: "id", type: "integer" },
      { name: "r", type: "real" },
      { name: "s", type: "text" },
      { name: "b", type: "blob" },
      { name: "f", type: "boolean" },
      { name: "at", type: "timestamp" },
      { name: "doc", type: "json" },
    ],
    primaryKey: "id",
  });
  return h;
}

describe("coercions", () => {
  it("parses ISO timestamps as UTC epoch ms", () => {
    expect(parseIsoTimestamp("2024-03-10T09:00:00Z")).toBe(Date.UTC(2024, 2, 10, 9));
    expect(parseIsoTimestamp("2024-03-10T09:00:00.250+02:00")).toBe(Date.UTC(2024, 2, 10, 7, 0, 0, 250));
    expect(parseIsoTimestamp("2024-03-10 09:00")).toBe(Date.UTC(2024, 2, 10, 9));
    expect(parseIsoTimestamp("2024-03-10")).toBe(Date.UTC(2024, 2, 10));
    expect(parseIsoTimestamp("March 10, 2024")).toBeUndefined();
    expect(parseIsoTimestamp("2024-13-45")).toBeUndefined();
    // Impossible days are refused, not rolled over into the next month.
    expect(parseIsoTimestamp("2023-02-29")).toBeUndefined();
    expect(parseIsoTimestamp("2024-04-31T10:00Z")).toBeUndefined();
    expect(parseIsoTimestamp("2024-02-29T10:00Z")).toBe(Date.UTC(2024, 1, 29, 10));
    expect(parseIsoTimestamp("2024-12-31")).toBe(Date.UTC(2024, 11, 31));
  });

  it("round-trips base64, standard and URL-safe, and rejects non-base64", () => {
    const bytes = Uint8Array.from([0, 250, 251, 252, 253, 254, 255]);
    expect([...(fromBase64(toBase64(bytes)) ?? [])]).toEqual([...bytes]);
    expect([...(fromBase64("-_8") ?? [])]).toEqual([251, 255]);
    expect(fromBase64("not base64!")).toBeUndefined();
    // Padding after a full group, or too much of it, is not base64 (atob threw on these: a 500).
    for (const bad of ["A-++=", "AAAA=", "AAAA==", "AA=", "A==="]) expect(fromBase64(bad), bad).toBeUndefined();
    expect([...(fromBase64("AA==") ?? [])]).toEqual([0]);
    expect([...(fromBase64("AAA=") ?? [])]).toEqual([0, 0]);
  });

  it("answers a blob that is not base64 with INVALID_ROW, never a 500", () => {
    const { tables } = typed();
    expect(() => tables.insert("typed", [{ id: 9, b: "AAAA=" }])).toThrow(/INVALID_ROW/);
  });

  it("stores each type as its SQLite form and reads it back in client form", () => {
    const { tables, sql } = typed();
    tables.insert("typed", [
      { id: 1, r: 1.5, s: "x", b: "AAEC", f: true, at: "2024-03-10T09:00:00Z", doc: { k: [1, "two", null] } },
      { id: 2, b: Uint8Array.from([9]), f: 0, at: 1_700_000_000_000, doc: "just a string" },
      { id: 3, b: Uint8Array.from([7, 7]).buffer, f: false },
    ]);
    const stored = sql.exec("SELECT id, typeof(b) AS tb, f, at, doc FROM t_typed ORDER BY id").toArray();
    expect(stored).toEqual([
      { id: 1, tb: "blob", f: 1, at: Date.UTC(2024, 2, 10, 9), doc: '{"k":[1,"two",null]}' },
      { id: 2, tb: "blob", f: 0, at: 1_700_000_000_000, doc: '"just a string"' },
      { id: 3, tb: "blob", f: 0, at: null, doc: null },
    ]);
    const one = tables.get("typed", 1);
    expect(one).toMatchObject({ r: 1.5, s: "x", f: true, at: Date.UTC(2024, 2, 10, 9), doc: { k: [1, "two", null] } });
    expect([...(one.b as Uint8Array)]).toEqual([0, 1, 2]);
    expect(tables.get("typed", 3)).toMatchObject({ f: false, r: null, doc: null });
  });

  const wrong: [string, Record<string, unknown>, RegExp][] = [
    ["a fraction in an integer", { id: 1.5 }, /^rows\[0\]\.id:/],
    ["an unsafe integer", { id: 2 ** 60 }, /^rows\[0\]\.id: (must be a safe integer|Too big)/],
    ["a string in a real", { id: 1, r: "1.5" }, /^rows\[0\]\.r:/],
    ["a number in text", { id: 1, s: 5 }, /^rows\[0\]\.s:/],
    ["non-base64 in a blob", { id: 1, b: "%%%" }, /^rows\[0\]\.b: blob must be bytes or a base64 string/],
    ["2 in a boolean", { id: 1, f: 2 }, /^rows\[0\]\.f:/],
    ["'yes' in a boolean", { id: 1, f: "yes" }, /^rows\[0\]\.f:/],
    ["a bad timestamp", { id: 1, at: "yesterday" }, /^rows\[0\]\.at: timestamp must be epoch ms or an ISO 8601 string/],
    ["an unknown column", { id: 1, zz: 1 }, /^rows\[0\]\.zz: unknown column/],
    ["a missing key", { r: 1 }, /^rows\[0\]\.id: required/],
  ];
  for (const [label, row, message] of wrong) {
    it(`rejects ${label} with INVALID_ROW and its path`, () => {
      const { tables } = typed();
      const f = failure(() => tables.insert("typed", [row]));
      expect(f.startsWith("INVALID_ROW 400 ")).toBe(true);
      expect(f.slice(16)).toMatch(message);
      expect(tables.count("typed")).toBe(0);
    });
  }

  it("caps json at 1 MiB and a row at 2 MiB (413 ROW_TOO_LARGE)", () => {
    const { tables } = typed();
    expect(failure(() => tables.insert("typed", [{ id: 1, doc: "x".repeat(1024 * 1024) }]))).toMatch(
      /^INVALID_ROW 400 rows\[0\]\.doc: json value is larger than 1 MiB/,
    );
    expect(
      failure(() =>
        tables.insert("typed", [{ id: 1, s: "x".repeat(1024 * 1024 + 10), b: new Uint8Array(1024 * 1024) }]),
      ),
    ).toMatch(/^ROW_TOO_LARGE 413 rows\[0\]: the row is \d+ bytes; at most 2097152/);
    tables.insert("typed", [{ id: 1, s: "x".repeat(1024 * 1024), b: new Uint8Array(1000 * 1024) }]);
    expect(tables.count("typed")).toBe(1);
  });
});
