/**
 * The result cache, two levels: an in-memory LRU (default 1,000 entries or 16 MB, whichever
 * first) in front of `qr_results` (capped at 64 MB: least recently used rows are evicted in the
 * same write). A hit requires the stored canonical text to equal the query's. A row that does
 * not parse is a miss: deleted and counted. Rows older than 7 days are purged by `purge`.
 * @module
 */
import type { Sql, TransactionSync } from "@durable/core";
import type { Column, Row } from "./answer.ts";

/** One cached answer. */
export interface CacheEntry {
  key: string;
  canonical: string;
  rows: Row[];
  columns: Column[];
  source: "rollup" | "local" | "fanout";
  rollup?: string;
  asOf: number;
  versions: Record<string, number>;
  bytes: number;
}

/** Sizes of the cache. */
export interface CacheLimits {
  memoryEntries: number;
  memoryBytes: number;
  sqliteBytes: number;
}

/** Counters of the cache. */
export interface CacheStats {
  memoryEntries: number;
  memoryBytes: number;
  sqliteBytes: number;
  sqliteRows: number;
  memoryHits: number;
  sqliteHits: number;
  misses: number;
  corrupt: number;
  evicted: number;
  purged: number;
}

const encoder = new TextEncoder();

/** The serialized form of an entry's answer and its size in bytes. */
export function serializeAnswer(e: Pick<CacheEntry, "rows" | "columns" | "source" | "rollup">): {
  text: string;
  bytes: number;
} {
  const text = JSON.stringify({ rows: e.rows, columns: e.columns, source: e.source, rollup: e.rollup });
  return { text, bytes: encoder.encode(text).length };
}

function splitKey(key: string): [tenant: string, fingerprint: string] {
  const i = key.lastIndexOf(":");
  return [key.slice(0, i), key.slice(i + 1)];
}

/** Only last-used times older than this are written back on a memory hit (keeps hits write-free). */
const TOUCH_EVERY_MS = 60_000;

/** The two-level cache. */
export class ResultCache {
  readonly #sql: Sql;
  readonly #tx: TransactionSync;
  readonly #limits: CacheLimits;
  readonly #now: () => number;
  readonly #memory = new Map<string, CacheEntry & { touchedAt: number }>();
  #memoryBytes = 0;
  #sqliteBytes = 0;
  #sqliteRows = 0;
  readonly #counts = { memoryHits: 0, sqliteHits: 0, misses: 0, corrupt: 0, evicted: 0, purged: 0 };

  constructor(o: { sql: Sql; transactionSync: TransactionSync; limits: CacheLimits; now: () => number }) {
    this.#sql = o.sql;
    this.#tx = o.transactionSync;
    this.#limits = o.limits;
    this.#now = o.now;
  }

  /** Reads the totals of `qr_results` (on start). */
  load(): void {
    const r = this.#sql
      .exec<{ n: number; b: number | null }>("SELECT count(*) AS n, sum(bytes) AS b FROM qr_results")
      .one();
    this.#sqliteRows = r.n;
    this.#sqliteBytes = r.b ?? 0;
  }

  /** Like {@link get}, without counting, touching or deleting anything (explain). */
  peek(key: string, canonical: string): CacheEntry | undefined {
    const m = this.#memory.get(key);
    if (m) return m.canonical === canonical ? m : undefined;
    const [tenant, fp] = splitKey(key);
    const row = this.#sql
      .exec<{ canonical: string; result: string; as_of: number; versions: string; bytes: number }>(
        "SELECT canonical, result, as_of, versions, bytes FROM qr_results WHERE tenant = ? AND fingerprint = ?",
        tenant,
        fp,
      )
      .toArray()[0];
    return row && row.canonical === canonical ? this.#decode(key, row) : undefined;
  }

