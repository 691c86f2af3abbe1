/**
 * Imports in Node over the better-sqlite3 adapter: inference of every type and the leading-zero
 * rule, name mapping, 10,000-row imports all-or-nothing, `onError=skip`, bad-row lists capped
 * at 100 with the total, NDJSON, duplicate keys with their line, the body cap, that subscribers
 * see imported rows (the one write path), and a drop refused while an import runs. Jobs and
 * crashes: import-jobs.test.ts. HTTP: apps/platform/test/tables-import*.test.ts.
 */
import { describe, expect, it } from "vitest";
import { parseImportOptions } from "../src/import/import-options.ts";
import { inferSpec } from "../src/import/infer.ts";
import { FLIGHTS, failure } from "./helpers.ts";
import { importer, rejection, streamOf } from "./import-helpers.ts";

function flightsCsv(n: number, bad: (i: number) => boolean = () => false): string {
  let s = "id,date,delay,distance,origin,destination\n";
  for (let i = 1; i <= n; i++) s += `${i},2024-03-10T09:00:00Z,${bad(i) ? "late" : i % 50},${i * 3},SFO,"LA, X"\n`;
  return s;
}

describe("inference", () => {
  it("types every column and keeps leading zeros as text", () => {
    const csv = inferSpec(
      "t",
      ["Zip Code", "Count", "Cost Total $", "Active", "Seen At", "Day", "Name", "Empty"],
      [
        ["00501", "10234", "90210"],
        ["1", "-2", "3"],
        ["1.5", "2", "-0.25"],
        ["true", "FALSE", "yes"],
        ["2024-03-10T09:00:00Z", "2024-03-11 10:00", "2024-03-12T01:02:03+02:00"],
        ["2024-03-10", null, "2001-01-31"],
        ["a", "1", "b"],
        [null, null, null],
      ],
      "csv",
    );
    expect(csv.spec.columns).toEqual([
      { name: "rid", type: "integer", nullable: false },
      { name: "zip_code", type: "text", nullable: false },
      { name: "count", type: "integer", nullable: false },
      { name: "cost_total", type: "real", nullable: false },
      { name: "active", type: "boolean", nullable: false },
      { name: "seen_at", type: "timestamp", nullable: false },
      { name: "day", type: "timestamp", nullable: true },
      { name: "name", type: "text", nullable: false },
      { name: "empty", type: "text", nullable: true },
    ]);
    expect(csv.mapping[2]).toEqual({ from: "Cost Total $", to: "cost_total", type: "real" });
    expect(csv.spec.primaryKey).toEqual(["rid"]);
  });

  it("an impossible date or a leading zero demotes a column to text; 0/1 alone are integers", () => {
    const s = inferSpec(
      "t",
      ["d", "n", "b"],
      [
        ["2023-02-28", "2023-02-29"],
        ["1", "007"],
        ["0", "1"],
      ],
      "csv",
    );
    expect(s.spec.columns.slice(1).map((c) => c.type)).toEqual(["text", "text", "integer"]);
  });

  it("maps names to the rules: unique, lower case, reserved prefixes avoided, key= honoured", () => {
    const s = inferSpec(
      "t",
      ["ID", "id", "t_x", "2nd", "rowid", "Ünïcode Name"],
      [["1", "2"], [], [], [], [], []],
      "csv",
      "ID",
    );
    expect(s.mapping.map((m) => m.to)).toEqual(["id", "id_2", "c_t_x", "c_2nd", "c_rowid", "unicode_name"]);
    expect(s.spec.primaryKey).toEqual(["id"]);
    expect(() => inferSpec("t", ["a"], [["1", "1"]], "csv", "a")).toThrow(/INVALID_SCHEMA.*repeats/);
  });

  it("NDJSON: numbers, booleans, ISO strings, objects; mixed kinds are json", () => {
    const s = inferSpec(
      "t",
      ["a", "b", "c", "d", "e"],
      [
        [1, 2],
        [1.5, 2],
        [true, false],
        ["2024-01-01", "2024-01-02"],
        [{ x: 1 }, "s"],
      ],
      "ndjson",
    );
    expect(s.spec.columns.slice(1).map((c) => c.type)).toEqual(["integer", "real", "boolean", "timestamp", "json"]);
  });
});

