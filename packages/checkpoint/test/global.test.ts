/**
 * FIFO channels and global checkpoints in Node: several TestHosts (account DOs) joined by an
 * in-memory network with loss, duplication, reordering and blocking, on one ManualClock.
 * Proves: channels deliver each message once and in order under faults; the buffer bound;
 * epochs (never reused, one in flight, deadline abort through wake-ups, barrier re-sends);
 * duplicate, late and foreign acks ignored; one capture per epoch with re-acks; a capture that
 * throws stores nothing and is retried; a coordinator restart after 2 of 5 acks resumes (or
 * aborts past its deadline); the invariant (balances + recorded channel state = total) in every
 * completed epoch, and recover() restoring it. Does not prove workerd RPC (apps/platform tests).
 */
import { describe, expect, it } from "vitest";
import { Cluster, capturedBalance, recordedAmount } from "./cluster.ts";
import { rejectsWith } from "./helpers.ts";

async function five(seed = 1, config = {}) {
  const c = new Cluster(seed, config);
  for (const n of ["a", "b", "c", "d", "e"]) await c.add(n);
  for (const n of ["b", "c", "d", "e"]) c.node("a").cp.coordinator.register(n);
  return c;
}

/** Checks the invariant of a completed epoch: captured balances plus recorded channel state. */
function epochTotal(c: Cluster, epoch: number): number {
  const info = c.node("a").cp.coordinator.epoch(epoch);
  expect(info.status).toBe("completed");
  const manifest = info.manifest;
  if (!manifest) throw new Error("no manifest");
  let sum = 0;
  for (const [name, snapshotId] of Object.entries(manifest.participants)) {
    const node = c.node(name);
    sum += capturedBalance(node, snapshotId) + recordedAmount(node, epoch);
    const state = node.db.sql
      .exec<{ n: number }>("SELECT count(*) AS n FROM ckpt_channel_state WHERE epoch = ?", epoch)
      .one().n;
    expect(manifest.channelState[name]).toBe(state);
  }
  return sum;
}