  /** The entry of `key` whose canonical text is `canonical`, or undefined (a miss). */
  get(key: string, canonical: string): CacheEntry | undefined {
    const m = this.#memory.get(key);
    if (m) {
      if (m.canonical !== canonical) {
        this.#counts.misses++;
        return undefined;
      }
      this.#memory.delete(key);
      this.#memory.set(key, m);
      this.#counts.memoryHits++;
      const now = this.#now();
      if (now - m.touchedAt > TOUCH_EVERY_MS) {
        m.touchedAt = now;
        const [tenant, fp] = splitKey(key);
        this.#sql.exec("UPDATE qr_results SET last_used = ? WHERE tenant = ? AND fingerprint = ?", now, tenant, fp);
      }
      return m;
    }
    const [tenant, fp] = splitKey(key);
    const row = this.#sql
      .exec<{ canonical: string; result: string; as_of: number; versions: string; bytes: number }>(
        "SELECT canonical, result, as_of, versions, bytes FROM qr_results WHERE tenant = ? AND fingerprint = ?",
        tenant,
        fp,
      )
      .toArray()[0];
    if (!row || row.canonical !== canonical) {
      this.#counts.misses++;
      return undefined;
    }
    const entry = this.#decode(key, row);
    if (!entry) {
      this.#counts.corrupt++;
      this.#counts.misses++;
      this.#deleteRow(tenant, fp);
      return undefined;
    }
    this.#counts.sqliteHits++;
    const now = this.#now();
    this.#sql.exec("UPDATE qr_results SET last_used = ? WHERE tenant = ? AND fingerprint = ?", now, tenant, fp);
    this.#remember({ ...entry, touchedAt: now });
    return entry;
  }

