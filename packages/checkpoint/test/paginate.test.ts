/**
 * `paginate` and `resumableSync` in Node (better-sqlite3 adapter): pages equal tables' `scan`
 * page for page (NULLs in the sort column, both directions, composite keys); malformed or
 * another query's cursors are 400 INVALID_CURSOR; a 1M-row sync killed at row 500,000 resumes to
 * exactly 1M rows with a bounded heap; a sync over `tables.scan` with an idempotent sink resumes
 * after a crash between write and save. Does not prove anything in workerd.
 */
import { ManualClock, runMigrations, type SqlRow } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { storageTable, Tables } from "@durable/tables";
import { describe, expect, it } from "vitest";
import { CHECKPOINT_MIGRATIONS, type PaginateOptions, paginate, resumableSync } from "../src/index.ts";
import { rejectsWith } from "./helpers.ts";

function openDb() {
  const db = openSqlite();
  runMigrations(db.sql, db.transactionSync, CHECKPOINT_MIGRATIONS);
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  return { db, ports: { sql: db.sql, transactionSync: db.transactionSync, clock }, clock };
}

/** Flights with NULL-heavy origins and repeated delays; and legs with a composite key. */
function tablesFixture() {
  const { db, ports } = openDb();
  const tables = Tables.open({ sql: db.sql, transactionSync: db.transactionSync });
  tables.createTable({
    name: "flights",
    columns: [
      { name: "id", type: "integer" },
      { name: "delay", type: "integer" },
      { name: "origin", type: "text" },
    ],
    primaryKey: "id",
  });
  const rows = Array.from({ length: 2345 }, (_, i) => ({
    id: i + 1,
    delay: i % 7 === 0 ? null : (i * 37) % 50,
    origin: i % 5 === 0 ? null : `O${(i * 13) % 17}`,
  }));
  for (let i = 0; i < rows.length; i += 500) tables.insert("flights", rows.slice(i, i + 500));
  tables.createTable({
    name: "legs",
    columns: [
      { name: "trip", type: "integer" },
      { name: "leg", type: "integer" },
      { name: "city", type: "text" },
    ],
    primaryKey: ["trip", "leg"],
  });
  tables.insert(
    "legs",
    Array.from({ length: 333 }, (_, i) => ({
      trip: i % 40,
      leg: Math.floor(i / 40),
      city: i % 3 ? `c${i % 11}` : null,
    })),
  );
  return { db, tables, ports };
}

/** Every page of a scan and of paginate, as key lists. */
function pagesOf(
  tables: Tables,
  sql: ReturnType<typeof openSqlite>["sql"],
  table: string,
  keys: string[],
  sort: string | undefined,
  direction: "asc" | "desc",
  size: number,
) {
  const keyOf = (r: Record<string, unknown>) => keys.map((k) => r[k]).join("/");
  const scan: string[][] = [];
  let c: string | null | undefined;
  do {
    const p = tables.scan(table, {
      ...(sort ? { orderBy: sort } : {}),
      order: direction,
      limit: size,
      cursor: c ?? undefined,
    });
    scan.push(p.rows.map(keyOf));
    c = p.cursor;
  } while (c);
  const raw = storageTable(table).slice(1, -1);
  const ours: string[][] = [];
  const rows: SqlRow[] = [];
  let cursor: string | null = null;
  for (;;) {
    const p = paginate(sql, { table: raw, keys, ...(sort ? { sort } : {}), direction, pageSize: size, cursor });
    ours.push(p.items.map(keyOf));
    rows.push(...p.items);
    expect(p.hasMore).toBe(p.cursor !== null);
    if (!p.cursor) break;
    expect(p.cursor).toMatch(/^c1\./);
    cursor = p.cursor;
  }
  return { scan, ours, rows };
}

