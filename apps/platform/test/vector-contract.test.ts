/**
 * The VectorIndex contract suite on the local backend inside workerd: every call enters a
 * tenant DO (`runInDurableObject`) and runs on its real SQLite, as the capability does.
 */

import { runInDurableObject } from "cloudflare:test";
import { systemClock } from "@durable/core";
import { createVectorStore, VectorCache } from "@durable/vector";
import { vectorIndexContract } from "@durable/vector/testing";
import { env, uniqueTenant } from "./helpers.ts";

const cache = new VectorCache();

vectorIndexContract("local (workerd DO SQLite)", async (config) => {
  const tenant = uniqueTenant("vcon");
  // Start the DO (its migrations create the vec_ tables).
  await (
    env.TENANT.getByName(tenant) as unknown as {
      capability(n: string, t: string): { listVectorIndexes(): Promise<unknown> };
    }
  )
    .capability("vector", tenant)
    .listVectorIndexes();
  const stub = env.TENANT.getByName(tenant);
  const inDo = <T>(fn: (store: ReturnType<typeof createVectorStore>) => Promise<T> | T) =>
    runInDurableObject(stub, (_i, state) =>
      fn(
        createVectorStore(
          {
            sql: state.storage.sql,
            transactionSync: (f) => state.storage.transactionSync(f),
            clock: systemClock,
            wake: { set: () => {}, cancel: () => {} },
          },
          { cache },
        ),
      ),
    );
  await inDo((s) => s.create(config));
  const name = String(config.name);
  return {
    index: {
      insert: (v) => inDo((s) => s.index(name).insert(v)),
      upsert: (v) => inDo((s) => s.index(name).upsert(v)),
      deleteByIds: (ids) => inDo((s) => s.index(name).deleteByIds(ids)),
      query: (q, o) => inDo((s) => s.index(name).query(q, o)),
      getByIds: (ids) => inDo((s) => s.index(name).getByIds(ids)),
      describe: () => inDo((s) => s.index(name).describe()),
    },
  };
});
