import { ManualClock } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { thrownMessage } from "@durable/core/testing";
import { describe, expect, it } from "vitest";
import { createDurableLimiter } from "../src/index.ts";
import { RecordingWake, T0 } from "./helpers.ts";

const ip = {
  name: "ip",
  limits: [{ name: "minute", algorithm: "tokenBucket" as const, capacity: 3, refillPerSecond: 1 / 20 }],
};

/** A DO's storage as the limiter sees it: better-sqlite3 behind `sql` and `transactionSync`. */
function storage() {
  const db = openSqlite();
  return { db, storage: { sql: db.sql, transactionSync: <T>(fn: () => T) => db.transactionSync(fn) } };
}

describe("createDurableLimiter (a limiter in a DO of the host's own)", () => {
  it("creates its tables on a fresh database and answers what the middleware calls", () => {
    const { db, storage: s } = storage();
    const limiter = createDurableLimiter(s, { plans: [ip], defaultPlan: "ip" }, { clock: new ManualClock(T0) });
    const tables = db.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").toArray();
    expect(tables.map((t) => t.name)).toContain("rl_state");
    const replies = [1, 2, 3, 4].map(() => limiter.check("ip:1"));
    expect(replies.map((r) => r.result.success)).toEqual([true, true, true, false]);
    expect(replies[0]?.plan).toMatchObject({ name: "ip" });
    expect(limiter.check("ip:2").result.success).toBe(true);
  });

  it("keeps the state of a DO that starts again (migrations are a no-op once applied)", () => {
    const { storage: s } = storage();
    const clock = new ManualClock(T0);
    const first = createDurableLimiter(s, { plans: [ip], defaultPlan: "ip" }, { clock });
    for (let i = 0; i < 3; i++) first.check("ip:1");
    const again = createDurableLimiter(s, { plans: [ip], defaultPlan: "ip" }, { clock });
    expect(again.check("ip:1").result.success).toBe(false);
  });

  it("books its sweep on the wake port it is given", () => {
    const { storage: s } = storage();
    const wake = new RecordingWake();
    const limiter = createDurableLimiter(s, { plans: [ip], defaultPlan: "ip" }, { clock: new ManualClock(T0), wake });
    limiter.check("ip:1");
    expect(wake.pending.size).toBe(1);
    expect(limiter.limiter.onSweepWake()).toMatchObject({ more: false });
  });

  it("refuses a bad configuration with CONFIG_INVALID and creates nothing", () => {
    const { db, storage: s } = storage();
    expect(thrownMessage(() => createDurableLimiter(s, { plans: [ip], defaultPlan: "gold" }))).toBe(
      "[CONFIG_INVALID] defaultPlan: defaultPlan must name one of plans",
    );
    const tables = db.sql.exec<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").one();
    expect(tables.n).toBe(0);
  });
});
