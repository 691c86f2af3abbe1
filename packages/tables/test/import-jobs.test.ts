/**
 * Large imports as jobs, in Node: over 100,000 rows an import commits in batches of 10,000,
 * each with its progress record; a fake crash between batches (the object restarts under the
 * import) leaves `interrupted` with exactly the committed rows, never half a batch, and a re-run
 * with `mode=upsert` completes it. A client that disconnects mid-body leaves `interrupted` too.
 */
import { systemClock } from "@durable/core";
import { describe, expect, it } from "vitest";
import { parseImportOptions } from "../src/import/import-options.ts";
import { TableImports } from "../src/import/importer.ts";
import { Tables } from "../src/index.ts";
import { importer, rejection, streamOf } from "./import-helpers.ts";

function csv(n: number): string {
  const lines = ["id,name,score"];
  for (let i = 1; i <= n; i++) lines.push(`${i},name ${i},${i / 4}`);
  return `${lines.join("\n")}\n`;
}

describe("import jobs", () => {
  it("over 100,000 rows: a job committed in batches, each batch one event", async () => {
    const batches: number[] = [];
    const { tables, run, imports } = importer((_id, done) => void batches.push(done));
    const seen: number[] = [];
    tables.subscribe({ name: "probe", onRowsChanged: (_t, c) => void seen.push(c.inserted.length) });
    const result = await run("big", csv(105_000), "create=infer&key=id", "csv", 65_536);
    expect(result).toMatchObject({ job: true, rows: 105_000, inserted: 105_000 });
    expect(batches.slice(0, 3)).toEqual([10_000, 20_000, 30_000]);
    expect(seen.reduce((a, b) => a + b, 0)).toBe(105_000);
    expect(Math.max(...seen)).toBeLessThanOrEqual(10_000 + 65_536 / 10);
    expect(imports.status("big", result.importId)).toMatchObject({ status: "done", rowsDone: 105_000 });
  });

  it("tells onJob once, when the import becomes a job: by Content-Length at once, else after 100,000 rows", async () => {
    const { imports } = importer();
    const told: [string, string][] = [];
    const options = parseImportOptions(new URLSearchParams("create=infer&key=id"));
    const chunked = await imports.run({
      table: "a",
      body: streamOf(csv(105_000), 65_536),
      format: "csv",
      options,
      onJob: (id) => told.push([id, imports.status("a", id).status]),
    });
    expect(chunked.job).toBe(true);
    expect(told).toEqual([[chunked.importId, "running"]]);
    const small = csv(10);
    const declared: string[] = [];
    const sized = await imports.run({
      table: "b",
      body: new Blob([small]).stream(),
      format: "csv",
      options,
      bytesTotal: 11 * 1024 * 1024,
      onJob: (id) => declared.push(id),
    });
    expect(declared).toEqual([sized.importId]);
    expect(sized.job).toBe(true);
  });

  it("a crash between batches leaves interrupted with the committed count; upsert completes it", async () => {
    const crash = new Error("the object restarted");
    const first = importer(async (_id, done) => {
      if (done >= 30_000) throw crash;
    });
    const text = csv(120_000);
    const p = first.run("big", text, "create=infer&key=id", "csv", 65_536);
    await expect(p).rejects.toBe(crash);
    // The record of a real crash stays `running` (the catch above never ran): put it back so.
    first.sql.exec("UPDATE tbl_imports SET status = 'running', finished_at = NULL");
    // Restart: new objects over the same database; start marks what was running.
    const tables = new Tables({ sql: first.sql, transactionSync: first.db.transactionSync });
    const imports = new TableImports(tables, { sql: first.sql, clock: systemClock });
    expect(imports.recover()).toBe(1);
    const [record] = imports.store.list("big");
    expect(record).toMatchObject({ status: "interrupted", rowsDone: 30_000 });
    expect(tables.count("big")).toBe(30_000);
    const again = await imports.run({
      table: "big",
      body: new Blob([text]).stream(),
      format: "csv",
      options: parseImportOptions(new URLSearchParams("mode=upsert")),
    });
    expect(again).toMatchObject({ inserted: 90_000, updated: 0, rows: 120_000 });
    expect(tables.count("big")).toBe(120_000);
  });

  it("a client that disconnects mid-body: interrupted, no partial batch", async () => {
    const { tables, imports } = importer();
    tables.createTable({
      name: "t",
      columns: [
        { name: "id", type: "integer" },
        { name: "name", type: "text" },
        { name: "score", type: "real" },
      ],
      primaryKey: "id",
    });
    const bytes = new TextEncoder().encode(csv(300_000));
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (offset > bytes.length / 2) return c.error(new Error("connection reset"));
        c.enqueue(bytes.slice(offset, offset + 65_536));
        offset += 65_536;
      },
    });
    const r = await rejection(
      imports.run({
        table: "t",
        body,
        format: "csv",
        options: parseImportOptions(new URLSearchParams()),
        bytesTotal: bytes.length,
      }),
    );
    expect(r).toMatchObject({ code: "INVALID_IMPORT", status: 400 });
    const [record] = imports.store.list("t");
    expect(record?.status).toBe("interrupted");
    expect(record?.bytesTotal).toBe(bytes.length);
    expect(record?.rowsDone).toBeGreaterThan(0);
    expect((record?.rowsDone ?? 1) % 10_000).toBe(0);
    expect(tables.count("t")).toBe(record?.rowsDone);
  });
});