describe("channels", () => {
  it("under loss, duplication, lost replies and reordering: every message applied once, in order", async () => {
    const c = new Cluster(7);
    for (const n of ["a", "b", "c"]) await c.add(n);
    Object.assign(c.net, { drop: 0.2, dup: 0.2, lostReply: 0.1, maxDelay: 6 });
    const sent: Record<string, number[]> = {};
    for (let i = 0; i < 300; i++) {
      const [from, to] = [
        ["a", "b"],
        ["a", "c"],
        ["b", "c"],
        ["c", "a"],
      ][i % 4] as [string, string];
      c.transfer(from, to, 1 + (i % 5));
      const log = c.node(to).db.sql; // noqa: the receiver's log is checked below
      void log;
      sent[`${from}->${to}`] = [...(sent[`${from}->${to}`] ?? []), i + 1];
      if (i % 25 === 0) await c.settle(0);
    }
    await c.settle(120_000, () => Object.values(c.nodes).length < 0);
    for (const n of c.nodes.values()) expect(n.cp.channels.pending()).toEqual({});
    expect(c.total()).toBe(3000);
    for (const [pair, ns] of Object.entries(sent)) {
      const [from, to] = pair.split("->") as [string, string];
      const got = c
        .node(to)
        .db.sql.exec<{ n: number }>("SELECT n FROM app_log WHERE src = ? ORDER BY rowid", from)
        .toArray()
        .map((r) => r.n);
      expect(got, pair).toEqual(ns);
    }
    // Duplicates did arrive and were re-acked, not applied.
    expect(c.net.sent.filter((s) => s.message.type === "data").length).toBeGreaterThan(75);
  });

  it("a duplicate is re-acked; a gap waits in the buffer; past the buffer bound the sender must resend", async () => {
    const c = new Cluster(1, { maxBufferedPerChannel: 2 });
    const b = await c.add("b");
    const env = (n: number) => ({ seq: n, body: JSON.stringify({ k: "m", p: { amount: 1, n } }) });
    const data = (...seqs: number[]) => ({ type: "data" as const, from: "a", inc: 0, messages: seqs.map(env) });
    expect(await b.cp.receive(data(1))).toEqual({ ok: true, nextSeq: 2 });
    expect(await b.cp.receive(data(1))).toEqual({ ok: true, nextSeq: 2 });
    expect(await b.cp.receive(data(4))).toEqual({ ok: true, nextSeq: 2 });
    expect(await b.cp.receive(data(3))).toEqual({ ok: true, nextSeq: 2 });
    expect(await b.cp.receive(data(5))).toEqual({ ok: true, nextSeq: 2 }); // over the bound: dropped
    expect(b.db.sql.exec("SELECT count(*) AS n FROM ckpt_chan_buf").one().n).toBe(2);
    expect(await b.cp.receive(data(2))).toEqual({ ok: true, nextSeq: 5 });
    expect(await b.cp.receive(data(5))).toEqual({ ok: true, nextSeq: 6 });
    expect(c.balance("b")).toBe(1005);
    // Another incarnation's message (sent before a recovery) is never applied.
    expect(await b.cp.receive({ ...data(6), inc: 3 })).toEqual({ ok: true, nextSeq: 0 });
    expect(c.balance("b")).toBe(1005);
  });

  it("a message over 1 MiB → 413 MESSAGE_TOO_LARGE, nothing appended; a malformed message → 400", async () => {
    const c = new Cluster();
    const a = await c.add("a");
    await rejectsWith(
      (async () => a.db.transactionSync(() => a.cp.channels.send("b", "x".repeat(1024 * 1024))))(),
      "MESSAGE_TOO_LARGE",
    );
    expect(a.cp.channels.pending()).toEqual({});
    await rejectsWith(a.cp.receive({ type: "data", from: "b" } as never), "INVALID_INPUT");
    await rejectsWith(a.cp.receive({ type: "nope" } as never), "INVALID_INPUT");
  });
});

