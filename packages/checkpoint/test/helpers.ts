/** Shared helpers of the checkpoint Node tests: a TestHost with an account table and the capability. */
import { errorCodeOf, ManualClock } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { TestHost } from "@durable/core/testing";
import { expect } from "vitest";
import { type CheckpointCapabilityOptions, checkpointCapability, tablesOperator } from "../src/index.ts";

/** A host with `app_accounts(id, balance, note, data)` and a checkpoint over it. */
export async function accountHost(
  options: CheckpointCapabilityOptions = {},
  version: { v: number } = { v: 1 },
  existing?: ReturnType<typeof openSqlite>,
) {
  // An existing database is a restart: the same storage, a new composition.
  const db = existing ?? openSqlite();
  db.sql.exec(
    "CREATE TABLE IF NOT EXISTS app_accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL, note TEXT, data BLOB) STRICT",
  );
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const host = new TestHost({ sql: db.sql, transactionSync: db.transactionSync, clock });
  const cap = host.use(
    checkpointCapability({
      ...options,
      setup: (cp, ports, required) => {
        cp.registerOperator(
          "accounts",
          tablesOperator(db.sql, ["app_accounts"], () => version.v),
        );
        options.setup?.(cp, ports, required);
      },
    }),
  );
  await host.start();
  return { db, sql: db.sql, host, clock, cp: cap.checkpoint, cap };
}

/** Inserts accounts `from..to` with a text note and a small blob. */
export function seed(sql: ReturnType<typeof openSqlite>["sql"], from: number, to: number, pad = 0): void {
  for (let i = from; i <= to; i++) {
    sql.exec(
      "INSERT INTO app_accounts (id, balance, note, data) VALUES (?, ?, ?, ?)",
      i,
      i * 10,
      `note ${i} ${"x".repeat(pad)}`,
      new Uint8Array([i % 256, 1, 2, 3]),
    );
  }
}

/** Every account row, as plain values (blobs as arrays). */
export function dump(sql: ReturnType<typeof openSqlite>["sql"]): unknown[] {
  return sql
    .exec("SELECT * FROM app_accounts ORDER BY id")
    .toArray()
    .map((r) => ({ ...r, data: r.data instanceof ArrayBuffer ? [...new Uint8Array(r.data)] : r.data }));
}

/** Asserts that `promise` rejects with `code`. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<Error> {
  const err = await promise.then(
    () => new Error("expected a rejection"),
    (e: unknown) => e as Error,
  );
  expect(errorCodeOf(err), String(err)).toBe(code);
  return err;
}
