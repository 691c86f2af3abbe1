/**
 * The streaming CSV reader over RFC 4180 edge cases, fed in every chunk size (so a quote, a
 * `\r\n` or a multi-byte character split across chunks is covered): quoting, doubled quotes,
 * embedded newlines and delimiters, BOM, `\r\n`, blank lines, a custom delimiter, and the
 * strict errors with their line. Does not cover the import around it (import.test.ts).
 */
import { describe, expect, it } from "vitest";
import { CsvReader } from "../src/import/csv-reader.ts";
import { NdjsonReader } from "../src/import/ndjson-reader.ts";

function read(text: string, chunk: number, delimiter = ",") {
  const reader = new CsvReader({ delimiter });
  const out = [];
  for (let i = 0; i < text.length; i += chunk) out.push(...reader.push(text.slice(i, i + chunk)));
  out.push(...reader.end());
  return out;
}

const CHUNKS = [1, 2, 3, 5, 64, 100_000];

describe("CsvReader", () => {
  it.each(CHUNKS)("reads quoting, embedded newlines, BOM and \\r\\n the same in chunks of %i", (chunk) => {
    const text = '\uFEFFa,b,c\r\n"x, y","say ""hi""","two\r\nlines"\r\n1,,"é😀"\r\n\r\n"",3,"last"';
    expect(read(text, chunk)).toEqual([
      { fields: ["a", "b", "c"], line: 1 },
      { fields: ["x, y", 'say "hi"', "two\r\nlines"], line: 2 },
      { fields: ["1", "", "é😀"], line: 4 },
      { fields: ["", "3", "last"], line: 6 },
    ]);
  });

  it.each(CHUNKS)("reads \\n line ends, a trailing newline and a custom delimiter (chunks of %i)", (chunk) => {
    expect(read('a;b\n1;"x;y"\n2;z\n', chunk, ";")).toEqual([
      { fields: ["a", "b"], line: 1 },
      { fields: ["1", "x;y"], line: 2 },
      { fields: ["2", "z"], line: 3 },
    ]);
  });

  it("refuses an unterminated quote with the line it starts on", () => {
    expect(() => read('a,b\n1,2\n3,"open\nmore\n', 4)).toThrow(/\[INVALID_CSV\] line 3: unterminated quoted field/);
  });

  it("refuses a row with more (or fewer) fields than the header, with its line", () => {
    expect(() => read("a,b\n1,2\n1,2,3\n", 3)).toThrow(/\[INVALID_CSV\] line 3: 3 fields where the first record has 2/);
    expect(() => read('a,b\n"x\ny",2\n1\n', 3)).toThrow(/line 4: 1 fields/);
  });

  it("refuses text after a closing quote", () => {
    expect(() => read('a,b\n"1"x,2\n', 100)).toThrow(/\[INVALID_CSV\] line 2: text after a closing quote/);
  });
});

describe("NdjsonReader", () => {
  it("reads objects across chunks, skips blank lines, numbers lines", () => {
    const reader = new NdjsonReader();
    const text = '{"a":1}\n\n{"a":"x\\ny"}\r\n{"a":null}';
    const out = [];
    for (let i = 0; i < text.length; i += 3) out.push(...reader.push(text.slice(i, i + 3)));
    out.push(...reader.end());
    expect(out).toEqual([
      { value: { a: 1 }, line: 1 },
      { value: { a: "x\ny" }, line: 3 },
      { value: { a: null }, line: 4 },
    ]);
  });

  it("refuses a line that is not a JSON object with INVALID_JSON and the line", () => {
    expect(() => new NdjsonReader().push('{"a":1}\n{"a":\n')).toThrow(/\[INVALID_JSON\] line 2: not valid JSON/);
    expect(() => new NdjsonReader().push("[1]\n")).toThrow(/line 1: a line is one JSON object/);
  });
});
