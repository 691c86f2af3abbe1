/**
 * Push sinks and faults: a failing sink backs off on wake-ups (ManualClock), then dead-letters
 * and the offset passes in one transaction; the DLQ is listed, replayed in LSN order and
 * deleted; Queue batches respect 100 messages / 256 KB / 128 KB and oversized events become
 * pointers; the DO-to-DO sink mirrors through a CdcInbox (a lost ack replays: 0 lost, 0 twice);
 * the Parquet sink writes files then the manifest, read back with hyparquet; an undecodable
 * row goes to the DLQ as DECODE_FAILED and the drain goes on.
 */

import { describe, expect, it } from "vitest";
import type { CdcBatch, ChangeEvent, Manifest, QueueLike } from "../src/index.ts";
import { ORDERS, setup } from "./helpers.ts";
import { asyncBufferFromMemory } from "./parquet-read.ts";

class FakeQueue implements QueueLike {
  batches: { body: unknown }[][] = [];
  fail = 0;
  async sendBatch(messages: Iterable<{ body: unknown }>): Promise<void> {
    if (this.fail > 0) {
      this.fail--;
      throw new Error("queue down");
    }
    const batch = [...messages];
    expect(batch.length).toBeLessThanOrEqual(100);
    const bytes = batch.reduce((n, m) => n + Buffer.byteLength(JSON.stringify(m.body)), 0);
    expect(bytes).toBeLessThanOrEqual(256 * 1024);
    for (const m of batch) expect(Buffer.byteLength(JSON.stringify(m.body))).toBeLessThanOrEqual(128 * 1024);
    this.batches.push(batch);
  }
  bodies(): unknown[] {
    return this.batches.flat().map((m) => m.body);
  }
}

describe("queue sink", () => {
  it("delivers in LSN order within the Queue limits, packs events, and points to oversized ones", async () => {
    const q = new FakeQueue();
    const packed = new FakeQueue();
    const { tables, cdc, host } = await setup({ queues: { Q: q, P: packed } });
    tables.createTable(ORDERS);
    cdc.track("orders");
    cdc.createConsumer({ name: "q", sink: { type: "queue", binding: "Q" } });
    cdc.createConsumer({ name: "p", sink: { type: "queue", binding: "P", maxEventsPerMessage: 10 } });
    tables.insert(
      "orders",
      Array.from({ length: 450 }, (_, i) => ({ id: i + 1, customer: "c".repeat(900) })),
    );
    tables.insert("orders", [{ id: 1000, customer: "x".repeat(130_000) }]);
    const report = await cdc.drain();
    expect(report.delivered).toBe(902);
    const bodies = q.bodies() as ChangeEvent[];
    expect(bodies.map((b) => b.source.lsn)).toEqual(Array.from({ length: 451 }, (_, i) => i + 1));
    expect(q.batches.length).toBeGreaterThan(4);
    const pointer = bodies[450] as unknown as { pointer: string };
    expect(pointer.pointer).toBe("cdc/acme/oversized/451.json");
    const stored = JSON.parse(new TextDecoder().decode((await host.blobs.get(pointer.pointer)) ?? new Uint8Array()));
    expect(stored.after.customer).toHaveLength(130_000);
    const packs = packed.bodies() as { events: ChangeEvent[] }[];
    expect(packs.flatMap((p) => p.events).length).toBe(451);
    expect(Math.max(...packs.map((p) => p.events.length))).toBeLessThanOrEqual(10);
    expect(cdc.metrics().consumers.find((c) => c.consumer === "q")).toMatchObject({
      deliveredTotal: 451,
      lagEvents: 0,
    });
  });

  it("backs off on wake-ups, dead-letters after maxAttempts (offset passes), replays in order", async () => {
    const q = new FakeQueue();
    const { tables, cdc, clock, host } = await setup({ queues: { Q: q }, random: () => 1, config: { maxAttempts: 3 } });
    tables.createTable(ORDERS);
    cdc.track("orders");
    cdc.createConsumer({ name: "q", sink: { type: "queue", binding: "Q" } });
    tables.insert("orders", [{ id: 1 }, { id: 2 }]);
    q.fail = 3;
    clock.advance(100);
    await host.fireDueWakes();
    expect(host.wakes.pending().find((w) => w.key === "retry:q")?.atMs).toBe(clock.now() + 100);
    expect(cdc.getConsumer("q").offset).toBe(0);
    clock.advance(100);
    await host.fireDueWakes();
    expect(host.wakes.pending().find((w) => w.key === "retry:q")?.atMs).toBe(clock.now() + 200);
    clock.advance(200);
    await host.fireDueWakes();
    expect(cdc.getConsumer("q").offset).toBe(2);
    const dlq = cdc.dlq.list("q");
    expect(dlq.map((d) => [d.lsn, d.attempts, d.reason])).toEqual([
      [1, 3, "queue down"],
      [2, 3, "queue down"],
    ]);
    expect(cdc.metrics().consumers[0]).toMatchObject({ dlqSize: 2, retriesTotal: 3, lastError: "queue down" });
    tables.insert("orders", [{ id: 3 }]);
    clock.advance(100);
    await host.fireDueWakes();
    expect((q.bodies() as ChangeEvent[]).map((e) => e.source.lsn)).toEqual([3]);
    expect(await cdc.dlq.replay("q")).toEqual({ replayed: 2, remaining: 0 });
    expect((q.bodies() as ChangeEvent[]).map((e) => e.source.lsn)).toEqual([3, 1, 2]);
    tables.insert("orders", [{ id: 4 }]);
    q.fail = 100;
    for (let i = 0; i < 3; i++) {
      clock.advance(60_000);
      await cdc.drain();
    }
    expect(cdc.dlq.delete("q", { lsns: [4] })).toEqual({ deleted: 1 });
    expect(cdc.dlq.list("q")).toEqual([]);
  });

  it("with deadLetter: block it retries forever and never passes the event", async () => {
    const q = new FakeQueue();
    const { tables, cdc, clock } = await setup({ queues: { Q: q }, random: () => 0.5, config: { maxAttempts: 2 } });
    tables.createTable(ORDERS);
    cdc.track("orders");
    cdc.createConsumer({ name: "q", sink: { type: "queue", binding: "Q" }, deadLetter: "block" });
    tables.insert("orders", [{ id: 1 }]);
    q.fail = 6;
    for (let i = 0; i < 7; i++) {
      clock.advance(60_000);
      await cdc.drain();
    }
    expect(cdc.dlq.list("q")).toEqual([]);
    expect(cdc.getConsumer("q").offset).toBe(1);
    expect(q.bodies()).toHaveLength(1);
  });

  it("an undecodable change row goes to the DLQ as DECODE_FAILED and the drain goes on", async () => {
    const q = new FakeQueue();
    const { tables, cdc, sql } = await setup({ queues: { Q: q } });
    tables.createTable(ORDERS);
    cdc.track("orders");
    cdc.createConsumer({ name: "q", sink: { type: "queue", binding: "Q" } });
    tables.insert("orders", [{ id: 1 }, { id: 2 }, { id: 3 }]);
    sql.exec("UPDATE cdc_changes SET after = '[1,2' WHERE lsn = 2");
    await cdc.drain();
    expect((q.bodies() as ChangeEvent[]).map((e) => e.source.lsn)).toEqual([1, 3]);
    expect(cdc.dlq.list("q").map((d) => [d.lsn, d.reason.slice(0, 13)])).toEqual([[2, "DECODE_FAILED"]]);
  });
});

