/**
 * Property tests (fast-check) of the issue's three claims, plus the channels':
 * - random transfers, delivery orders (loss, duplication, lost replies, reordering), capture
 *   crashes and restarts → every completed epoch is consistent (captured balances + recorded
 *   channel state = the total), and recover() restores the latest one;
 * - channels apply every message once and in order per sender under random faults and a small
 *   reorder buffer (the sender resends from next_seq);
 * - restore(local()) reproduces random rows (NULLs, tabs and newlines in text, unicode, blobs,
 *   large integers) inline, in SQLite chunks and in BlobStore objects;
 * - every single-byte corruption of a stored checkpoint is detected (CHECKPOINT_CORRUPT, state
 *   unchanged): every byte of an inline one, random bytes and masks of chunked ones.
 * Kept to a few seconds; does not prove workerd behaviour (apps/platform tests) nor speed.
 */
import { errorCodeOf } from "@durable/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Cluster, capturedBalance, recordedAmount } from "./cluster.ts";
import { accountHost, dump } from "./helpers.ts";

const NAMES = ["a", "b", "c"] as const;
const TOTAL = 3000;

type Step =
  | { kind: "transfer"; from: number; to: number; amount: number }
  | { kind: "trigger" }
  | { kind: "settle"; ms: number }
  | { kind: "crash"; node: number }
  | { kind: "restart"; node: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("transfer" as const),
      from: fc.nat(2),
      to: fc.nat(1),
      amount: fc.integer({ min: 1, max: 50 }),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: "trigger" as const }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("settle" as const), ms: fc.constantFrom(0, 1000, 6000) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("crash" as const), node: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("restart" as const), node: fc.nat(2) }) },
);

const faultsArb = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  drop: fc.constantFrom(0, 0.1, 0.3),
  dup: fc.constantFrom(0, 0.2),
  lostReply: fc.constantFrom(0, 0.1),
  maxDelay: fc.integer({ min: 0, max: 5 }),
});

/** Captured balances + recorded channel state of completed epoch `epoch`, over its participants. */
function epochSum(c: Cluster, epoch: number): number {
  const manifest = c.node("a").cp.coordinator.epoch(epoch).manifest;
  if (!manifest) throw new Error(`epoch ${epoch} has no manifest`);
  return Object.entries(manifest.participants).reduce(
    (sum, [name, snapshotId]) => sum + capturedBalance(c.node(name), snapshotId) + recordedAmount(c.node(name), epoch),
    0,
  );
}

describe("global checkpoints (property)", () => {
  it("random transfers, delivery orders, capture crashes and restarts: every completed epoch sums to the total; recover() restores it", async () => {
    // Across runs: epochs checked and channel messages recorded (the property is not vacuous).
    const seen = { epochs: 0, recorded: 0, recovered: 0 };
    await fc.assert(
      fc.asyncProperty(faultsArb, fc.array(stepArb, { minLength: 4, maxLength: 24 }), async (faults, steps) => {
        const c = new Cluster(faults.seed);
        for (const n of NAMES) await c.add(n);
        c.node("a").cp.coordinator.register("b");
        c.node("a").cp.coordinator.register("c");
        Object.assign(c.net, faults);
        const checked = new Set<number>();
        // Checked after every step: a participant keeps the captures of the latest completed epoch
        // only, and at most one epoch completes between two steps (one in flight, one trigger a step).
        const checkNew = () => {
          for (const e of c.node("a").cp.coordinator.epochs({ status: "completed", limit: 5 }).items) {
            if (checked.has(e.epoch)) continue;
            expect(epochSum(c, e.epoch), `epoch ${e.epoch}`).toBe(TOTAL);
            checked.add(e.epoch);
            seen.epochs++;
            seen.recorded += Object.values(e.manifest?.channelState ?? {}).reduce((x, y) => x + y, 0);
          }
        };
        for (const step of [...steps, { kind: "trigger" } as const, { kind: "settle", ms: 60_000 } as const]) {
          if (step.kind === "transfer") {
            const from = NAMES[step.from] as string;
            const to = NAMES[(step.from + 1 + step.to) % 3] as string;
            c.transfer(from, to, step.amount);
          } else if (step.kind === "trigger") {
            await c.node("a").cp.coordinator.trigger({ timeoutMs: 20_000 });
          } else if (step.kind === "settle") {
            await c.settle(step.ms);
          } else if (step.kind === "crash") {
            c.node(NAMES[step.node] as string).failCaptures.n = 1;
          } else {
            await c.restart(NAMES[step.node] as string);
          }
          checkNew();
        }
        // Faults off: every pending message and epoch drains.
        Object.assign(c.net, { drop: 0, dup: 0, lostReply: 0 });
        await c.settle(200_000);
        checkNew();
        expect(c.total()).toBe(TOTAL);
        for (const n of c.nodes.values()) expect(n.cp.channels.pending()).toEqual({});
        const latest = c.node("a").cp.coordinator.latest();
        if (!latest) return;
        const expected = Object.fromEntries(
          NAMES.map((n) => [
            n,
            capturedBalance(c.node(n), latest.participants[n] as string) + recordedAmount(c.node(n), latest.epoch),
          ]),
        );
        c.transfer("b", "c", 5);
        await c.settle(60_000);
        await c.node("a").cp.coordinator.recover();
        for (const n of NAMES) expect(c.balance(n), n).toBe(expected[n]);
        seen.recovered++;
        await c.settle(60_000);
        expect(c.total()).toBe(TOTAL);
      }),
      { numRuns: 25 },
    );
    expect(seen.epochs).toBeGreaterThan(25);
    expect(seen.recorded).toBeGreaterThan(0);
    expect(seen.recovered).toBeGreaterThan(12);
  });
});

