/**
 * The child of large-state.test.ts, run under `node --max-old-space-size=64`: fills a table with
 * `CKPT_LARGE_MB` MB of rows, takes a local checkpoint (SQLite chunks), deletes half the rows,
 * restores, and prints one JSON line: sizes, times, the restored row count and checksum, and the
 * largest V8 heap and ArrayBuffer memory seen (sampled between capture pages, between fill
 * batches and by a timer whenever the event loop turns).
 */
import { ManualClock, runMigrations } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { CHECKPOINT_MIGRATIONS, createCheckpoint, tablesOperator } from "../src/index.ts";

const mb = Number(process.env.CKPT_LARGE_MB ?? "64");
const db = openSqlite();
runMigrations(db.sql, db.transactionSync, CHECKPOINT_MIGRATIONS);
db.sql.exec("CREATE TABLE app_big (id INTEGER PRIMARY KEY, note TEXT NOT NULL) STRICT");
let heapPeak = 0;
let buffersPeak = 0;
const sample = () => {
  const m = process.memoryUsage();
  heapPeak = Math.max(heapPeak, m.heapUsed);
  buffersPeak = Math.max(buffersPeak, m.arrayBuffers);
};
const timer = setInterval(sample, 5);
// ~1 KB rows of random UUIDs: hex text, which gzip shrinks about 2:1 (no long repeats to fold).
const row = (i: number) => `${i} ${Array.from({ length: 27 }, () => crypto.randomUUID()).join(" ")}`;
const rows = Math.ceil((mb * 1e6) / 1010);
for (let i = 1; i <= rows; ) {
  db.transactionSync(() => {
    for (const end = Math.min(rows, i + 9999); i <= end; i++)
      db.sql.exec("INSERT INTO app_big VALUES (?, ?)", i, row(i));
  });
  sample();
}
const checksum = () =>
  db.sql.exec<{ n: number; s: number }>("SELECT count(*) AS n, total(length(note) + id) AS s FROM app_big").one();
const before = checksum();
const cp = createCheckpoint({
  sql: db.sql,
  transactionSync: db.transactionSync,
  clock: new ManualClock(Date.UTC(2026, 0, 1)),
  wake: { set: () => {}, cancel: () => {} },
});
const inner = tablesOperator(db.sql, ["app_big"]);
cp.registerOperator("big", {
  ...inner,
  *capture() {
    let n = 0;
    for (const r of inner.capture()) {
      if (++n % 5000 === 0) sample();
      yield r;
    }
  },
});
let t = performance.now();
const m = await cp.local();
const localMs = performance.now() - t;
db.sql.exec("DELETE FROM app_big WHERE id % 2 = 0");
t = performance.now();
await cp.restore(m.snapshotId);
const restoreMs = performance.now() - t;
clearInterval(timer);
sample();
console.log(
  JSON.stringify({
    rawBytes: m.rawBytes,
    storedBytes: m.storedBytes,
    chunks: m.chunks.length,
    location: m.location,
    localMs: Math.round(localMs),
    restoreMs: Math.round(restoreMs),
    before,
    after: checksum(),
    heapPeakMb: Math.round((heapPeak / 1048576) * 10) / 10,
    arrayBuffersPeakMb: Math.round((buffersPeak / 1048576) * 10) / 10,
  }),
);