describe("DO-to-DO sink", () => {
  it("mirrors into <tenant>:<suffix> through a CdcInbox; a lost ack redelivers with 0 lost and 0 applied twice", async () => {
    const mirror = await setup({}, "acme");
    mirror.tables.createTable(ORDERS);
    let loseAck = 1;
    const names: string[] = [];
    let applied = 0;
    let duplicates = 0;
    const source = await setup({
      doTargets: {
        TENANT: (name) => {
          names.push(name);
          return {
            async receive(batch: CdcBatch) {
              const r = mirror.cap.api.receive(structuredClone(batch));
              applied += r.applied;
              duplicates += r.duplicates;
              if (loseAck-- > 0) throw new Error("connection reset after apply");
              return { appliedLsn: r.appliedLsn };
            },
          };
        },
      },
      random: () => 0,
    });
    source.tables.createTable(ORDERS);
    source.cdc.track("orders");
    source.cdc.createConsumer({ name: "m", sink: { type: "do", binding: "TENANT", suffix: "mirror" } });
    source.tables.insert(
      "orders",
      Array.from({ length: 1200 }, (_, i) => ({ id: i + 1, amount: i })),
    );
    source.tables.update("orders", 5, { amount: -1 });
    source.tables.delete("orders", [6]);
    await source.cdc.drain();
    await source.cdc.drain();
    expect(names[0]).toBe("acme:mirror");
    expect(applied).toBe(1202);
    expect(duplicates).toBe(500); // the first chunk (500 events) came again after the lost ack
    expect(mirror.tables.count("orders")).toBe(1199);
    expect(mirror.tables.get("orders", 5)).toMatchObject({ amount: -1 });
    expect(source.cdc.getConsumer("m").offset).toBe(1202);
  });
});

