/**
 * The crash part of the cdc spike: a child process drains into a counter through `CdcInbox`
 * on file databases; the parent SIGKILLs it at random moments mid-batch, restarts it, and at
 * the end counts lost and doubled effects.
 * @module
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { openSqlite } from "@durable/core/node";
import { ORDERS, openHost, order, rng } from "./setup.ts";

const here = dirname(fileURLToPath(import.meta.url));

function runChild(source: string, sink: string, killAfterMs: number | null): Promise<"done" | "killed"> {
  return new Promise((resolve, reject) => {
    // `node --import tsx` (not the tsx binary, which forks a second process that SIGKILL would orphan).
    const child = spawn(process.execPath, ["--import", "tsx", join(here, "crash-child.ts"), source, sink], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (killAfterMs !== null && out.includes("ready")) {
        setTimeout(() => child.kill("SIGKILL"), killAfterMs);
        killAfterMs = null;
      }
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve("killed");
      else if (code === 0 && out.includes("done")) resolve("done");
      else reject(new Error(`crash child exited with ${code}`));
    });
  });
}

/**
 * @param events events to drain
 * @param kills how many SIGKILLs
 */
export async function crashTest(events: number, kills: number) {
  const dir = mkdtempSync(join(tmpdir(), "cdc-crash-"));
  try {
    const source = join(dir, "source.db");
    const sink = join(dir, "sink.db");
    {
      const { tables, cdc, db } = await openHost(source);
      tables.createTable(ORDERS);
      cdc.track("orders");
      cdc.createConsumer({ name: "crash", sink: { type: "pull" } });
      const random = rng(3);
      for (let i = 0; i < events; i += 100)
        tables.insert(
          "orders",
          Array.from({ length: 100 }, (_, j) => order(i + j + 1, random)),
        );
      db.close();
    }
    const random = rng(11);
    let killed = 0;
    let runs = 0;
    while (killed < kills) {
      runs++;
      const outcome = await runChild(source, sink, Math.floor(random() * 40));
      if (outcome === "killed") killed++;
      else break;
    }
    await runChild(source, sink, null);
    const db = openSqlite(sink);
    const row = db.sql
      .exec<{ n: number; distinct_lsns: number; counter: number }>(
        "SELECT count(*) AS n, count(DISTINCT lsn) AS distinct_lsns, (SELECT n FROM counter) AS counter FROM effects",
      )
      .one();
    return {
      events,
      kills: killed,
      runs: runs + 1,
      lost: events - row.distinct_lsns,
      duplicates: row.n - row.distinct_lsns + Math.abs(row.counter - row.n),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
