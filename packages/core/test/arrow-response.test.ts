/**
 * The HTTP side of a tabular result: its JSON serialization is the route's JSON body byte for
 * byte (built only when JSON is sent), and the Arrow response carries the content type, the
 * cursor in `x-cursor` and the schema metadata, and other metadata as `x-…` headers.
 */
import { tableFromIPC } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { arrowResponse, encodeArrow, metadataHeader } from "../src/arrow/index.ts";
import { ARROW_STREAM, isTabular, json, tabular } from "../src/index.ts";

const columns = [
  { name: "id", type: "integer" as const },
  { name: "name", type: "text" as const },
];

describe("tabular results and the Arrow response", () => {
  it("JSON.stringify writes the JSON body exactly, whatever the rows hold", async () => {
    const body = { rows: [{ id: 1, name: "a", extra: [1, { b: null }] }], cursor: "c1", note: "ünï" };
    const result = tabular({ columns, rows: [{ id: 1n, name: "ignored" }], cursor: "c1", json: body });
    expect(isTabular(result)).toBe(true);
    expect(JSON.stringify(result)).toBe(JSON.stringify(body));
    expect(await json(result).text()).toBe(JSON.stringify(body));
  });

  it("a JSON body given as a function is built once, and never for an Arrow answer", () => {
    let built = 0;
    const make = () =>
      tabular({
        columns,
        rows: [{ id: 1, name: "a" }],
        json: () => {
          built++;
          return { rows: [{ id: 1, name: "a" }] };
        },
      });
    encodeArrow(make());
    arrowResponse(make());
    expect(built).toBe(0);
    const result = make();
    JSON.stringify(result);
    JSON.stringify(result);
    expect(built).toBe(1);
  });

  it("columns and rows given as functions are built once, for an Arrow answer, and never for JSON", async () => {
    const calls = { columns: 0, rows: 0 };
    const make = () =>
      tabular({
        columns: () => {
          calls.columns++;
          return columns;
        },
        rows: () => {
          calls.rows++;
          return [{ id: 7, name: "g" }];
        },
        json: { rows: [{ id: 7, name: "g" }] },
      });
    expect(await json(make()).text()).toBe('{"rows":[{"id":7,"name":"g"}]}');
    expect(calls).toEqual({ columns: 0, rows: 0 });
    const table = tableFromIPC(encodeArrow(make()));
    expect(table.toArray().map((r) => r.toJSON())).toEqual([{ id: 7n, name: "g" }]);
    expect(calls).toEqual({ columns: 1, rows: 1 });
  });

  it("a page with a next cursor: x-cursor and the schema metadata carry it", async () => {
    const result = tabular({ columns, rows: [{ id: 1, name: "a" }], cursor: "eyJ2IjoxfQ", json: null });
    const res = arrowResponse(result, { vary: "accept", "content-type": "text/plain" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(ARROW_STREAM);
    expect(res.headers.get("x-cursor")).toBe("eyJ2IjoxfQ");
    expect(res.headers.get("vary")).toBe("accept");
    const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    expect(table.schema.metadata.get("cursor")).toBe("eyJ2IjoxfQ");
    expect(table.toArray().map((r) => r.toJSON())).toEqual([{ id: 1n, name: "a" }]);
  });

  it("the last page: no x-cursor, no cursor metadata", async () => {
    const res = arrowResponse(tabular({ columns, rows: [], cursor: null, json: null }));
    expect(res.headers.has("x-cursor")).toBe(false);
    const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    expect(table.schema.metadata.has("cursor")).toBe(false);
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => String(f.type))).toEqual(["Int64", "Utf8"]);
  });

  it("route metadata becomes schema metadata and x-<kebab> headers", async () => {
    expect(metadataHeader("nextLsn")).toBe("x-next-lsn");
    expect(metadataHeader("cursor")).toBe("x-cursor");
    const res = arrowResponse(
      tabular({ columns, rows: [], metadata: { nextLsn: "42", hasMore: "true" }, cursor: "9", json: null }),
    );
    expect([res.headers.get("x-next-lsn"), res.headers.get("x-has-more"), res.headers.get("x-cursor")]).toEqual([
      "42",
      "true",
      "9",
    ]);
    const meta = tableFromIPC(new Uint8Array(await res.arrayBuffer())).schema.metadata;
    expect(Object.fromEntries(meta)).toEqual({ nextLsn: "42", hasMore: "true", cursor: "9" });
  });

  it("the stream is an IPC stream, not the file format (no ARROW1 magic)", () => {
    const bytes = encodeArrow(tabular({ columns, rows: [{ id: 1, name: "a" }], json: null }));
    expect(new TextDecoder().decode(bytes.subarray(0, 6))).not.toBe("ARROW1");
    // The stream ends with the end-of-stream marker: continuation 0xFFFFFFFF then a zero length.
    expect([...bytes.subarray(-8)]).toEqual([255, 255, 255, 255, 0, 0, 0, 0]);
  });
});
