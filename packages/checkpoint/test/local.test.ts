/**
 * Local checkpoints in Node (better-sqlite3 adapter, MemoryBlobStore): round trips inline, in
 * SQLite chunks and in BlobStore objects; the cut (writes after the call are out, before are
 * in); every bad input of the issue (corrupt byte, missing chunk or object, schema mismatch,
 * busy, not found, too large), retention and garbage collection. Does not prove workerd's
 * storage behaviour (apps/platform/test/checkpoint-*.test.ts) nor speed (spikes/checkpoint).
 */
import { openSqlite } from "@durable/core/node";
import { describe, expect, it } from "vitest";
import { createCheckpoint, jsonOperator, tablesOperator } from "../src/index.ts";
import { accountHost, dump, rejectsWith, seed } from "./helpers.ts";

const noWake = { set: () => {}, cancel: () => {} };

describe("round trips", () => {
  it("inline: one chunk and the manifest in SQLite; restore brings back rows, NULLs and blobs", async () => {
    const { sql, cp } = await accountHost();
    seed(sql, 1, 200);
    sql.exec("UPDATE app_accounts SET note = NULL WHERE id = 7");
    const before = dump(sql);
    const m = await cp.local();
    expect(m.location).toBe("inline");
    expect(m.chunks).toHaveLength(1);
    expect(m.operators).toEqual([expect.objectContaining({ id: "accounts", schemaVersion: 1, records: 201 })]);
    expect(m.rawBytes).toBeGreaterThan(m.storedBytes);
    sql.exec("DELETE FROM app_accounts WHERE id > 100");
    sql.exec("UPDATE app_accounts SET balance = -1");
    seed(sql, 500, 510);
    await cp.restore(m.snapshotId);
    expect(dump(sql)).toEqual(before);
    expect(sql.exec("SELECT count(*) AS n FROM ckpt_stage").one().n).toBe(0);
  });

  it("BlobStore: chunks above the inline threshold go to objects of ≤ chunksPerObject chunks", async () => {
    const { sql, cp, host } = await accountHost({ inlineThresholdBytes: 2048, chunkBytes: 1024, chunksPerObject: 3 });
    seed(sql, 1, 3000, 20);
    // Random notes so gzip cannot shrink them to one chunk.
    for (let i = 1; i <= 3000; i += 3)
      sql.exec("UPDATE app_accounts SET note = ? WHERE id = ?", crypto.randomUUID(), i);
    const before = dump(sql);
    const m = await cp.local();
    expect(m.location).toBe("blobs");
    expect(m.chunks.length).toBeGreaterThan(6);
    const objects = new Set(m.chunks.map((c) => c.object));
    expect(objects.size).toBe(Math.ceil(m.chunks.length / 3));
    for (const key of objects) expect(key).toMatch(new RegExp(`^ckpt/0/${m.snapshotId}/part-\\d+$`));
    expect((await host.blobs.list({ prefix: "ckpt/" })).objects).toHaveLength(objects.size);
    expect(sql.exec("SELECT count(*) AS n FROM ckpt_chunks").one().n).toBe(0);
    sql.exec("DELETE FROM app_accounts");
    await cp.restore("latest");
    expect(dump(sql)).toEqual(before);
  });

  it("no BlobStore: a large checkpoint's chunks stay in SQLite", async () => {
    const db = openSqlite();
    db.sql.exec("CREATE TABLE app_kv (k INTEGER PRIMARY KEY, v TEXT) STRICT");
    for (let i = 0; i < 2000; i++) db.sql.exec("INSERT INTO app_kv VALUES (?, ?)", i, crypto.randomUUID());
    const { CHECKPOINT_MIGRATIONS } = await import("../src/index.ts");
    const { runMigrations, ManualClock } = await import("@durable/core");
    runMigrations(db.sql, db.transactionSync, CHECKPOINT_MIGRATIONS);
    const cp = createCheckpoint(
      { sql: db.sql, transactionSync: db.transactionSync, clock: new ManualClock(1), wake: noWake },
      { inlineThresholdBytes: 1024, chunkBytes: 1024 },
    );
    cp.registerOperator("kv", tablesOperator(db.sql, ["app_kv"]));
    const before = db.sql.exec("SELECT * FROM app_kv ORDER BY k").toArray();
    const m = await cp.local();
    expect(m.location).toBe("sqlite");
    expect(db.sql.exec("SELECT count(*) AS n FROM ckpt_chunks").one().n).toBe(m.chunks.length);
    db.sql.exec("UPDATE app_kv SET v = 'gone'");
    await cp.restore(m.snapshotId);
    expect(db.sql.exec("SELECT * FROM app_kv ORDER BY k").toArray()).toEqual(before);
  });

  it("jsonOperator: a value held in memory round-trips", async () => {
    const state = { count: 5, names: ["a"] as string[] };
    const { cp } = await accountHost({
      setup: (c) =>
        c.registerOperator(
          "mem",
          jsonOperator(
            () => state,
            (v) => Object.assign(state, v),
          ),
        ),
    });
    const m = await cp.local();
    state.count = 99;
    state.names = [];
    await cp.restore(m.snapshotId);
    expect(state).toEqual({ count: 5, names: ["a"] });
  });
});