  #decode(
    key: string,
    row: { canonical: string; result: string; as_of: number; versions: string; bytes: number },
  ): CacheEntry | undefined {
    try {
      const parsed = JSON.parse(row.result) as Partial<CacheEntry>;
      const versions = JSON.parse(row.versions) as unknown;
      if (
        !Array.isArray(parsed.rows) ||
        !Array.isArray(parsed.columns) ||
        (parsed.source !== "rollup" && parsed.source !== "local" && parsed.source !== "fanout") ||
        typeof row.as_of !== "number" ||
        versions === null ||
        typeof versions !== "object" ||
        Array.isArray(versions) ||
        Object.values(versions).some((v) => typeof v !== "number")
      ) {
        return undefined;
      }
      return {
        key,
        canonical: row.canonical,
        rows: parsed.rows,
        columns: parsed.columns,
        source: parsed.source,
        ...(typeof parsed.rollup === "string" ? { rollup: parsed.rollup } : {}),
        asOf: row.as_of,
        versions: versions as Record<string, number>,
        bytes: row.bytes,
      };
    } catch {
      return undefined;
    }
  }

  /**
   * Stores an entry in both levels; evicts least recently used rows past the SQLite cap in the
   * same transaction.
   */
  put(entry: CacheEntry, serialized: string): void {
    const [tenant, fp] = splitKey(entry.key);
    const now = this.#now();
    this.#tx(() => {
      const old = this.#sql
        .exec<{ bytes: number }>("SELECT bytes FROM qr_results WHERE tenant = ? AND fingerprint = ?", tenant, fp)
        .toArray()[0];
      this.#sql.exec(
        `INSERT INTO qr_results (tenant, fingerprint, canonical, result, as_of, versions, bytes, last_used)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant, fingerprint) DO UPDATE SET canonical = excluded.canonical, result = excluded.result,
           as_of = excluded.as_of, versions = excluded.versions, bytes = excluded.bytes, last_used = excluded.last_used`,
        tenant,
        fp,
        entry.canonical,
        serialized,
        entry.asOf,
        JSON.stringify(entry.versions),
        entry.bytes,
        now,
      );
      this.#sqliteBytes += entry.bytes - (old?.bytes ?? 0);
      if (!old) this.#sqliteRows++;
      this.#evictSqlite(tenant, fp);
    });
    this.#remember({ ...entry, touchedAt: now });
  }

  #evictSqlite(keepTenant: string, keepFp: string): void {
    while (this.#sqliteBytes > this.#limits.sqliteBytes && this.#sqliteRows > 1) {
      const victims = this.#sql
        .exec<{ tenant: string; fingerprint: string; bytes: number }>(
          "SELECT tenant, fingerprint, bytes FROM qr_results ORDER BY last_used, rowid LIMIT 64",
        )
        .toArray()
        .filter((v) => !(v.tenant === keepTenant && v.fingerprint === keepFp));
      if (victims.length === 0) return;
      for (const v of victims) {
        if (this.#sqliteBytes <= this.#limits.sqliteBytes) break;
        this.#deleteRow(v.tenant, v.fingerprint);
        this.#counts.evicted++;
      }
    }
  }

  #deleteRow(tenant: string, fp: string): void {
    const gone = this.#sql
      .exec<{ bytes: number }>(
        "DELETE FROM qr_results WHERE tenant = ? AND fingerprint = ? RETURNING bytes",
        tenant,
        fp,
      )
      .toArray()[0];
    if (gone) {
      this.#sqliteBytes -= gone.bytes;
      this.#sqliteRows--;
    }
    this.#dropMemory(`${tenant}:${fp}`);
  }

  #remember(entry: CacheEntry & { touchedAt: number }): void {
    this.#dropMemory(entry.key);
    this.#memory.set(entry.key, entry);
    this.#memoryBytes += entry.bytes;
    while (this.#memory.size > this.#limits.memoryEntries || this.#memoryBytes > this.#limits.memoryBytes) {
      const oldest = this.#memory.keys().next().value as string | undefined;
      if (oldest === undefined) break;
      this.#dropMemory(oldest);
    }
  }

  #dropMemory(key: string): void {
    const m = this.#memory.get(key);
    if (m) {
      this.#memory.delete(key);
      this.#memoryBytes -= m.bytes;
    }
  }

  /** Forgets the in-memory level only (as an eviction of the DO would). */
  forgetMemory(): void {
    this.#memory.clear();
    this.#memoryBytes = 0;
  }

  /**
   * Deletes the rows that read `table`, inside the caller's transaction.
   * @returns the after-commit step that drops them from memory
   */
  deleteTable(table: string): () => void {
    const gone = this.#sql
      .exec<{ tenant: string; fingerprint: string; bytes: number }>(
        "DELETE FROM qr_results WHERE json_type(versions, '$.' || ?) IS NOT NULL RETURNING tenant, fingerprint, bytes",
        JSON.stringify(table),
      )
      .toArray();
    for (const g of gone) {
      this.#sqliteBytes -= g.bytes;
      this.#sqliteRows--;
    }
    return () => {
      for (const g of gone) this.#dropMemory(`${g.tenant}:${g.fingerprint}`);
    };
  }

  /** Deletes every entry (`DELETE /query/cache`). */
  clear(): void {
    this.#sql.exec("DELETE FROM qr_results");
    this.#sqliteBytes = 0;
    this.#sqliteRows = 0;
    this.forgetMemory();
  }

  /** Deletes rows whose answer is older than `maxAgeMs` (no budget could serve them). */
  purge(maxAgeMs: number): number {
    const cutoff = this.#now() - maxAgeMs;
    const gone = this.#sql
      .exec<{ tenant: string; fingerprint: string; bytes: number }>(
        "DELETE FROM qr_results WHERE as_of < ? RETURNING tenant, fingerprint, bytes",
        cutoff,
      )
      .toArray();
    for (const g of gone) {
      this.#sqliteBytes -= g.bytes;
      this.#sqliteRows--;
      this.#dropMemory(`${g.tenant}:${g.fingerprint}`);
    }
    this.#counts.purged += gone.length;
    return gone.length;
  }

  /** Sizes and counters. */
  stats(): CacheStats {
    return {
      memoryEntries: this.#memory.size,
      memoryBytes: this.#memoryBytes,
      sqliteBytes: this.#sqliteBytes,
      sqliteRows: this.#sqliteRows,
      ...this.#counts,
    };
  }
}
