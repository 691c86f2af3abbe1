/**
 * Consumers and offsets: the bad-input list of consumers and offsets, filters (tables,
 * columns, `where`, an update crossing a predicate), pull/commit/seek, reads without an
 * offset, retention with and without consumers, heartbeats that advance consumers with only
 * filtered-out events, the backlog cap (refused, never dropped) and metrics.
 */
import { errorCodeOf, evaluatePredicate, type PlatformError } from "@durable/core";
import { describe, expect, it } from "vitest";
import type { ChangeEvent } from "../src/index.ts";
import { codeOf, ORDERS, setup } from "./helpers.ts";

describe("consumers", () => {
  it("refuses bad definitions with stable codes", async () => {
    const { tables, cdc } = await setup({ queues: { Q: { sendBatch: async () => {} } } });
    tables.createTable(ORDERS);
    cdc.track("orders");
    expect(codeOf(() => cdc.createConsumer({ name: "Bad Name", sink: { type: "pull" } }))).toBe("INVALID_CONSUMER");
    expect(codeOf(() => cdc.createConsumer({ name: "a", sink: { type: "ftp" } }))).toBe("INVALID_CONSUMER");
    expect(codeOf(() => cdc.createConsumer({ name: "a", sink: { type: "queue", binding: "NOPE" } }))).toBe(
      "UNKNOWN_BINDING",
    );
    expect(codeOf(() => cdc.createConsumer({ name: "a", sink: { type: "r2", binding: "OTHER" } }))).toBe(
      "UNKNOWN_BINDING",
    );
    expect(codeOf(() => cdc.createConsumer({ name: "a", sink: { type: "do", binding: "TENANT", suffix: "m" } }))).toBe(
      "UNKNOWN_BINDING",
    );
    expect(
      codeOf(() =>
        cdc.createConsumer({ name: "a", sink: { type: "pull" }, filter: { tables: { include: ["nope"] } } }),
      ),
    ).toBe("INVALID_FILTER");
    expect(
      codeOf(() =>
        cdc.createConsumer({ name: "a", sink: { type: "pull" }, filter: { columns: { orders: { include: ["zz"] } } } }),
      ),
    ).toBe("INVALID_FILTER");
    expect(
      codeOf(() =>
        cdc.createConsumer({
          name: "a",
          sink: { type: "pull" },
          filter: { where: { orders: { col: "zz", op: "=", value: 1 } } },
        }),
      ),
    ).toBe("INVALID_FILTER");
    let message = "";
    try {
      cdc.createConsumer({
        name: "a",
        sink: { type: "pull" },
        filter: { where: { orders: { col: "amount", op: "~", value: 1 } } },
      });
    } catch (err) {
      expect(errorCodeOf(err)).toBe("INVALID_PREDICATE");
      message = (err as PlatformError).detail;
    }
    expect(message).toMatch(/filter\.where\.orders/);
    expect(
      codeOf(() =>
        cdc.createConsumer({
          name: "a",
          sink: { type: "pull" },
          filter: { where: { orders: { col: "amount", op: ">", value: "x" } } },
        }),
      ),
    ).toBe("INVALID_PREDICATE");
    cdc.createConsumer({ name: "a", sink: { type: "queue", binding: "Q" } });
    expect(codeOf(() => cdc.createConsumer({ name: "a", sink: { type: "pull" } }))).toBe("CONSUMER_EXISTS");
    expect(codeOf(() => cdc.getConsumer("zz"))).toBe("CONSUMER_NOT_FOUND");
    expect(codeOf(() => cdc.pull("a"))).toBe("NOT_A_PULL_CONSUMER");
    expect(codeOf(() => tables.dropTable("orders"))).toBe("TABLE_IN_USE");
  });

  it("pulls in pages, commits, seeks; refuses bad limits and offsets", async () => {
    const { tables, cdc } = await setup();
    tables.createTable(ORDERS);
    cdc.track("orders");
    cdc.createConsumer({ name: "p", sink: { type: "pull" } });
    tables.insert(
      "orders",
      Array.from({ length: 250 }, (_, i) => ({ id: i + 1 })),
    );
    expect(codeOf(() => cdc.pull("p", { limit: 0 }))).toBe("INVALID_INPUT");
    expect(codeOf(() => cdc.pull("p", { limit: 1001 }))).toBe("INVALID_INPUT");
    const seen: number[] = [];
    for (;;) {
      const page = cdc.pull("p", { limit: 100 });
      seen.push(...page.events.map((e) => e.key.id as number));
      if (page.events.length === 0) break;
      cdc.commit("p", page.nextLsn);
      if (!page.hasMore) break;
    }
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    expect(codeOf(() => cdc.commit("p", 251))).toBe("INVALID_OFFSET");
    expect(codeOf(() => cdc.commit("p", 10))).toBe("OFFSET_REGRESSION");
    cdc.seek("p", 101);
    expect(cdc.pull("p", { limit: 1 }).events[0]?.source.lsn).toBe(101);
    expect(codeOf(() => cdc.read({ limit: 0 }))).toBe("INVALID_INPUT");
    // Purge below the minimum committed offset; seeking below it names the oldest retained LSN.
    cdc.commit("p", 200);
    await cdc.drain();
    expect(codeOf(() => cdc.seek("p", 5))).toBe("LSN_PURGED");
    expect(() => cdc.read({ since: 5 })).toThrow(/oldest retained LSN is 201/);
    expect(cdc.read({ since: 201, limit: 10 }).events).toHaveLength(10);
  });

  it("filters: tables, columns and where (an update crossing the predicate passes); filtered events advance the offset", async () => {
    const { tables, cdc } = await setup();
    tables.createTable(ORDERS);
    tables.createTable({ ...ORDERS, name: "other" });
    cdc.track("orders");
    cdc.track("other");
    const where = { col: "amount", op: ">=", value: 100 } as const;
    cdc.createConsumer({
      name: "big",
      sink: { type: "pull" },
      filter: {
        tables: { exclude: ["other"] },
        columns: { orders: { exclude: ["customer"] } },
        where: { orders: where },
      },
    });
    tables.insert("orders", [
      { id: 1, amount: 5, customer: "x" },
      { id: 2, amount: 500 },
    ]);
    tables.insert("other", [{ id: 1, amount: 1000 }]);
    tables.update("orders", 1, { amount: 150 }); // crosses into the predicate
    tables.update("orders", 2, { amount: 1 }); // crosses out of it: before matches
    tables.update("orders", 1, { amount: 160, customer: "y" }); // stays in
    tables.update("orders", 2, { amount: 2 }); // stays out
    const page = cdc.pull("big");
    expect(page.events.map((e) => [e.op, e.key.id])).toEqual([
      ["c", 2],
      ["u", 1],
      ["u", 2],
      ["u", 1],
    ]);
    expect(page.events.every((e) => e.after === null || !("customer" in e.after))).toBe(true);
    for (const e of page.events) {
      const m = (img: Record<string, unknown> | null) =>
        img !== null && evaluatePredicate(where, (c) => img[c] as number) === true;
      expect(m(e.before) || m(e.after)).toBe(true);
    }
    expect(page.nextLsn).toBe(7); // covers the trailing filtered-out `u` of id 2
    cdc.commit("big", page.nextLsn);
    expect(cdc.pull("big").events).toHaveLength(0);
  });

  it("heartbeats advance a consumer with only filtered-out events, so retention is not pinned", async () => {
    const { tables, cdc, clock, host } = await setup({ config: { heartbeatMs: 1000 } });
    tables.createTable(ORDERS);
    cdc.track("orders");
    cdc.createConsumer({
      name: "f",
      sink: { type: "pull" },
      filter: { where: { orders: { col: "status", op: "=", value: "paid" } } },
    });
    tables.insert(
      "orders",
      Array.from({ length: 20 }, (_, i) => ({ id: i + 1, status: "new" })),
    );
    expect(cdc.metrics().consumers[0]?.lagEvents).toBe(20);
    clock.advance(1000);
    await host.fireDueWakes();
    expect(cdc.getConsumer("f").offset).toBe(20);
    expect(cdc.metrics().oldestRetainedLsn).toBe(21);
    tables.insert("orders", [
      { id: 50, status: "new" },
      { id: 51, status: "paid" },
      { id: 52, status: "new" },
    ]);
    await cdc.heartbeat();
    expect(cdc.getConsumer("f").offset).toBe(21); // stops before the first match
  });

  it("retention without consumers: 24 h, then trimmed to maxBacklogEvents", async () => {
    const { tables, cdc, clock } = await setup({ config: { maxBacklogEvents: 30 } });
    tables.createTable(ORDERS);
    cdc.track("orders");
    tables.insert(
      "orders",
      Array.from({ length: 40 }, (_, i) => ({ id: i + 1 })),
    );
    await cdc.drain();
    expect(cdc.metrics().oldestRetainedLsn).toBe(11);
    clock.advance(25 * 3600_000);
    await cdc.drain();
    expect(cdc.read({ since: 41 }).events).toHaveLength(0);
    expect(cdc.metrics().newestLsn).toBe(40);
    tables.insert("orders", [{ id: 100 }]);
    expect((cdc.read({ since: 41 }).events[0] as ChangeEvent).source.lsn).toBe(41);
  });

  it("the backlog cap refuses writes with 503 and Retry-After (raw writes too); nothing is committed; it succeeds once the consumer catches up", async () => {
    const { tables, cdc, sql } = await setup({ config: { maxBacklogEvents: 10 } });
    tables.createTable(ORDERS);
    cdc.track("orders");
    cdc.createConsumer({ name: "p", sink: { type: "pull" } });
    tables.insert(
      "orders",
      Array.from({ length: 10 }, (_, i) => ({ id: i + 1 })),
    );
    let err: PlatformError | undefined;
    try {
      tables.insert("orders", [{ id: 11 }]);
    } catch (e) {
      err = e as PlatformError;
    }
    expect(err?.code).toBe("CDC_BACKLOG_FULL");
    expect(err?.status).toBe(503);
    expect(Number(err?.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(tables.count("orders")).toBe(10);
    let raw: unknown;
    try {
      sql.exec(`INSERT INTO "t_orders" (id) VALUES (99)`);
    } catch (e) {
      raw = e;
    }
    expect(errorCodeOf(raw)).toBe("CDC_BACKLOG_FULL");
    expect(cdc.metrics().backlogEvents).toBe(10);
    const page = cdc.pull("p", { limit: 1000 });
    cdc.commit("p", page.nextLsn);
    tables.insert("orders", [{ id: 11 }]);
    expect(tables.count("orders")).toBe(11);
  });

  it("a captured row over 2 MiB rolls the write back with 413 CDC_ROW_TOO_LARGE; excludeColumns fixes it", async () => {
    const { tables, cdc } = await setup();
    tables.createTable({
      name: "files",
      columns: [
        { name: "id", type: "integer" },
        { name: "body", type: "blob" },
      ],
      primaryKey: "id",
    });
    cdc.track("files");
    const body = new Uint8Array(1_500_000).fill(7); // 3 MB as hex
    expect(codeOf(() => tables.insert("files", [{ id: 1, body }]))).toBe("CDC_ROW_TOO_LARGE");
    expect(tables.count("files")).toBe(0);
    cdc.untrack("files");
    cdc.track("files", { excludeColumns: ["body"] });
    tables.insert("files", [{ id: 1, body }]);
    expect(cdc.read({}).events.at(-1)?.after).toEqual({ id: 1 });
  });
});
