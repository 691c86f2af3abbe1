/**
 * The capability composed as DOBase composes it (core's TestHost, after the tables capability):
 * the write hook through the table-events seam with its after-commit step, wake-ups bound to
 * `estimator`, the routes' statuses and bodies, the RPC api, and a forced drop removing the
 * statistics. Routes are called in-process here; HTTP and workerd are the platform's tests.
 */
import { errorCodeOf, errorResponse, type Route, type RouteRequest } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { TestHost } from "@durable/core/testing";
import { tablesCapability } from "@durable/tables";
import { describe, expect, it } from "vitest";
import { ESTIMATOR, estimatorCapability } from "../src/index.ts";

async function host() {
  const db = openSqlite();
  const h = new TestHost({ sql: db.sql, transactionSync: db.transactionSync });
  const tables = h.use(tablesCapability()).tables;
  const cap = h.use(estimatorCapability());
  await h.start();
  tables.createTable({
    name: "flights",
    columns: [
      { name: "id", type: "integer" },
      { name: "origin", type: "text" },
      { name: "delay", type: "integer" },
    ],
    primaryKey: "id",
  });
  const rows = Array.from({ length: 10_000 }, (_, i) => ({
    id: i,
    origin: i % 5 === 0 ? "SFO" : `A${i % 40}`,
    delay: i % 90,
  }));
  for (let i = 0; i < rows.length; i += 1000) tables.insert("flights", rows.slice(i, i + 1000));
  return { db, h, tables, cap };
}

async function call(
  routes: readonly Route[],
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  for (const r of routes) {
    if (r.method !== method) continue;
    const names: string[] = [];
    const re = new RegExp(
      `^${r.path.replace(/:([a-z]+)/g, (_m, n: string) => {
        names.push(n);
        return "([^/]+)";
      })}$`,
    );
    const m = re.exec(path);
    if (!m) continue;
    const params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? "")]));
    const req = {
      params,
      query: new URLSearchParams(),
      body,
      tenant: "t",
      requestId: "r",
      request: new Request(`http://x${path}`),
    } as RouteRequest;
    try {
      const out = await r.handle(req);
      if (out instanceof Response) return { status: out.status, body: out.status === 204 ? null : await out.json() };
      return { status: 200, body: JSON.parse(JSON.stringify(out)) };
    } catch (err) {
      const res = errorResponse(err);
      return { status: res.status, body: await res.json() };
    }
  }
  throw new Error(`no route ${method} ${path}`);
}

describe("the estimator capability", () => {
  it("estimates through the seam: origin = 'SFO' within 2× of the count, stats report 10,000 rows", async () => {
    const { cap, tables } = await host();
    expect(cap.name).toBe(ESTIMATOR);
    const where = { col: "origin", op: "=", value: "SFO" };
    const est = await call(cap.routes, "POST", "/estimator/estimate", { table: "flights", where });
    expect(est.status).toBe(200);
    const rows = (est.body as { rows: number }).rows;
    const actual = tables.count("flights", where as never);
    expect(actual).toBe(2000);
    expect(Math.max(rows / actual, actual / rows)).toBeLessThanOrEqual(2);
    const stats = await call(cap.routes, "GET", "/estimator/tables/flights/stats");
    expect((stats.body as { rows: number }).rows).toBe(10_000);
    expect(cap.api.estimate({ table: "flights" }).rows).toBe(10_000);
  });

  it("answers every route with its status; errors carry their code", async () => {
    const { cap, h } = await host();
    const e = (await call(cap.routes, "POST", "/estimator/estimate", { table: "flights" })).body as {
      fingerprint: string;
      uncorrectedRows: number;
    };
    expect(
      (
        await call(cap.routes, "POST", "/estimator/feedback", {
          fingerprint: e.fingerprint,
          estimatedRows: e.uncorrectedRows,
          actualRows: 5,
        })
      ).status,
    ).toBe(204);
    const bad = await call(cap.routes, "POST", "/estimator/feedback", {
      fingerprint: e.fingerprint,
      estimatedRows: 1,
      actualRows: -1,
    });
    expect([bad.status, (bad.body as { error: { code: string } }).error.code]).toEqual([400, "INVALID_FEEDBACK"]);
    const job = await call(cap.routes, "POST", "/estimator/tables/flights/analyze", { full: true });
    expect(job.status).toBe(202);
    const again = await call(cap.routes, "POST", "/estimator/tables/flights/analyze", {});
    expect([again.status, (again.body as { jobId: string }).jobId]).toEqual([
      202,
      (job.body as { jobId: string }).jobId,
    ]);
    expect(h.wakes.pending().every((w) => w.owner === "estimator")).toBe(true);
    await h.fireDueWakes();
    expect((await call(cap.routes, "GET", "/estimator/tables/flights/stats")).body).toMatchObject({
      job: { status: "done" },
    });
    const notFound = await call(cap.routes, "GET", "/estimator/tables/nope/stats");
    expect([notFound.status, (notFound.body as { error: { code: string } }).error.code]).toEqual([
      404,
      "TABLE_NOT_FOUND",
    ]);
    expect((await call(cap.routes, "GET", "/estimator/calibration")).body).toMatchObject({
      constants: { sqliteScanRowUs: 0.5 },
    });
    const put = await call(cap.routes, "PUT", "/estimator/calibration", { constants: { crossDoHopUs: 4000 } });
    expect((put.body as { constants: { crossDoHopUs: number } }).constants.crossDoHopUs).toBe(4000);
    const badPut = await call(cap.routes, "PUT", "/estimator/calibration", { constants: { crossDoHopUs: 0 } });
    expect([badPut.status, (badPut.body as { error: { code: string } }).error.code]).toEqual([
      400,
      "INVALID_CALIBRATION",
    ]);
    const run = await call(cap.routes, "POST", "/estimator/calibration/run");
    expect((run.body as { constants: { sqliteScanRowUs: number } }).constants.sqliteScanRowUs).toBeGreaterThan(0);
    const unknown = await call(cap.routes, "POST", "/estimator/estimate", { table: "flights", groupBy: ["nope"] });
    expect([unknown.status, (unknown.body as { error: { code: string } }).error.code]).toEqual([400, "UNKNOWN_COLUMN"]);
  });

  it("statistics never veto a drop; a forced drop removes them in the drop's transaction", async () => {
    const { cap, tables, db } = await host();
    cap.estimator.flush();
    tables.dropTable("flights");
    expect(db.sql.exec<{ n: number }>("SELECT count(*) AS n FROM est_tables").one().n).toBe(0);
    expect(errorCodeOf(tryIt(() => cap.api.stats("flights")))).toBe("TABLE_NOT_FOUND");
  });
});

function tryIt(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}