describe("Parquet sink", () => {
  it("flushes at the row threshold: files first, manifest last, read back with hyparquet equal to the events", async () => {
    const { tables, cdc, host, clock } = await setup({ config: { parquetMaxRows: 100 } });
    tables.createTable({
      name: "things",
      columns: [
        { name: "id", type: "integer" },
        { name: "price", type: "real" },
        { name: "op", type: "text" },
        { name: "data", type: "blob" },
        { name: "ok", type: "boolean" },
        { name: "doc", type: "json" },
      ],
      primaryKey: "id",
    });
    cdc.track("things");
    cdc.createConsumer({ name: "lake", sink: { type: "r2", binding: "BLOBS" } });
    cdc.createConsumer({ name: "pull", sink: { type: "pull" } });
    tables.insert(
      "things",
      Array.from({ length: 60 }, (_, i) => ({
        id: i,
        price: i / 2,
        op: `o${i}`,
        data: new Uint8Array([i]),
        ok: i % 2 === 0,
        doc: { i },
      })),
    );
    await cdc.drain();
    expect((await host.blobs.list({ prefix: "cdc/" })).objects).toHaveLength(0);
    expect(host.wakes.pending().some((w) => w.key === "flush:lake")).toBe(true);
    tables.update("things", 1, { price: 99 });
    tables.delete("things", [2]);
    tables.insert(
      "things",
      Array.from({ length: 50 }, (_, i) => ({ id: 100 + i })),
    );
    await cdc.drain();
    const keys = (await host.blobs.list({ prefix: "cdc/acme/things/" })).objects.map((o) => o.key);
    const date = new Date().toISOString().slice(0, 10);
    expect(keys).toEqual([
      `cdc/acme/things/_manifest/${"100".padStart(20, "0")}.json`,
      `cdc/acme/things/date=${date}/1-100.parquet`,
    ]);
    const manifest = JSON.parse(
      new TextDecoder().decode((await host.blobs.get(keys[0] as string)) ?? new Uint8Array()),
    ) as Manifest;
    expect(manifest.files[0]).toMatchObject({ key: keys[1], rows: 100, minLsn: 1, maxLsn: 100, schemaVersion: 1 });
    const { parquetReadObjects } = await import("hyparquet");
    const bytes = (await host.blobs.get(keys[1] as string)) as Uint8Array;
    const rows = (await parquetReadObjects({ file: asyncBufferFromMemory(bytes) })) as Record<string, unknown>[];
    const pulled = cdc.pull("pull", { limit: 100 }).events;
    expect(rows).toHaveLength(100);
    rows.forEach((r, i) => {
      const e = pulled[i] as ChangeEvent;
      const image = (e.op === "d" ? e.before : e.after) as Record<string, unknown>;
      expect(Number(r.lsn)).toBe(e.source.lsn);
      expect(r.op).toBe(e.op);
      expect(JSON.parse(r.key_json as string)).toEqual(e.key);
      expect(r.after_json === null ? null : JSON.parse(r.after_json as string)).toEqual(e.after);
      expect(r.id === null ? null : Number(r.id)).toEqual(image.id);
      expect(r.col_op).toEqual(image.op);
      expect(r.price).toEqual(image.price);
      expect(r.ok).toEqual(image.ok);
      expect(r.doc === null ? null : JSON.parse(r.doc as string)).toEqual(image.doc);
    });
    expect(cdc.getConsumer("lake").offset).toBe(100);
    // The rest flushes once 60 s passed since its first event.
    clock.advance(61_000);
    await host.fireDueWakes();
    expect((await host.blobs.list({ prefix: "cdc/acme/things/_manifest/" })).objects).toHaveLength(2);
    expect(cdc.getConsumer("lake").offset).toBe(112);
  });

  it("a crash before the manifest leaves an orphan that the next flush rewrites under the same key", async () => {
    const { tables, cdc, host, clock } = await setup({ config: { parquetMaxRows: 10 } });
    tables.createTable(ORDERS);
    cdc.track("orders");
    cdc.createConsumer({ name: "lake", sink: { type: "r2", binding: "BLOBS" } });
    tables.insert(
      "orders",
      Array.from({ length: 10 }, (_, i) => ({ id: i })),
    );
    const put = host.blobs.put.bind(host.blobs);
    host.blobs.put = async (key, data, meta) => {
      if (key.includes("_manifest")) throw new Error("crash before the manifest");
      return put(key, data, meta);
    };
    await cdc.drain();
    expect((await host.blobs.list({ prefix: "cdc/acme/orders/_manifest/" })).objects).toHaveLength(0);
    expect(cdc.getConsumer("lake").offset).toBe(0);
    tables.insert(
      "orders",
      Array.from({ length: 5 }, (_, i) => ({ id: 100 + i })),
    );
    host.blobs.put = put;
    clock.advance(60_000); // past the retry's backoff
    await cdc.drain();
    const keys = (await host.blobs.list({ prefix: "cdc/acme/orders/" })).objects.map((o) => o.key);
    expect(keys.filter((k) => k.endsWith(".parquet"))).toHaveLength(1);
    expect(keys.some((k) => k.endsWith("1-10.parquet"))).toBe(true);
    expect(cdc.getConsumer("lake").offset).toBe(10);
  });
});