describe("paginate", () => {
  it("pages exactly like tables' scan: NULL sort values, asc and desc, single and composite keys", () => {
    const { db, tables } = tablesFixture();
    const cases: [string, string[], string | undefined, number][] = [
      ["flights", ["id"], undefined, 1000],
      ["flights", ["id"], "origin", 100],
      ["flights", ["id"], "delay", 333],
      ["flights", ["id"], "id", 250],
      ["legs", ["trip", "leg"], undefined, 50],
      ["legs", ["trip", "leg"], "city", 37],
    ];
    for (const [table, keys, sort, size] of cases) {
      for (const direction of ["asc", "desc"] as const) {
        const { scan, ours, rows } = pagesOf(tables, db.sql, table, keys, sort, direction, size);
        expect(ours, `${table} ${sort} ${direction}`).toEqual(scan);
        const total = db.sql.exec(`SELECT count(*) AS n FROM ${storageTable(table)}`).one().n;
        expect(new Set(ours.flat()).size).toBe(total);
        if (sort === "origin") {
          // SQLite's NULL order: first ascending, last descending.
          const firstNull = rows.findIndex((r) => r.origin === null);
          const lastNull = rows.findLastIndex((r) => r.origin === null);
          expect(direction === "asc" ? firstNull : lastNull).toBe(direction === "asc" ? 0 : rows.length - 1);
        }
      }
    }
  });

  it("pageSize defaults to 1,000 and must be 1–1,000; bad names → 400 INVALID_INPUT", async () => {
    const { db } = tablesFixture();
    const page = paginate(db.sql, { table: "t_flights", keys: ["id"] });
    expect(page.items).toHaveLength(1000);
    expect(page.hasMore).toBe(true);
    const bad: PaginateOptions[] = [
      { table: "t_flights", keys: ["id"], pageSize: 0 },
      { table: "t_flights", keys: ["id"], pageSize: 1001 },
      { table: "t_flights", keys: ["id"], pageSize: 1.5 },
      { table: 'x"; DROP TABLE t_flights; --', keys: ["id"] },
      { table: "t_flights", keys: [] },
      { table: "t_flights", keys: ["id"], sort: "a b" },
      { table: "t_flights", keys: ["id"], direction: "up" as "asc" },
    ];
    for (const options of bad) await rejectsWith((async () => paginate(db.sql, options))(), "INVALID_INPUT");
  });

  it("a malformed, altered or foreign cursor → 400 INVALID_CURSOR", async () => {
    const { db, tables } = tablesFixture();
    const q = { table: "t_flights", keys: ["id"], sort: "origin", direction: "asc" as const, pageSize: 10 };
    const cursor = paginate(db.sql, q).cursor as string;
    const other = [
      { ...q, direction: "desc" as const },
      { ...q, sort: "delay" },
      { ...q, table: "t_legs", keys: ["trip", "leg"] },
      { ...q, sort: undefined },
    ];
    for (const o of other) await rejectsWith((async () => paginate(db.sql, { ...o, cursor }))(), "INVALID_CURSOR");
    const scanCursor = tables.scan("flights", { orderBy: "origin", limit: 10 }).cursor as string;
    await rejectsWith((async () => paginate(db.sql, { ...q, cursor: scanCursor }))(), "INVALID_CURSOR");
    const altered = `${cursor.slice(0, -2)}${cursor.endsWith("A") ? "B" : "A"}${cursor.slice(-1)}`;
    for (const c of ["junk", "c2.abc", "c1.!!", altered]) {
      await rejectsWith((async () => paginate(db.sql, { ...q, cursor: c }))(), "INVALID_CURSOR");
    }
    expect(paginate(db.sql, { ...q, cursor }).items).toHaveLength(10);
  });
});

