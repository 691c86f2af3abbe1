/**
 * The tenant's router settings (`qr_settings`: default freshness, platform-aggregation consent)
 * and its sharded tables (`qr_shards`), kept in memory as a copy of SQLite.
 * @module
 */
import { type Sql, safeParse } from "@durable/core";
import * as z from "zod/mini";
import { qrError } from "./errors.ts";
import { DEFAULT_FRESHNESS, type Freshness, parseFreshness } from "./freshness.ts";

/** The most shards of one table (a fan-out reaches at most 1,000 targets). */
export const MAX_SHARDS = 1_000;

/** The tenant's settings. */
export interface RouterSettings {
  defaultFreshness: Freshness;
  /** The tenant consents to platform-wide aggregates over its data. */
  platformAggregation: boolean;
}

/** `PUT /query/settings` body. */
export const SettingsBodySchema = z.strictObject({
  defaultFreshness: z.optional(z.unknown()),
  platformAggregation: z.optional(z.boolean()),
});

/** Settings and shard counts over `qr_settings` and `qr_shards`. */
export class SettingsStore {
  readonly #sql: Sql;
  #settings: RouterSettings = { defaultFreshness: DEFAULT_FRESHNESS, platformAggregation: false };
  readonly #shards = new Map<string, number>();

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /** Reads both tables (on start). */
  load(): void {
    const s: RouterSettings = { defaultFreshness: DEFAULT_FRESHNESS, platformAggregation: false };
    for (const r of this.#sql.exec<{ name: string; value: string }>("SELECT name, value FROM qr_settings")) {
      if (r.name === "defaultFreshness") s.defaultFreshness = parseFreshness(JSON.parse(r.value));
      if (r.name === "platformAggregation") s.platformAggregation = JSON.parse(r.value) === true;
    }
    this.#settings = s;
    this.#shards.clear();
    for (const r of this.#sql.exec<{ table_name: string; count: number }>("SELECT table_name, count FROM qr_shards")) {
      this.#shards.set(r.table_name, r.count);
    }
  }

  get settings(): RouterSettings {
    return this.#settings;
  }

  /**
   * Changes the settings given.
   * @throws {UNKNOWN_FRESHNESS} · {INVALID_SETTINGS} 400
   */
  update(input: unknown): RouterSettings {
    const parsed = safeParse(SettingsBodySchema, input ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw qrError("INVALID_SETTINGS", `${issue?.path.join(".") || "settings"}: ${issue?.message ?? "invalid"}`);
    }
    const next = { ...this.#settings };
    if (parsed.data.defaultFreshness !== undefined) {
      next.defaultFreshness = parseFreshness(parsed.data.defaultFreshness, "defaultFreshness");
    }
    if (parsed.data.platformAggregation !== undefined) next.platformAggregation = parsed.data.platformAggregation;
    const put =
      "INSERT INTO qr_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value";
    this.#sql.exec(put, "defaultFreshness", JSON.stringify(next.defaultFreshness));
    this.#sql.exec(put, "platformAggregation", JSON.stringify(next.platformAggregation));
    this.#settings = next;
    return next;
  }

  /** The shard count of `table`, or undefined for a table of this DO. */
  shardsOf(table: string): number | undefined {
    return this.#shards.get(table);
  }

  /**
   * Declares `table` as spread over `count` shard DOs (0 removes the declaration).
   * @throws {TOO_MANY_TARGETS} over 1,000 · {INVALID_SHARDS} for anything but an integer ≥ 0
   */
  setShards(table: string, count: unknown): void {
    if (typeof count !== "number" || !Number.isInteger(count) || count < 0) {
      throw qrError("INVALID_SHARDS", `count: an integer from 1 to ${MAX_SHARDS} (0 removes), got ${String(count)}`);
    }
    if (count > MAX_SHARDS) throw qrError("TOO_MANY_TARGETS", `count: ${count} shards; at most ${MAX_SHARDS}`);
    if (!/^[a-z][a-z0-9_]{0,47}$/.test(table)) throw qrError("INVALID_SHARDS", `table: not a table name: ${table}`);
    if (count === 0) {
      this.#sql.exec("DELETE FROM qr_shards WHERE table_name = ?", table);
      this.#shards.delete(table);
      return;
    }
    this.#sql.exec(
      "INSERT INTO qr_shards (table_name, count) VALUES (?, ?) ON CONFLICT (table_name) DO UPDATE SET count = excluded.count",
      table,
      count,
    );
    this.#shards.set(table, count);
  }
}
