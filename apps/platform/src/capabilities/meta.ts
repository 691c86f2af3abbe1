/**
 * `meta`: a tiny key-value capability, the example for package authors.
 *
 * It shows the whole contract in one screen: a factory taking only the ports it needs, its own
 * prefixed migration, zod at the boundary, typed errors, and routes below `/v1/tenants/:tenant`.
 * @module
 */
import { type Capability, type Clock, notFound, parseOrThrow, type Sql } from "@durable/core";
import { z } from "zod";

const KeySchema = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, "1–128 characters of [A-Za-z0-9._:-]");
const PutSchema = z.object({ value: z.json() }).strict();

/** A stored entry as the API returns it. */
export interface MetaEntry {
  key: string;
  value: unknown;
  updatedAt: number;
}

/**
 * Creates the `meta` capability: `GET` and `PUT /meta/:key` with `{ value }` (any JSON).
 * @param ports the Sql port and a clock
 */
export function metaCapability({ sql, clock }: { sql: Sql; clock: Clock }): Capability {
  const read = (key: string): MetaEntry => {
    const row = sql
      .exec<{ value: string; updated_at: number }>("SELECT value, updated_at FROM meta_kv WHERE key = ?", key)
      .toArray()[0];
    if (!row) throw notFound(`no meta entry ${key}`);
    return { key, value: JSON.parse(row.value), updatedAt: row.updated_at };
  };
  return {
    name: "meta",
    migrations: {
      owner: "meta",
      prefix: "meta_",
      migrations: [
        {
          version: 1,
          name: "kv",
          sql: "CREATE TABLE meta_kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT",
        },
      ],
    },
    routes: [
      {
        method: "GET",
        path: "/meta/:key",
        handle: ({ params }) => read(parseOrThrow(KeySchema, params.key, "INVALID_KEY", "key")),
      },
      {
        method: "PUT",
        path: "/meta/:key",
        handle: ({ params, body }) => {
          const key = parseOrThrow(KeySchema, params.key, "INVALID_KEY", "key");
          const { value } = parseOrThrow(PutSchema, body, "INVALID_BODY");
          sql.exec(
            "INSERT INTO meta_kv (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            key,
            JSON.stringify(value),
            clock.now(),
          );
          return read(key);
        },
      },
    ],
  };
}