describe("resumableSync", () => {
  it("1M rows, killed at row 500,000, resumes to exactly 1M rows with no duplicate; heap stays bounded", async () => {
    const { db, ports } = openDb();
    db.sql.exec("CREATE TABLE app_src (id INTEGER PRIMARY KEY, v TEXT NOT NULL) STRICT");
    db.sql.exec("CREATE TABLE app_dst (id INTEGER PRIMARY KEY, v TEXT NOT NULL) STRICT");
    db.sql.exec(
      "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1000000) INSERT INTO app_src (id, v) SELECT x, 'row-' || x FROM n",
    );
    let written = 0;
    let killAt: number | null = 500_000;
    const samples: number[] = [process.memoryUsage().heapUsed];
    const sink = {
      local: (items: unknown[]) => {
        const rows = items as { id: number; v: string }[];
        for (let i = 0; i < rows.length; i += 50) {
          const part = rows.slice(i, i + 50);
          if (killAt !== null && written + part.length >= killAt) throw new Error("killed");
          db.sql.exec(
            `INSERT INTO app_dst (id, v) VALUES ${part.map(() => "(?, ?)").join(", ")}`,
            ...part.flatMap((r) => [r.id, r.v]),
          );
          written += part.length;
          if (written % 100_000 === 0) samples.push(process.memoryUsage().heapUsed);
        }
      },
    };
    const options = { syncId: "src->dst", source: { table: "app_src", keys: ["id"] }, sink };
    await expect(resumableSync(ports, options)).rejects.toThrow("killed");
    const saved = db.sql.exec("SELECT * FROM ckpt_sync").one();
    // The killed page rolled back with its cursor: 499 whole pages are in.
    expect(saved).toMatchObject({ pages: 499, rows: 499_000, done: 0 });
    expect(db.sql.exec("SELECT count(*) AS n FROM app_dst").one().n).toBe(499_000);
    killAt = null;
    written = 499_000;
    const done = await resumableSync(ports, options);
    expect(done).toMatchObject({ rows: 1_000_000, done: true, cursor: null });
    expect(db.sql.exec("SELECT count(*) AS n, count(DISTINCT id) AS d, max(id) AS m FROM app_dst").one()).toEqual({
      n: 1_000_000,
      d: 1_000_000,
      m: 1_000_000,
    });
    // Sampled every 100k rows (10 samples plus the start): the heap never held the rows.
    expect(samples).toHaveLength(11);
    console.log(`resumableSync 1M rows: heap ${samples.map((b) => (b / 1048576).toFixed(0)).join(" ")} MiB`);
    expect(Math.max(...samples)).toBeLessThan(50 * 1024 * 1024);
    // A finished sync reads nothing more.
    expect(await resumableSync(ports, options)).toMatchObject({ rows: 1_000_000, done: true });
  });

  it("over tables.scan with an idempotent sink: a crash between write and save replays one page, never loses one", async () => {
    const { db, tables, ports } = tablesFixture();
    const copy = new Map<number, unknown>();
    let crash = true;
    const sink = {
      upsert: (items: unknown[]) => {
        for (const r of items as { id: number }[]) copy.set(r.id, r);
        if (crash && copy.size >= 1200) {
          crash = false;
          throw new Error("evicted before the cursor was saved");
        }
      },
    };
    const source = (cursor: string | null) => {
      const p = tables.scan("flights", { limit: 400, ...(cursor ? { cursor } : {}) });
      return { items: p.rows, cursor: p.cursor };
    };
    await expect(resumableSync(ports, { syncId: "flights", source, sink })).rejects.toThrow("evicted");
    expect(db.sql.exec("SELECT pages, rows FROM ckpt_sync").one()).toEqual({ pages: 2, rows: 800 });
    const partial = await resumableSync(ports, { syncId: "flights", source, sink, maxPages: 2 });
    expect(partial).toMatchObject({ pages: 4, rows: 1600, done: false });
    const done = await resumableSync(ports, { syncId: "flights", source, sink });
    expect(done).toMatchObject({ rows: 2345, done: true });
    expect(copy.size).toBe(2345);
    expect([...copy.values()]).toEqual(expect.arrayContaining([tables.get("flights", 1)]));
  });

  it("a stored cursor that no longer fits the source → INVALID_CURSOR; a bad syncId → INVALID_INPUT", async () => {
    const { db, ports } = tablesFixture();
    const sink = { local: () => {} };
    await resumableSync(ports, {
      syncId: "s",
      source: { table: "t_flights", keys: ["id"], pageSize: 10 },
      sink,
      maxPages: 1,
    });
    await rejectsWith(
      resumableSync(ports, { syncId: "s", source: { table: "t_flights", keys: ["id"], sort: "origin" }, sink }),
      "INVALID_CURSOR",
    );
    await rejectsWith(
      resumableSync(ports, { syncId: "", source: { table: "t_flights", keys: ["id"] }, sink }),
      "INVALID_INPUT",
    );
    expect(db.sql.exec("SELECT pages FROM ckpt_sync WHERE sync_id = 's'").one().pages).toBe(1);
  });
});
