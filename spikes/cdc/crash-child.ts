/**
 * The crash test's child: drains a pull consumer of the source file database into a counter in
 * the sink file database through `CdcInbox`, then commits the offset (two files, so a SIGKILL
 * between the inbox's commit and the offset's commit forces a redelivery). The parent kills it
 * at random moments.
 * Usage: tsx crash-child.ts <source.db> <sink.db>
 * @module
 */
import { CdcInbox } from "@durable/cdc";
import { openSqlite } from "@durable/core/node";
import { openHost } from "./setup.ts";

const [source, sinkFile] = process.argv.slice(2) as [string, string];
const { cdc } = await openHost(source);
const sink = openSqlite(sinkFile);
sink.sql.exec("CREATE TABLE IF NOT EXISTS effects (lsn INTEGER NOT NULL, amount REAL)");
sink.sql.exec("CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
sink.sql.exec("INSERT OR IGNORE INTO counter VALUES (1, 0)");
const inbox = new CdcInbox(sink, "crash");
process.stdout.write("ready\n");
for (;;) {
  const page = cdc.pull("crash", { limit: 200 });
  if (page.events.length === 0) break;
  inbox.apply(page.events, (e) => {
    // Effects without a key of their own: only the inbox keeps them from doubling.
    sink.sql.exec("INSERT INTO effects VALUES (?, ?)", e.source.lsn, (e.after?.amount as number) ?? null);
    sink.sql.exec("UPDATE counter SET n = n + 1 WHERE id = 1");
  });
  cdc.commit("crash", page.nextLsn);
  if (!page.hasMore) break;
}
process.stdout.write("done\n");
process.exit(0);
