/** Shared fixtures of the tables tests: a fresh in-memory database with the tables opened. */
import { PlatformError, type SqlRow } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { type AfterCommitErrorHandler, Tables } from "../src/index.ts";

export function open(options: { onAfterCommitError?: AfterCommitErrorHandler } = {}) {
  const db = openSqlite();
  const tables = Tables.open({ sql: db.sql, transactionSync: db.transactionSync, ...options });
  return { db, tables, sql: db.sql };
}

/** `CODE status detail` of what `fn` throws, or "no error". */
export function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof PlatformError) return `${err.code} ${err.status} ${err.detail}`;
    return `other ${String(err)}`;
  }
  return "no error";
}

/** Names of the SQLite objects (tables and indexes) that are not platform ones. */
export function userObjects(sql: ReturnType<typeof openSqlite>["sql"]): string[] {
  return sql
    .exec<SqlRow & { name: string }>("SELECT name FROM sqlite_master WHERE name LIKE 't\\_%' ESCAPE '\\' ORDER BY name")
    .toArray()
    .map((r) => r.name);
}

export const FLIGHTS = {
  name: "flights",
  columns: [
    { name: "id", type: "integer" },
    { name: "date", type: "timestamp", nullable: false },
    { name: "delay", type: "integer" },
    { name: "distance", type: "integer" },
    { name: "origin", type: "text" },
    { name: "destination", type: "text" },
  ],
  primaryKey: "id",
  indexes: [{ name: "by_origin", columns: ["origin"] }],
};
