/** Proves the memory and folder BlobStores honour the same contract (range, head, list pages, delete). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type BlobStore, MemoryBlobStore } from "../src/index.ts";
import { FsBlobStore } from "../src/node/index.ts";

const dir = mkdtempSync(join(tmpdir(), "blobs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stores: [string, BlobStore][] = [
  ["memory", new MemoryBlobStore()],
  ["folder", new FsBlobStore(dir)],
];

describe.each(stores)("%s BlobStore", (_name, store) => {
  it("puts, reads ranges, heads, lists by prefix in pages and deletes", async () => {
    const info = await store.put("a/one.bin", new Uint8Array([0, 1, 2, 3, 4, 5]), { kind: "test" });
    expect(info.size).toBe(6);
    expect(info.etag).toMatch(/^[0-9a-f]{40}$/);
    expect([...((await store.get("a/one.bin", { offset: 2, length: 3 })) ?? [])]).toEqual([2, 3, 4]);
    expect([...((await store.get("a/one.bin", { offset: 4 })) ?? [])]).toEqual([4, 5]);
    expect(await store.get("missing")).toBeNull();
    expect((await store.head("a/one.bin"))?.customMetadata).toEqual({ kind: "test" });
    expect(await store.head("missing")).toBeNull();
    for (let i = 0; i < 5; i++) await store.put(`b/${i}`, `v${i}`);
    const first = await store.list({ prefix: "b/", limit: 3 });
    expect(first.objects.map((o) => o.key)).toEqual(["b/0", "b/1", "b/2"]);
    expect(first.truncated).toBe(true);
    const second = await store.list({ prefix: "b/", limit: 3, ...(first.cursor ? { cursor: first.cursor } : {}) });
    expect(second.objects.map((o) => o.key)).toEqual(["b/3", "b/4"]);
    expect(second.truncated).toBe(false);
    await store.delete(["b/0", "b/1"]);
    expect((await store.list({ prefix: "b/" })).objects).toHaveLength(3);
    await store.delete("a/one.bin");
    expect(await store.head("a/one.bin")).toBeNull();
  });
});
