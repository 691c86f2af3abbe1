/**
 * Proves the R2 adapter of the BlobStore port against workerd's local R2: put with metadata,
 * range reads, head, paged listing by prefix, delete. Does not prove production R2 consistency.
 */
import { r2BlobStore } from "@durable/core";
import { describe, expect, it } from "vitest";
import { env } from "./helpers.ts";

describe("r2BlobStore", () => {
  it("honours the BlobStore contract on a real R2 binding", async () => {
    const store = r2BlobStore(env.BLOBS);
    const prefix = `test-${crypto.randomUUID()}/`;
    const info = await store.put(`${prefix}one`, new Uint8Array([0, 1, 2, 3, 4, 5]), { kind: "t" });
    expect(info.size).toBe(6);
    expect([...((await store.get(`${prefix}one`, { offset: 1, length: 3 })) ?? [])]).toEqual([1, 2, 3]);
    expect([...((await store.get(`${prefix}one`, { offset: 4 })) ?? [])]).toEqual([4, 5]);
    expect(await store.get(`${prefix}missing`)).toBeNull();
    expect((await store.head(`${prefix}one`))?.customMetadata).toEqual({ kind: "t" });
    for (let i = 0; i < 4; i++) await store.put(`${prefix}p/${i}`, `v${i}`);
    const first = await store.list({ prefix: `${prefix}p/`, limit: 3 });
    expect(first.objects.map((o) => o.key.slice(prefix.length))).toEqual(["p/0", "p/1", "p/2"]);
    expect(first.truncated).toBe(true);
    const rest = await store.list({
      prefix: `${prefix}p/`,
      limit: 3,
      ...(first.cursor ? { cursor: first.cursor } : {}),
    });
    expect(rest.objects.map((o) => o.key.slice(prefix.length))).toEqual(["p/3"]);
    await store.delete([`${prefix}one`, `${prefix}p/0`]);
    expect(await store.head(`${prefix}one`)).toBeNull();
    expect((await store.list({ prefix })).objects).toHaveLength(3);
  });
});
