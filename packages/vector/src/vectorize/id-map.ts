/**
 * Tenant-safe ids in a shared Vectorize index: the platform stores each id as a 32-character
 * base64url hash of (tenant, id) and maps it back through `vec_vectorize_ids`, so tenants
 * sharing one Vectorize index never overwrite each other's vectors.
 * @module
 */
import type { Sql } from "@durable/core";

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * The stored id of `id` for `tenant`: the first 24 bytes of SHA-256 over `tenant NUL id`,
 * base64url (32 characters).
 */
export async function hashedId(tenant: string, id: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(`${tenant}\u0000${id}`));
  return base64url(new Uint8Array(digest).slice(0, 24));
}

/** The hash ↔ id map of one Vectorize index in one tenant's DO. */
export class VectorizeIdMap {
  readonly #sql: Sql;
  readonly tenant: string;
  readonly index: string;

  constructor(sql: Sql, tenant: string, index: string) {
    this.#sql = sql;
    this.tenant = tenant;
    this.index = index;
  }

  /** Hashes for ids (in order). */
  hashes(ids: readonly string[]): Promise<string[]> {
    return Promise.all(ids.map((id) => hashedId(this.tenant, id)));
  }

  /** Remembers hash → id pairs (after a write the backend accepted). */
  remember(pairs: readonly (readonly [hash: string, id: string])[]): void {
    for (const [hash, id] of pairs) {
      this.#sql.exec(
        "INSERT OR REPLACE INTO vec_vectorize_ids (index_name, hash, id) VALUES (?, ?, ?)",
        this.index,
        hash,
        id,
      );
    }
  }

  forget(hashes: readonly string[]): void {
    this.#sql.exec(
      "DELETE FROM vec_vectorize_ids WHERE index_name = ? AND hash IN (SELECT value FROM json_each(?))",
      this.index,
      JSON.stringify(hashes),
    );
  }

  /** The original ids of hashes this tenant wrote (unknown hashes are absent). */
  lookup(hashes: readonly string[]): Map<string, string> {
    const out = new Map<string, string>();
    if (hashes.length === 0) return out;
    for (const r of this.#sql.exec<{ hash: string; id: string }>(
      "SELECT hash, id FROM vec_vectorize_ids WHERE index_name = ? AND hash IN (SELECT value FROM json_each(?))",
      this.index,
      JSON.stringify(hashes),
    )) {
      out.set(r.hash, r.id);
    }
    return out;
  }

  /** Up to `limit` stored hashes (for deleting a dropped index's vectors). */
  some(limit: number): string[] {
    return this.#sql
      .exec<{ hash: string }>("SELECT hash FROM vec_vectorize_ids WHERE index_name = ? LIMIT ?", this.index, limit)
      .toArray()
      .map((r) => r.hash);
  }
}
