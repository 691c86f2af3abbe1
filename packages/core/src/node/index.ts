/**
 * @durable/core/node: Node-only adapters for tests and spikes: the better-sqlite3 `Sql`
 * adapter with DO SQLite's rules, and a folder-backed `BlobStore`.
 * @module
 */
export { FsBlobStore } from "./fs-blob-store.ts";
export { type NodeSqlite, openSqlite } from "./sqlite-adapter.ts";
export { statementHeads } from "./statement-guard.ts";