describe("global checkpoint", () => {
  it("completes an epoch over 5 DOs: one manifest, captures of epoch N, the latest pointer", async () => {
    const c = await five();
    const t = await c.node("a").cp.coordinator.trigger({ timeoutMs: 10_000 });
    expect(t.epoch).toBe(1);
    await c.settle();
    const info = c.node("a").cp.coordinator.epoch(1);
    expect(info.status).toBe("completed");
    expect(Object.keys(info.manifest?.participants ?? {}).sort()).toEqual(["a", "b", "c", "d", "e"]);
    expect(c.node("a").cp.coordinator.latest()?.epoch).toBe(1);
    for (const n of c.nodes.values()) {
      expect(n.db.sql.exec("SELECT count(*) AS n FROM ckpt_snapshots WHERE epoch = 1").one().n).toBe(1);
      expect(n.db.sql.exec("SELECT status FROM ckpt_part WHERE epoch = 1").one().status).toBe("completed");
    }
    expect(epochTotal(c, 1)).toBe(5000);
    // Local checkpoints list only local ones; global captures are not pruned by keepLast.
    expect(c.node("b").cp.list().items).toEqual([]);
  });

  it("bad input: timeoutMs outside 1 s–10 min → 400; no participants → 409 NO_PARTICIPANTS; recover with none → 404", async () => {
    const c = new Cluster();
    const a = await c.add("a");
    await rejectsWith(a.cp.coordinator.trigger({ timeoutMs: 999 }), "INVALID_INPUT");
    await rejectsWith(a.cp.coordinator.trigger({ timeoutMs: 600_001 }), "INVALID_INPUT");
    await rejectsWith(a.cp.coordinator.trigger(), "NO_PARTICIPANTS");
    await rejectsWith(a.cp.coordinator.recover(), "NO_CHECKPOINT");
    expect(() => a.cp.coordinator.register("bad name")).toThrow(/INVALID_INPUT/);
    expect(() => a.cp.coordinator.register("a")).toThrow(/INVALID_INPUT/);
    expect(() => a.cp.coordinator.epoch(9)).toThrow(/NOT_FOUND/);
  });

  it("one epoch in flight: a trigger meanwhile returns it; a silent participant aborts it at the deadline (wake-up); the next is N+1", async () => {
    const c = await five();
    c.net.block = (_f, to) => to === "e";
    const first = await c.node("a").cp.coordinator.trigger({ timeoutMs: 20_000 });
    expect(await c.node("a").cp.coordinator.trigger()).toEqual({ epoch: first.epoch, status: "pending" });
    await c.settle(15_000);
    // Barriers were re-sent every 5 s to the un-acked participant only.
    const barriersToE = c.net.sent.filter((s) => s.to === "e" && s.message.type === "barrier").length;
    expect(barriersToE).toBeGreaterThanOrEqual(3);
    expect(c.node("a").cp.coordinator.epoch(first.epoch).status).toBe("pending");
    const fired = await c.settle(10_000);
    expect(fired.map((w) => w.key)).toContain(`deadline:${first.epoch}`);
    expect(c.node("a").cp.coordinator.epoch(first.epoch)).toMatchObject({
      status: "aborted",
      reason: "deadline passed",
    });
    // Participants dropped the aborted epoch's captures.
    for (const n of ["b", "c", "d"]) {
      expect(c.node(n).db.sql.exec("SELECT count(*) AS n FROM ckpt_snapshots WHERE epoch = 1").one().n).toBe(0);
    }
    c.net.block = () => false;
    const second = await c.node("a").cp.coordinator.trigger();
    expect(second.epoch).toBe(first.epoch + 1);
    await c.settle();
    expect(c.node("a").cp.coordinator.epoch(second.epoch).status).toBe("completed");
    expect(
      c
        .node("a")
        .cp.coordinator.epochs({ status: "aborted" })
        .items.map((e) => e.epoch),
    ).toEqual([1]);
  });

  it("a participant whose capture throws stores nothing; the re-sent barrier captures once", async () => {
    const c = await five();
    // Every capture attempt fails (on the coordinator's barrier and on each channel's).
    c.node("c").failCaptures.n = 1_000;
    await c.node("a").cp.coordinator.trigger({ timeoutMs: 60_000 });
    await c.settle();
    expect(1_000 - c.node("c").failCaptures.n).toBeGreaterThanOrEqual(2);
    expect(c.node("c").db.sql.exec("SELECT count(*) AS n FROM ckpt_part").one().n).toBe(0);
    expect(c.node("c").db.sql.exec("SELECT count(*) AS n FROM ckpt_stage").one().n).toBe(0);
    expect(c.node("a").cp.coordinator.epoch(1).status).toBe("pending");
    c.node("c").failCaptures.n = 0;
    await c.settle(6_000, () => c.node("a").cp.coordinator.epoch(1).status !== "pending");
    expect(c.node("a").cp.coordinator.epoch(1).status).toBe("completed");
    expect(c.node("c").db.sql.exec("SELECT count(*) AS n FROM ckpt_snapshots WHERE epoch = 1").one().n).toBe(1);
  });

  it("repeated barriers are re-acked with the stored snapshotId; duplicate, late and foreign acks change nothing", async () => {
    const c = await five();
    c.net.dup = 0.5;
    await c.node("a").cp.coordinator.trigger();
    await c.settle();
    const info = c.node("a").cp.coordinator.epoch(1);
    expect(info.status).toBe("completed");
    const b = c.node("b");
    const snap = info.manifest?.participants.b as string;
    const acks = () => c.net.sent.filter((s) => s.from === "b" && s.message.type === "ack");
    const before = acks().length;
    await b.cp.receive({
      type: "barrier",
      from: "a",
      epoch: 1,
      participants: ["a", "b", "c", "d", "e"],
      deadlineAt: 0,
    });
    await c.settle();
    const reAck = acks().slice(before);
    expect(reAck.map((s) => (s.message as { snapshotId: string }).snapshotId)).toEqual([snap]);
    expect(b.db.sql.exec("SELECT count(*) AS n FROM ckpt_snapshots WHERE epoch = 1").one().n).toBe(1);
    // Late ack with another id, an ack of an unknown epoch, a non-participant's ack: ignored.
    const a = c.node("a").cp;
    const ack = { type: "ack" as const, epoch: 1, snapshotId: "X", channelStateCount: 9, bytes: 1 };
    await a.receive({ ...ack, from: "b" });
    await a.receive({ ...ack, from: "zz" });
    await a.receive({ ...ack, from: "b", epoch: 7 });
    expect(a.coordinator.epoch(1).manifest?.participants.b).toBe(snap);
    expect(() => a.coordinator.epoch(7)).toThrow(/NOT_FOUND/);
    // An older barrier is ignored once a newer epoch was seen.
    await a.coordinator.trigger();
    await c.settle();
    await b.cp.receive({ type: "barrier", from: "a", epoch: 1, participants: ["a", "b"], deadlineAt: 0 });
    expect(b.db.sql.exec("SELECT count(*) AS n FROM ckpt_part").one().n).toBe(2);
  });

  it("an error ack (a capture over the size cap) aborts the epoch", async () => {
    const c = await five(1, { maxRawBytes: 2000 });
    for (let i = 0; i < 100; i++) {
      c.node("d").db.sql.exec("INSERT INTO app_log (src, n, amount) VALUES ('padding', ?, 0)", i);
    }
    await c.node("a").cp.coordinator.trigger();
    await c.settle();
    const info = c.node("a").cp.coordinator.epoch(1);
    expect(info.status).toBe("aborted");
    expect(info.reason).toMatch(/^d: CHECKPOINT_TOO_LARGE/);
  });

  it("coordinator restarted after 2 of 5 acks: resumes on start and completes; past its deadline: aborts", async () => {
    for (const late of [false, true]) {
      const c = await five(3);
      const held = new Set(["c", "d", "e"]);
      c.net.block = (from, _to, m) => m.type === "ack" && held.has(from);
      await c.node("a").cp.coordinator.trigger({ timeoutMs: 30_000 });
      await c.settle();
      const acked = c.node("a").db.sql.exec<{ participant: string }>("SELECT participant FROM ckpt_acks").toArray();
      expect(acked.map((r) => r.participant).sort()).toEqual(["a", "b"]);
      c.net.block = () => false;
      if (late) c.clock.advance(31_000);
      const a = await c.restart("a");
      await c.settle();
      expect(a.cp.coordinator.epoch(1).status).toBe(late ? "aborted" : "completed");
      if (!late) expect(epochTotal(c, 1)).toBe(5000);
      const next = await a.cp.coordinator.trigger();
      expect(next.epoch).toBe(2);
    }
  });

  it("invariant: random transfers over faulty channels during 20 epochs, a crash and a restart; every completed epoch sums to 5,000; recover() restores it", async () => {
    const c = await five(11);
    Object.assign(c.net, { drop: 0.1, dup: 0.1, maxDelay: 4 });
    const random = (await import("./cluster.ts")).rng(99);
    const names = ["a", "b", "c", "d", "e"];
    const pick = () => names[Math.floor(random() * names.length)] as string;
    const completed: number[] = [];
    let recorded = 0;
    for (let round = 0; round < 22; round++) {
      if (round === 5) c.node("d").failCaptures.n = 1; // a participant crashes mid-snapshot
      const transfers = (n: number) => {
        for (let i = 0; i < n; i++) {
          const from = pick();
          let to = pick();
          while (to === from) to = pick();
          c.transfer(from, to, 1 + Math.floor(random() * 50));
        }
      };
      // Transfers in flight when the barriers go out, and more while they travel.
      transfers(8);
      const triggered = c.node("a").cp.coordinator.trigger({ timeoutMs: 30_000 });
      transfers(7);
      const { epoch } = await triggered;
      transfers(5);
      if (round === 9) await c.restart("a"); // the coordinator restarts mid-epoch
      await c.settle(40_000, () => c.node("a").cp.coordinator.epoch(epoch).status !== "pending");
      const status = c.node("a").cp.coordinator.epoch(epoch).status;
      if (status === "completed") {
        expect(epochTotal(c, epoch), `epoch ${epoch}`).toBe(5000);
        completed.push(epoch);
        const m = c.node("a").cp.coordinator.epoch(epoch).manifest;
        recorded += Object.values(m?.channelState ?? {}).reduce((x, y) => x + y, 0);
      }
    }
    expect(completed.length).toBeGreaterThanOrEqual(20);
    // In-flight messages were captured as channel state (the sum is not trivially the balances).
    expect(recorded).toBeGreaterThan(0);
    await c.settle(120_000);
    expect(c.total()).toBe(5000);
    const latest = c.node("a").cp.coordinator.latest();
    const expected = Object.fromEntries(
      Object.entries(latest?.participants ?? {}).map(([n, s]) => [
        n,
        capturedBalance(c.node(n), s) + recordedAmount(c.node(n), latest?.epoch ?? 0),
      ]),
    );
    // Move money around after the checkpoint; recovery brings every balance back.
    c.transfer("b", "c", 7);
    c.transfer("e", "a", 9);
    await c.settle(60_000);
    const r = await c.node("a").cp.coordinator.recover();
    expect(r.epoch).toBe(latest?.epoch);
    for (const n of names) expect(c.balance(n), n).toBe(expected[n]);
    expect(c.total()).toBe(5000);
    // After recovery: transfers flow again, and the next epoch is a new one.
    c.transfer("c", "d", 11);
    await c.settle(60_000);
    expect(c.total()).toBe(5000);
    const after = await c.node("a").cp.coordinator.trigger();
    expect(after.epoch).toBeGreaterThan(latest?.epoch ?? 0);
    await c.settle(40_000);
    expect(c.node("a").cp.coordinator.epoch(after.epoch).status).toBe("completed");
    expect(epochTotal(c, after.epoch)).toBe(5000);
  });

  it("while recovering, data and barriers get 503 RECOVERING; local checkpoints are busy while a capture is held", async () => {
    const c = await five();
    const b = c.node("b");
    await b.cp.receive({ type: "pause", from: "a", inc: 1 });
    expect(b.cp.recovering()).toBe(true);
    await rejectsWith(
      b.cp.receive({
        type: "data",
        from: "c",
        inc: 0,
        messages: [{ seq: 1, body: '{"k":"m","p":{"amount":1,"n":1}}' }],
      }),
      "RECOVERING",
    );
    await rejectsWith(
      b.cp.receive({
        type: "barrier",
        from: "a",
        epoch: 1,
        participants: ["a", "b"],
        deadlineAt: c.clock.now() + 1000,
      }),
      "RECOVERING",
    );
    await b.cp.receive({ type: "resume", from: "a", inc: 1 });
    expect(b.cp.recovering()).toBe(false);
    // A capture held (waiting for a channel barrier from c) makes local() busy.
    await b.cp.receive({
      type: "barrier",
      from: "a",
      epoch: 1,
      participants: ["a", "b", "c"],
      deadlineAt: c.clock.now() + 1000,
    });
    await rejectsWith(b.cp.local(), "CHECKPOINT_BUSY");
    // Its own deadline wake-up drops the pending work.
    c.clock.advance(1000);
    await b.host.fireDueWakes();
    expect(b.db.sql.exec("SELECT status FROM ckpt_part WHERE epoch = 1").one().status).toBe("dropped");
    expect(b.db.sql.exec("SELECT count(*) AS n FROM ckpt_stage").one().n).toBe(0);
    expect((await b.cp.local()).epoch).toBe(0);
  });
});