describe("imports", () => {
  it("imports 10,000 rows in one transaction, through the write path", async () => {
    const { tables, run } = importer();
    tables.createTable(FLIGHTS);
    const seen: number[] = [];
    tables.subscribe({ name: "probe", onRowsChanged: (_t, c) => void seen.push(c.inserted.length) });
    const result = await run("flights", flightsCsv(10_000));
    expect(result).toMatchObject({ rows: 10_000, inserted: 10_000, updated: 0, job: false, totalErrors: 0 });
    expect(seen).toEqual([10_000]);
    expect(tables.get("flights", 7)).toEqual({
      id: 7,
      date: Date.parse("2024-03-10T09:00:00Z"),
      delay: 7,
      distance: 21,
      origin: "SFO",
      destination: "LA, X",
    });
  });

  it("one bad row among 10,000 commits nothing and lists it with line, column, value and reason", async () => {
    const { tables, run } = importer();
    tables.createTable(FLIGHTS);
    tables.insert("flights", [{ id: 1, date: 0, delay: 1 }]);
    const r = await rejection(
      run(
        "flights",
        flightsCsv(10_000, (i) => i === 9_000),
        "mode=upsert",
      ),
    );
    expect(r).toMatchObject({ code: "INVALID_ROWS", status: 400, extra: { total: 1, committed: 0 } });
    expect(r.extra.errors).toEqual([
      { line: 9_001, column: "delay", value: "late", reason: expect.stringMatching(/number/) },
    ]);
    expect(tables.count("flights")).toBe(1);
    expect(tables.get("flights", 1)).toMatchObject({ delay: 1 });
  });

  it("lists at most 100 bad rows and counts them all; onError=skip commits the rest", async () => {
    const { tables, run } = importer();
    tables.createTable(FLIGHTS);
    const text = flightsCsv(1_000, (i) => i % 4 === 0);
    const r = await rejection(run("flights", text));
    expect(r.extra.total).toBe(250);
    expect((r.extra.errors as unknown[]).length).toBe(100);
    expect((r.extra.errors as { line: number }[])[99]?.line).toBe(401);
    expect(tables.count("flights")).toBe(0);
    const skipped = await run("flights", text, "onError=skip");
    expect(skipped).toMatchObject({ inserted: 750, skipped: 250, totalErrors: 250 });
    expect(skipped.errors.length).toBe(100);
    expect(tables.count("flights")).toBe(750);
  });

  it("null tokens, header=false, a delimiter, and an impossible date listed", async () => {
    const { tables, run } = importer();
    tables.createTable(FLIGHTS);
    const body = "1;2024-03-10;NA;5;SFO;\n2;2023-02-29;1;5;SFO;LAX\n";
    const r = await rejection(run("flights", body, "header=false&delimiter=;&null=NA&null="));
    expect(r.extra.errors).toEqual([
      { line: 2, column: "date", value: "2023-02-29", reason: expect.stringMatching(/timestamp/) },
    ]);
    await run("flights", body.split("\n")[0] as string, "header=false&delimiter=;&null=NA&null=");
    expect(tables.get("flights", 1)).toMatchObject({ delay: null, destination: null });
  });

  it("create=infer creates the table in the import's transaction and returns the mapping", async () => {
    const { tables, run } = importer();
    const text = "Zip Code,City Name,Population\n00501,Holtsville,\n10001,New York,8804190\n";
    const r = await run("zips", text, "create=infer&key=Zip Code");
    expect(r.created?.mapping.map((m) => `${m.from}→${m.to}:${m.type}`)).toEqual([
      "Zip Code→zip_code:text",
      "City Name→city_name:text",
      "Population→population:integer",
    ]);
    expect(tables.get("zips", "00501")).toEqual({ zip_code: "00501", city_name: "Holtsville", population: null });
    await expect(run("zips", text, "create=infer")).rejects.toThrow(/TABLE_EXISTS/);
    // A refused import with create=infer creates nothing.
    const bad = await rejection(run("other", "a,b\n1,2\n1,2,3\n", "create=infer"));
    expect(bad.code).toBe("INVALID_CSV");
    expect(tables.listTables().map((t) => t.name)).toEqual(["zips"]);
  });

  it("a generated rid numbers rows in file order, so an upsert re-run lands on the same keys", async () => {
    const { tables, run } = importer();
    const text = "name\na\nb\nc\n";
    await run("letters", text, "create=infer");
    const again = await run("letters", text, "mode=upsert");
    expect(again).toMatchObject({ inserted: 0, updated: 0 });
    expect(tables.scan("letters").rows).toEqual([
      { rid: 1, name: "a" },
      { rid: 2, name: "b" },
      { rid: 3, name: "c" },
    ]);
  });

  it("NDJSON rows, INVALID_JSON with the line and nothing committed", async () => {
    const { tables, run } = importer();
    tables.createTable(FLIGHTS);
    const good = '{"id":1,"date":"2024-03-10","delay":3}\n{"id":2,"date":0,"origin":"SFO"}\n';
    expect(await run("flights", good, "", "ndjson")).toMatchObject({ inserted: 2 });
    const r = await rejection(run("flights", `${'{"id":3,"date":0}\n'}{"id":4,\n`, "", "ndjson"));
    expect(r).toMatchObject({ code: "INVALID_JSON", status: 400, detail: "line 2: not valid JSON" });
    expect(tables.count("flights")).toBe(2);
  });

  it("a duplicate key in insert mode is 409 with the line; nothing committed", async () => {
    const { tables, run } = importer();
    tables.createTable(FLIGHTS);
    tables.insert("flights", [{ id: 5, date: 0 }]);
    const r = await rejection(run("flights", flightsCsv(10)));
    expect(r).toMatchObject({
      code: "DUPLICATE_KEY",
      status: 409,
      detail: "line 6: the key already exists in flights",
      extra: { line: 6 },
    });
    const dup = await rejection(run("flights", "id,date\n7,0\n8,0\n7,0\n"));
    expect(dup.extra.line).toBe(4);
    expect(tables.count("flights")).toBe(1);
  });

  it("a header naming no column is INVALID_CSV line 1; a body over the cap is 413", async () => {
    const { tables, run, imports } = importer();
    tables.createTable(FLIGHTS);
    expect((await rejection(run("flights", "id,nope\n1,2\n"))).detail).toMatch(/^line 1: column "nope"/);
    const big = await rejection(
      imports.run({
        table: "flights",
        body: streamOf(flightsCsv(100)),
        format: "csv",
        options: parseImportOptions(new URLSearchParams()),
        maxBytes: 1000,
      }),
    );
    expect(big).toMatchObject({ code: "PAYLOAD_TOO_LARGE", status: 413 });
    expect(tables.count("flights")).toBe(0);
    expect(imports.store.list("flights").map((r) => r.status)).toEqual(["failed", "failed"]);
  });

  it("a drop without force is refused while an import runs", async () => {
    const base = importer();
    base.tables.createTable(FLIGHTS);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        c.enqueue(new TextEncoder().encode("id,date\n1,0\n"));
        await gate;
        c.close();
      },
    });
    const running = base.imports.run({
      table: "flights",
      body,
      format: "csv",
      options: parseImportOptions(new URLSearchParams()),
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(failure(() => base.tables.dropTable("flights"))).toMatch(/^TABLE_IN_USE 409 .*imports: import /);
    release();
    await running;
    expect(failure(() => base.tables.dropTable("flights"))).toBe("no error");
  });
});