describe("the cut", () => {
  it("a write made right after local() is called is out; one made before is in", async () => {
    const { sql, cp } = await accountHost();
    seed(sql, 1, 10);
    const pending = cp.local();
    seed(sql, 11, 11); // the capture already ran inside local()'s first synchronous step
    const m = await pending;
    sql.exec("DELETE FROM app_accounts");
    await cp.restore(m.snapshotId);
    expect(dump(sql).map((r) => (r as { id: number }).id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});

async function corruptible(options: Parameters<typeof accountHost>[0] = {}) {
  const h = await accountHost({ inlineThresholdBytes: 0, chunkBytes: 1024, ...options });
  seed(h.sql, 1, 600);
  for (let i = 1; i <= 600; i += 2) h.sql.exec("UPDATE app_accounts SET note = ? WHERE id = ?", crypto.randomUUID(), i);
  const before = dump(h.sql);
  const m = await h.cp.local();
  h.sql.exec("UPDATE app_accounts SET balance = 7 WHERE id = 1");
  const live = dump(h.sql);
  return { ...h, m, before, live };
}

describe("bad input and faults", () => {
  it("one flipped byte in each SQLite chunk → 409 CHECKPOINT_CORRUPT naming it; state unchanged", async () => {
    const { sql, cp, m, live } = await corruptible({ useBlobs: false });
    expect(m.location).toBe("sqlite");
    expect(m.chunks.length).toBeGreaterThan(3);
    for (const c of m.chunks) {
      const { data } = sql
        .exec<{ data: ArrayBuffer }>(
          "SELECT data FROM ckpt_chunks WHERE snapshot_id = ? AND idx = ?",
          m.snapshotId,
          c.idx,
        )
        .one();
      const bytes = new Uint8Array(data);
      const at = (c.idx * 37) % bytes.length;
      bytes[at] = (bytes[at] as number) ^ 0x01;
      sql.exec("UPDATE ckpt_chunks SET data = ? WHERE snapshot_id = ? AND idx = ?", bytes, m.snapshotId, c.idx);
      const err = await rejectsWith(cp.restore(m.snapshotId), "CHECKPOINT_CORRUPT");
      expect(err.message).toContain(`chunk ${c.idx}`);
      expect(dump(sql)).toEqual(live);
      bytes[at] = (bytes[at] as number) ^ 0x01;
      sql.exec("UPDATE ckpt_chunks SET data = ? WHERE snapshot_id = ? AND idx = ?", bytes, m.snapshotId, c.idx);
    }
    expect(sql.exec("SELECT count(*) AS n FROM ckpt_stage").one().n).toBe(0);
    await cp.restore(m.snapshotId); // repaired: restores
  });

  it("a missing chunk → CHECKPOINT_CORRUPT; a missing or altered object → CHECKPOINT_CORRUPT naming it", async () => {
    const a = await corruptible({ useBlobs: false });
    a.sql.exec("DELETE FROM ckpt_chunks WHERE snapshot_id = ? AND idx = 2", a.m.snapshotId);
    await rejectsWith(a.cp.restore(a.m.snapshotId), "CHECKPOINT_CORRUPT");
    expect(dump(a.sql)).toEqual(a.live);

    const b = await corruptible({ chunksPerObject: 2 });
    expect(b.m.location).toBe("blobs");
    const key = b.m.chunks[1]?.object as string;
    const original = (await b.host.blobs.get(key)) as Uint8Array;
    const flipped = original.slice();
    flipped[flipped.length - 3] = (flipped[flipped.length - 3] as number) ^ 0x80;
    await b.host.blobs.put(key, flipped);
    expect((await rejectsWith(b.cp.restore(b.m.snapshotId), "CHECKPOINT_CORRUPT")).message).toMatch(/chunk [01] fails/);
    await b.host.blobs.delete(key);
    expect((await rejectsWith(b.cp.restore(b.m.snapshotId), "CHECKPOINT_CORRUPT")).message).toContain(key);
    expect(dump(b.sql)).toEqual(b.live);
    await b.host.blobs.put(key, original);
    await b.cp.restore(b.m.snapshotId);
    expect(dump(b.sql)).toEqual(b.before);
  });

  it("an operator's schema bumped → 409 CHECKPOINT_SCHEMA_MISMATCH, state unchanged", async () => {
    const version = { v: 1 };
    const { sql, cp } = await accountHost({}, version);
    seed(sql, 1, 5);
    const m = await cp.local();
    sql.exec("DELETE FROM app_accounts WHERE id = 1");
    version.v = 2;
    await rejectsWith(cp.restore(m.snapshotId), "CHECKPOINT_SCHEMA_MISMATCH");
    expect(dump(sql)).toHaveLength(4);
  });

  it("a checkpoint or restore while one runs → 409 CHECKPOINT_BUSY", async () => {
    const { sql, cp } = await accountHost();
    seed(sql, 1, 50);
    const first = await cp.local();
    const running = cp.local();
    await rejectsWith(cp.restore(first.snapshotId), "CHECKPOINT_BUSY");
    await rejectsWith(cp.local(), "CHECKPOINT_BUSY");
    await running;
    const restoring = cp.restore(first.snapshotId);
    await rejectsWith(cp.local(), "CHECKPOINT_BUSY");
    await restoring;
    await cp.local(); // free again
  });

  it("unknown snapshot → 404 NOT_FOUND; latest with none → 404; a malformed id over the api → 400", async () => {
    const { cp, cap } = await accountHost();
    await rejectsWith(cp.restore("01J0000000000000000000000Z"), "NOT_FOUND");
    await rejectsWith(cp.restore("latest"), "NOT_FOUND");
    await rejectsWith(cap.api.restore("../etc"), "INVALID_INPUT");
  });

  it("state over the raw cap → 413 CHECKPOINT_TOO_LARGE before anything is written; older checkpoints intact", async () => {
    const { sql, cp, host } = await accountHost({ maxRawBytes: 20_000, inlineThresholdBytes: 0, chunkBytes: 1024 });
    seed(sql, 1, 50);
    const ok = await cp.local();
    const objects = (await host.blobs.list()).objects.length;
    seed(sql, 51, 400, 40);
    await rejectsWith(cp.local(), "CHECKPOINT_TOO_LARGE");
    expect(sql.exec("SELECT count(*) AS n FROM ckpt_stage").one().n).toBe(0);
    expect(sql.exec("SELECT snapshot_id FROM ckpt_snapshots").toArray()).toEqual([{ snapshot_id: ok.snapshotId }]);
    expect((await host.blobs.list()).objects.length).toBe(objects);
    sql.exec("DELETE FROM app_accounts");
    await cp.restore(ok.snapshotId);
    expect(dump(sql)).toHaveLength(50);
  });

  it("over warnRawBytes → a CHECKPOINT_LARGE warning and metric", async () => {
    const warnings: unknown[] = [];
    const { sql, cp } = await accountHost({
      warnRawBytes: 1000,
      onWarning: (code, d) => warnings.push({ code, ...d }),
    });
    seed(sql, 1, 100);
    const m = await cp.local();
    expect(warnings).toEqual([{ code: "CHECKPOINT_LARGE", snapshotId: m.snapshotId, rawBytes: m.rawBytes }]);
    expect(cp.metrics.largeWarnings).toBe(1);
  });

  it("bad operator ids, duplicates and the 65th operator → 400 INVALID_INPUT; a bad config → CONFIG_INVALID", async () => {
    const { cp } = await accountHost();
    const op = jsonOperator(
      () => 1,
      () => {},
    );
    for (const id of ["", "Upper", "a b", "x".repeat(65), "accounts"]) {
      expect(() => cp.registerOperator(id, op)).toThrow(/INVALID_INPUT/);
    }
    for (let i = 0; i < 63; i++) cp.registerOperator(`op${i}`, op);
    expect(() => cp.registerOperator("one-too-many", op)).toThrow(/at most 64/);
    expect(() => createCheckpoint({} as never, { keepLast: 0 })).toThrow(/CONFIG_INVALID.*keepLast/);
  });
});

describe("retention and garbage collection", () => {
  it("keeps the newest keepLast; the chunks and objects of pruned ones are collected", async () => {
    const { sql, cp, host } = await accountHost({ keepLast: 2, inlineThresholdBytes: 1024, chunkBytes: 1024 });
    seed(sql, 1, 400);
    for (let i = 1; i <= 400; i++) sql.exec("UPDATE app_accounts SET note = ? WHERE id = ?", crypto.randomUUID(), i);
    const made = [];
    for (let i = 0; i < 4; i++) made.push(await cp.local());
    const kept = sql
      .exec<{ snapshot_id: string }>("SELECT snapshot_id FROM ckpt_snapshots ORDER BY snapshot_id")
      .toArray()
      .map((r) => r.snapshot_id);
    expect(kept).toEqual([made[2]?.snapshotId, made[3]?.snapshotId]);
    const keys = (await host.blobs.list()).objects.map((o) => o.key);
    expect(keys.every((k) => kept.some((id) => k.includes(id)))).toBe(true);
    expect(keys.length).toBeGreaterThan(0);
    expect(sql.exec("SELECT count(*) AS n FROM ckpt_objects").one().n).toBe(keys.length);
  });

  it("the daily wake-up deletes unmanifested objects older than an hour, not younger ones", async () => {
    const { host, clock } = await accountHost();
    const key = "ckpt/0/01J0000000000000000000000A/part-0";
    await host.blobs.put(key, "orphan upload whose record was lost");
    const uploaded = (await host.blobs.head(key))?.uploaded as number;
    expect(host.wakes.pending().map((w) => w.key)).toEqual(expect.arrayContaining(["gc", "dedup-sweep"]));
    clock.set(Math.max(uploaded + 30 * 60_000, Date.UTC(2026, 0, 2) + 1));
    await host.fireDueWakes();
    expect(await host.blobs.head(key)).not.toBeNull(); // 30 minutes old: kept
    clock.set(uploaded + 86_400_000 * 3);
    expect((await host.fireDueWakes()).map((e) => e.key)).toContain("gc");
    expect(await host.blobs.head(key)).toBeNull();
  });
});
