import { scopedWake } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { RecordingWakes } from "@durable/core/testing";
import { CostEstimator } from "@durable/cost-estimator";
import { Tables } from "@durable/tables";
import { EVENTS_TABLE, makeEvents } from "./data.ts";
const db = openSqlite();
const tables = Tables.open({ sql: db.sql, transactionSync: db.transactionSync });
const wakes = new RecordingWakes();
const est = CostEstimator.open({ sql: db.sql, transactionSync: db.transactionSync, wake: scopedWake(() => wakes, "estimator"), tables });
tables.subscribe({ name: "estimator", onRowsChanged: (t, c) => est.onRowsWritten(t, c) });
tables.createTable(EVENTS_TABLE);
const ev = makeEvents(100000, Array.from({ length: 300 }, (_, i) => `A${i}`));
for (let i = 0; i < ev.length; i += 1000) tables.insert("events", ev.slice(i, i + 1000));
est.analyze("events");
const reqs = [
  { table: "events", where: { col: "origin", op: "=", value: "A3" } },
  { table: "events", where: { col: "price", op: "<", value: 30 } },
  { table: "events", where: { and: [{ col: "origin", op: "=", value: "A3" }, { col: "plan", op: "=", value: "pro" }] } },
  { table: "events", groupBy: ["origin", "price"] },
  { table: "events", joins: [{ table: "events", on: ["origin", "origin"] }] },
];
for (const r of reqs) {
  for (let i = 0; i < 2000; i++) est.estimate(r);
  const t = performance.now();
  for (let i = 0; i < 2000; i++) est.estimate(r);
  console.log(JSON.stringify(r).slice(0, 60), ((performance.now() - t) * 1000) / 2000, "µs");
}
