/**
 * `meta`: a tiny key-value capability, the example for package authors.
 *
 * It shows the whole contract in one screen: a definition whose `create` takes only the ports it
 * needs, its own prefixed migration, zod at the boundary, typed errors, routes below
 * `/v1/tenants/:tenant`, and an `api` that DOBase serves as its RPC target.
 * @module
 */
import {
  type Capability,
  type CapabilityDefinition,
  type Clock,
  notFound,
  parseOrThrow,
  type Sql,
} from "@durable/core";
import * as z from "zod/mini";

const KeySchema = z.string().check(z.regex(/^[A-Za-z0-9._:-]{1,128}$/, "1–128 characters of [A-Za-z0-9._:-]"));
const PutSchema = z.strictObject({ value: z.json() });

/** A stored entry as the API returns it. */
export interface MetaEntry {
  key: string;
  value: unknown;
  updatedAt: number;
}

/** The RPC API of `meta`. */
export interface MetaApi {
  get(key: string): MetaEntry;
  put(key: string, value: unknown): MetaEntry;
}

/** The `meta` capability. */
export interface MetaCapability extends Capability {
  readonly api: MetaApi;
}

/** The `meta` capability's definition: `GET` and `PUT /meta/:key` with `{ value }` (any JSON). */
export function metaCapability(): CapabilityDefinition<MetaCapability> {
  return { name: "meta", create: (ports) => createMeta(ports) };
}

/**
 * Creates the `meta` capability over its ports.
 * @param ports the Sql port and a clock
 */
export function createMeta({ sql, clock }: { sql: Sql; clock: Clock }): MetaCapability {
  const read = (key: string): MetaEntry => {
    const row = sql
      .exec<{ value: string; updated_at: number }>("SELECT value, updated_at FROM meta_kv WHERE key = ?", key)
      .toArray()[0];
    if (!row) throw notFound(`no meta entry ${key}`);
    return { key, value: JSON.parse(row.value), updatedAt: row.updated_at };
  };
  const write = (key: string, value: unknown): MetaEntry => {
    sql.exec(
      "INSERT INTO meta_kv (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
      key,
      JSON.stringify(value),
      clock.now(),
    );
    return read(key);
  };
  const keyOf = (key: unknown) => parseOrThrow(KeySchema, key, "INVALID_KEY", "key");
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
        handle: ({ params }) => read(keyOf(params.key)),
      },
      {
        method: "PUT",
        path: "/meta/:key",
        handle: ({ params, body }) => write(keyOf(params.key), parseOrThrow(PutSchema, body, "INVALID_BODY").value),
      },
    ],
    api: {
      get: (key) => read(keyOf(key)),
      put: (key, value) => write(keyOf(key), parseOrThrow(PutSchema, { value }, "INVALID_BODY").value),
    },
  };
}