describe("channels (property)", () => {
  it("under random loss, duplication, lost replies and reordering, with a small buffer: each message applied once, in order", async () => {
    await fc.assert(
      fc.asyncProperty(
        faultsArb,
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.record({ from: fc.nat(2), to: fc.nat(1), flushAfter: fc.boolean() }), {
          minLength: 1,
          maxLength: 80,
        }),
        async (faults, buffer, sends) => {
          const c = new Cluster(faults.seed, { maxBufferedPerChannel: buffer });
          for (const n of NAMES) await c.add(n);
          Object.assign(c.net, faults);
          const sent: Record<string, number[]> = {};
          let n = 0;
          for (const s of sends) {
            const from = NAMES[s.from] as string;
            const to = NAMES[(s.from + 1 + s.to) % 3] as string;
            c.transfer(from, to, 1);
            n++;
            sent[`${from}->${to}`] = [...(sent[`${from}->${to}`] ?? []), n];
            if (s.flushAfter) await c.settle(0);
          }
          await c.settle(600_000);
          for (const node of c.nodes.values()) expect(node.cp.channels.pending()).toEqual({});
          expect(c.total()).toBe(TOTAL);
          for (const [pair, ns] of Object.entries(sent)) {
            const [from, to] = pair.split("->") as [string, string];
            const got = c
              .node(to)
              .db.sql.exec<{ n: number }>("SELECT n FROM app_log WHERE src = ? ORDER BY rowid", from)
              .toArray()
              .map((r) => r.n);
            expect(got, pair).toEqual(ns);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

const textArb = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constantFrom("", "\t", "\n", "a\tb\nc", '"quoted"\\', "accounts\t[1]\n"),
);
const rowsArb = fc.uniqueArray(
  fc.record({
    id: fc.integer({ min: 1, max: 1_000_000 }),
    balance: fc.maxSafeInteger(),
    note: fc.option(textArb, { nil: null }),
    data: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: null }),
  }),
  { selector: (r) => r.id, maxLength: 300 },
);

describe("restore(local()) (property)", () => {
  it("reproduces random rows inline, in SQLite chunks and in BlobStore objects", async () => {
    await fc.assert(
      fc.asyncProperty(
        rowsArb,
        fc.constantFrom(
          { inlineThresholdBytes: 1024 * 1024 },
          { inlineThresholdBytes: 0, chunkBytes: 1024, useBlobs: false },
          { inlineThresholdBytes: 0, chunkBytes: 1024, chunksPerObject: 2 },
        ),
        fc.integer({ min: 0, max: 3 }),
        async (rows, options, mutation) => {
          const { sql, cp } = await accountHost(options);
          for (const r of rows) {
            sql.exec(
              "INSERT INTO app_accounts (id, balance, note, data) VALUES (?, ?, ?, ?)",
              r.id,
              r.balance,
              r.note,
              r.data,
            );
          }
          const before = dump(sql);
          const m = await cp.local();
          if (mutation === 0) sql.exec("DELETE FROM app_accounts");
          if (mutation === 1) sql.exec("UPDATE app_accounts SET balance = balance - 1, note = 'x', data = NULL");
          if (mutation >= 2) sql.exec("INSERT INTO app_accounts (id, balance) VALUES (2000000, 1), (2000001, 2)");
          if (mutation === 3) sql.exec("DELETE FROM app_accounts WHERE id % 2 = 0");
          await cp.restore(m.snapshotId);
          expect(dump(sql)).toEqual(before);
          expect(sql.exec("SELECT count(*) AS n FROM ckpt_stage").one().n).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  });
});

/** A checkpoint of `rows` accounts with random notes, and the live state changed after it. */
async function stored(options: Parameters<typeof accountHost>[0], rows = 40) {
  const h = await accountHost(options);
  for (let i = 1; i <= rows; i++) {
    h.sql.exec("INSERT INTO app_accounts (id, balance, note) VALUES (?, ?, ?)", i, i, crypto.randomUUID());
  }
  const m = await h.cp.local();
  h.sql.exec("UPDATE app_accounts SET balance = -1 WHERE id = 1");
  return { ...h, m, live: dump(h.sql) };
}

async function expectCorrupt(promise: Promise<unknown>): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(errorCodeOf(err)).toBe("CHECKPOINT_CORRUPT");
}

describe("corruption (property)", () => {
  it("every byte of an inline checkpoint, flipped, is detected; the state is unchanged and the repaired one restores", async () => {
    const { sql, cp, m, live } = await stored({});
    expect(m.location).toBe("inline");
    const { data } = sql
      .exec<{ data: ArrayBuffer }>("SELECT data FROM ckpt_chunks WHERE snapshot_id = ? AND idx = 0", m.snapshotId)
      .one();
    const bytes = new Uint8Array(data);
    const write = () =>
      sql.exec("UPDATE ckpt_chunks SET data = ? WHERE snapshot_id = ? AND idx = 0", bytes, m.snapshotId);
    for (let at = 0; at < bytes.length; at++) {
      bytes[at] = (bytes[at] as number) ^ 0xff;
      write();
      await expectCorrupt(cp.restore(m.snapshotId));
      bytes[at] = (bytes[at] as number) ^ 0xff;
    }
    write();
    expect(dump(sql)).toEqual(live);
    await cp.restore(m.snapshotId);
    expect(dump(sql)).not.toEqual(live);
  });

  it("a random byte and mask of any SQLite chunk or BlobStore object is detected", async () => {
    const chunked = await stored({ inlineThresholdBytes: 0, chunkBytes: 1024, useBlobs: false }, 150);
    const objects = await stored({ inlineThresholdBytes: 0, chunkBytes: 1024, chunksPerObject: 2 }, 150);
    expect(chunked.m.location).toBe("sqlite");
    expect(objects.m.location).toBe("blobs");
    expect(chunked.m.chunks.length).toBeGreaterThan(3);
    const keys = [...new Set(objects.m.chunks.map((c) => c.object as string))];
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.boolean(),
        async (which, at, mask, inBlobs) => {
          if (!inBlobs) {
            const { sql, cp, m, live } = chunked;
            const idx = which % m.chunks.length;
            const { data } = sql
              .exec<{ data: ArrayBuffer }>(
                "SELECT data FROM ckpt_chunks WHERE snapshot_id = ? AND idx = ?",
                m.snapshotId,
                idx,
              )
              .one();
            const bytes = new Uint8Array(data);
            const pos = at % bytes.length;
            bytes[pos] = (bytes[pos] as number) ^ mask;
            sql.exec("UPDATE ckpt_chunks SET data = ? WHERE snapshot_id = ? AND idx = ?", bytes, m.snapshotId, idx);
            await expectCorrupt(cp.restore(m.snapshotId));
            expect(dump(sql)).toEqual(live);
            bytes[pos] = (bytes[pos] as number) ^ mask;
            sql.exec("UPDATE ckpt_chunks SET data = ? WHERE snapshot_id = ? AND idx = ?", bytes, m.snapshotId, idx);
          } else {
            const { sql, cp, m, live, host } = objects;
            const key = keys[which % keys.length] as string;
            const original = (await host.blobs.get(key)) as Uint8Array;
            const bytes = original.slice();
            const pos = at % bytes.length;
            bytes[pos] = (bytes[pos] as number) ^ mask;
            await host.blobs.put(key, bytes);
            await expectCorrupt(cp.restore(m.snapshotId));
            expect(dump(sql)).toEqual(live);
            await host.blobs.put(key, original);
          }
        },
      ),
      { numRuns: 150 },
    );
    for (const h of [chunked, objects]) {
      await h.cp.restore(h.m.snapshotId);
      expect(dump(h.sql)).not.toEqual(h.live);
    }
  });
});
