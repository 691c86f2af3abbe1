/**
 * Property: any table of text values (quotes, commas, newlines, `\r\n`, unicode, nulls), written
 * as RFC 4180 CSV and imported in random chunk sizes, reads back equal. Nulls are written as
 * `\N` and imported with `null=\N`, so an empty string stays an empty string.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { importer } from "./import-helpers.ts";

const cell = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 6, arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }) },
  { weight: 3, arbitrary: fc.stringMatching(/^[a-z",\r\n ;]{0,8}$/) },
);

function quote(v: string | null): string {
  if (v === null) return "\\N";
  return /[",\r\n]|^$/.test(v) || v === "\\N" ? `"${v.replace(/"/g, '""')}"` : v;
}

describe("CSV round trip", () => {
  it("random tables written to CSV and imported read back equal", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(cell, cell, cell), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 64 }),
        fc.boolean(),
        async (rows, chunk, crlf) => {
          const nl = crlf ? "\r\n" : "\n";
          // "\N" itself cannot be a value once it is the null token.
          const clean = rows.map((r) => r.map((v) => (v === "\\N" ? "N" : v)));
          const text = `id,a,b,c${nl}${clean.map((r, i) => [String(i + 1), ...r.map(quote)].join(",")).join(nl)}${nl}`;
          const { tables, run } = importer();
          tables.createTable({
            name: "t",
            columns: [
              { name: "id", type: "integer" },
              { name: "a", type: "text" },
              { name: "b", type: "text" },
              { name: "c", type: "text" },
            ],
            primaryKey: "id",
          });
          await run("t", text, "null=\\N", "csv", chunk);
          const back = tables.scan("t", { limit: 1000 }).rows.map((r) => [r.a, r.b, r.c]);
          expect(back).toEqual(clean);
        },
      ),
      { numRuns: 150 },
    );
  });
});
