/**
 * Exactly-once primitives in Node (better-sqlite3 adapter, TestHost wake-ups, ManualClock): the
 * outbox commits with the caller's transaction and is delivered after commit in seq order with
 * `<sourceId>:<seq>` keys, retried on wake-ups with backoff, pruned 24 h after delivery, and
 * survives a restart; processOnce records key and result with the work and expires by TTL;
 * fencing refuses a stale token inside the writer's transaction. Does not prove delivery across
 * real DOs (apps/platform/test/checkpoint-*.test.ts).
 */
import { openSqlite } from "@durable/core/node";
import { describe, expect, it } from "vitest";
import type { OutboxSink } from "../src/index.ts";
import { accountHost, rejectsWith } from "./helpers.ts";

type Sent = { dest: string; payload: unknown; key: string };

function recordingSink(fail: { next: number } = { next: 0 }): {
  sent: Sent[];
  sink: OutboxSink;
  fail: { next: number };
} {
  const sent: Sent[] = [];
  return {
    sent,
    fail,
    sink: async (dest, payload, key) => {
      if (fail.next > 0) {
        fail.next--;
        throw new Error("destination down");
      }
      sent.push({ dest, payload, key });
    },
  };
}

const HOUR = 3_600_000;

describe("outbox", () => {
  it("commits with the caller's transaction: a rolled-back emit leaves no row and sends nothing", async () => {
    const { sent, sink } = recordingSink();
    const { db, cp, host } = await accountHost({ outboxSink: sink, self: () => "acct-1" });
    expect(() =>
      db.transactionSync(() => {
        db.sql.exec("INSERT INTO app_accounts (id, balance) VALUES (1, 10)");
        cp.outbox.emit("bank", { credit: 10 });
        throw new Error("the write failed");
      }),
    ).toThrow("the write failed");
    expect(cp.outbox.pending()).toBe(0);
    expect(db.sql.exec("SELECT count(*) AS n FROM app_accounts").one().n).toBe(0);
    await host.fireDueWakes();
    expect(sent).toEqual([]);
  });

  it("delivers after commit in seq order with <sourceId>:<seq> keys, on the outbox wake-up", async () => {
    const { sent, sink } = recordingSink();
    const { db, cp, host } = await accountHost({ outboxSink: sink, self: () => "acct-1" });
    const seqs = db.transactionSync(() => [
      cp.outbox.emit("bank", { n: 1 }),
      cp.outbox.emit("audit", { n: 2 }),
      cp.outbox.emit("bank", { n: 3 }),
    ]);
    expect(seqs).toEqual([1, 2, 3]);
    expect(sent).toEqual([]);
    expect(host.wakes.pending().map((w) => w.key)).toContain("outbox");
    await host.fireDueWakes();
    expect(sent).toEqual([
      { dest: "bank", payload: { n: 1 }, key: "acct-1:1" },
      { dest: "audit", payload: { n: 2 }, key: "acct-1:2" },
      { dest: "bank", payload: { n: 3 }, key: "acct-1:3" },
    ]);
    expect(cp.outbox.pending()).toBe(0);
  });

  it("a failing destination is retried on wake-ups (1 s doubling to 30 s), in order, never skipping a row", async () => {
    const fail = { next: 7 };
    const { sent, sink } = recordingSink(fail);
    const { db, cp, host, clock } = await accountHost({ outboxSink: sink, self: () => "a" });
    db.transactionSync(() => {
      cp.outbox.emit("x", 1);
      cp.outbox.emit("x", 2);
    });
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const before = clock.now();
      await host.fireDueWakes();
      const retry = host.wakes.pending().find((w) => w.key === "outbox");
      expect(retry).toBeDefined();
      delays.push((retry?.atMs ?? 0) - before);
      clock.set(retry?.atMs ?? 0);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(sent).toEqual([]);
    await host.fireDueWakes();
    expect(sent.map((s) => s.key)).toEqual(["a:1", "a:2"]);
    expect(db.sql.exec("SELECT attempts FROM ckpt_outbox WHERE seq = 1").one().attempts).toBe(7);
  });

  it("a payload over 1 MiB → 413 MESSAGE_TOO_LARGE, nothing written or sent", async () => {
    const { sent, sink } = recordingSink();
    const { cp, host } = await accountHost({ outboxSink: sink });
    await rejectsWith((async () => cp.outbox.emit("x", { blob: "y".repeat(1024 * 1024) }))(), "MESSAGE_TOO_LARGE");
    expect(cp.outbox.pending()).toBe(0);
    await host.fireDueWakes();
    expect(sent).toEqual([]);
    // Exactly 1 MiB serialized is allowed.
    const text = "z".repeat(1024 * 1024 - 2);
    expect(cp.outbox.emit("x", text)).toBe(1);
  });

  it("delivered rows are pruned 24 h after delivery; seqs are never reused after pruning", async () => {
    const { sent, sink } = recordingSink();
    const { db, cp, host, clock } = await accountHost({ outboxSink: sink, self: () => "s" });
    cp.outbox.emit("x", 1);
    cp.outbox.emit("x", 2);
    await host.fireDueWakes();
    const rows = () => db.sql.exec("SELECT count(*) AS n FROM ckpt_outbox").one().n;
    expect(rows()).toBe(2);
    clock.advance(24 * HOUR - 1);
    await cp.outbox.flush();
    expect(rows()).toBe(2);
    clock.advance(2);
    await cp.outbox.flush();
    expect(rows()).toBe(0);
    expect(cp.outbox.emit("x", 3)).toBe(3);
    await host.fireDueWakes();
    expect(sent.map((s) => s.key)).toEqual(["s:1", "s:2", "s:3"]);
  });

  it("a restart with 2 rows pending: both are delivered once, after the wake-up armed at start", async () => {
    const db = openSqlite();
    const down = recordingSink({ next: 1 });
    const first = await accountHost({ outboxSink: down.sink, self: () => "r" }, { v: 1 }, db);
    db.transactionSync(() => {
      first.cp.outbox.emit("x", "a");
      first.cp.outbox.emit("x", "b");
    });
    await first.host.fireDueWakes(); // the first attempt fails; then the DO is "evicted"
    expect(down.sent).toEqual([]);
    const up = recordingSink();
    const second = await accountHost({ outboxSink: up.sink, self: () => "r" }, { v: 1 }, db);
    expect(second.host.wakes.pending().find((w) => w.key === "outbox")?.atMs).toBe(second.clock.now());
    await second.host.fireDueWakes();
    await second.host.fireDueWakes();
    expect(up.sent.map((s) => [s.key, s.payload])).toEqual([
      ["r:1", "a"],
      ["r:2", "b"],
    ]);
    // A double-fired wake-up sends nothing more.
    await second.cp.onWake({ owner: "checkpoint", key: "outbox", dueAt: 0, payload: undefined });
    expect(up.sent).toHaveLength(2);
  });

  it("concurrent flushes share one pass: each row is sent once", async () => {
    const { sent, sink } = recordingSink();
    const { cp } = await accountHost({ outboxSink: sink });
    for (let i = 0; i < 5; i++) cp.outbox.emit("x", i);
    await Promise.all([cp.outbox.flush(), cp.outbox.flush(), cp.outbox.flush()]);
    expect(sent.map((s) => s.payload)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe("dedup.processOnce", () => {
  it("runs fn once; a repeat returns the stored result without running it", async () => {
    const { db, cp } = await accountHost();
    let runs = 0;
    const work = () =>
      cp.dedup.processOnce("evt-1", () => {
        runs++;
        db.sql.exec("INSERT INTO app_accounts (id, balance) VALUES (?, 5)", runs);
        return { applied: runs };
      });
    expect(work()).toEqual({ result: { applied: 1 }, duplicate: false });
    expect(work()).toEqual({ result: { applied: 1 }, duplicate: true });
    expect(runs).toBe(1);
    expect(db.sql.exec("SELECT count(*) AS n FROM app_accounts").one().n).toBe(1);
  });

  it("fn throwing records nothing and rolls its writes back; the next try runs", async () => {
    const { db, cp } = await accountHost();
    expect(() =>
      cp.dedup.processOnce("k", () => {
        db.sql.exec("INSERT INTO app_accounts (id, balance) VALUES (1, 1)");
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(db.sql.exec("SELECT count(*) AS n FROM app_accounts").one().n).toBe(0);
    expect(db.sql.exec("SELECT count(*) AS n FROM ckpt_dedup").one().n).toBe(0);
    expect(cp.dedup.processOnce("k", () => 7)).toEqual({ result: 7, duplicate: false });
  });

  it("TTL: 24 h by default; after it the key runs again; the hourly sweep deletes expired keys", async () => {
    const { db, cp, host, clock } = await accountHost();
    let runs = 0;
    cp.dedup.processOnce("k", () => ++runs);
    clock.advance(24 * HOUR - 1);
    expect(cp.dedup.processOnce("k", () => ++runs).duplicate).toBe(true);
    clock.advance(1);
    expect(cp.dedup.processOnce("k", () => ++runs)).toEqual({ result: 2, duplicate: false });
    cp.dedup.processOnce("short", () => 0);
    clock.advance(24 * HOUR);
    expect(db.sql.exec("SELECT count(*) AS n FROM ckpt_dedup").one().n).toBe(2);
    const sweep = host.wakes.pending().find((w) => w.key === "dedup-sweep");
    expect(sweep?.atMs).toBe(Date.UTC(2026, 0, 1) + HOUR);
    await host.fireDueWakes();
    expect(db.sql.exec("SELECT count(*) AS n FROM ckpt_dedup").one().n).toBe(0);
    expect(host.wakes.pending().find((w) => w.key === "dedup-sweep")?.atMs).toBe(clock.now() + HOUR);
  });

  it("a configured TTL (1 min–30 days) is honoured; outside it → CONFIG_INVALID; bad keys → INVALID_INPUT", async () => {
    const { cp, clock } = await accountHost({ dedupTtlMs: 60_000 });
    cp.dedup.processOnce("k", () => 1);
    clock.advance(59_999);
    expect(cp.dedup.processOnce("k", () => 2).duplicate).toBe(true);
    clock.advance(1);
    expect(cp.dedup.processOnce("k", () => 2)).toEqual({ result: 2, duplicate: false });
    await rejectsWith(accountHost({ dedupTtlMs: 59_999 }), "CONFIG_INVALID");
    await rejectsWith(accountHost({ dedupTtlMs: 30 * 24 * HOUR + 1 }), "CONFIG_INVALID");
    await rejectsWith((async () => cp.dedup.processOnce("", () => 1))(), "INVALID_INPUT");
    await rejectsWith((async () => cp.dedup.processOnce("x".repeat(513), () => 1))(), "INVALID_INPUT");
  });
});

describe("fencing", () => {
  it("acquire bumps the token per resource; check refuses a lower one with 409 STALE_FENCING_TOKEN", async () => {
    const { cp } = await accountHost();
    expect(cp.fence.acquire("sink")).toBe(1);
    expect(cp.fence.acquire("sink")).toBe(2);
    expect(cp.fence.acquire("other")).toBe(1);
    expect(() => cp.fence.check("sink", 2)).not.toThrow();
    await rejectsWith((async () => cp.fence.check("sink", 1))(), "STALE_FENCING_TOKEN");
    expect(() => cp.fence.check("other", 1)).not.toThrow();
  });

  it("a zombie writer's transaction is rolled back by check; the current holder's commits", async () => {
    const { db, cp } = await accountHost();
    const zombie = cp.fence.acquire("ledger");
    const current = cp.fence.acquire("ledger");
    const write = (token: number, id: number) =>
      db.transactionSync(() => {
        db.sql.exec("INSERT INTO app_accounts (id, balance) VALUES (?, 1)", id);
        cp.fence.check("ledger", token);
      });
    expect(() => write(zombie, 1)).toThrow(/STALE_FENCING_TOKEN/);
    write(current, 2);
    expect(db.sql.exec("SELECT id FROM app_accounts").toArray()).toEqual([{ id: 2 }]);
  });

  it("tokens survive a restart (they live in ckpt_fence)", async () => {
    const db = openSqlite();
    const a = await accountHost({}, { v: 1 }, db);
    a.cp.fence.acquire("r");
    a.cp.fence.acquire("r");
    const b = await accountHost({}, { v: 1 }, db);
    expect(b.cp.fence.acquire("r")).toBe(3);
    await rejectsWith((async () => b.cp.fence.check("r", 2))(), "STALE_FENCING_TOKEN");
  });
});
