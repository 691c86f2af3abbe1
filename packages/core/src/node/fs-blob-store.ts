/**
 * A `BlobStore` on a folder, for spikes that write more than fits in memory.
 * Keys map to files below the root; metadata lives in a sidecar JSON file.
 * @module
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import {
  type BlobInfo,
  type BlobList,
  type BlobListOptions,
  type BlobRange,
  type BlobStore,
  pageKeys,
  sliceRange,
  toBytes,
} from "../blob-store.ts";

const META_SUFFIX = ".__meta.json";

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(full)));
    else if (!entry.name.endsWith(META_SUFFIX)) files.push(full);
  }
  return files;
}

/** Stores each blob as a file under `root`. */
export class FsBlobStore implements BlobStore {
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
  }

  #path(key: string): string {
    if (key.split("/").some((part) => part === ".." || part === "")) {
      throw new Error(`invalid blob key: ${key}`);
    }
    return join(this.#root, ...key.split("/"));
  }

  async get(key: string, range?: BlobRange): Promise<Uint8Array | null> {
    const bytes = await readFile(this.#path(key)).catch(() => null);
    return bytes ? sliceRange(new Uint8Array(bytes), range) : null;
  }

  async put(key: string, data: Uint8Array | string, customMetadata: Record<string, string> = {}): Promise<BlobInfo> {
    const path = this.#path(key);
    const bytes = toBytes(data);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
    const etag = createHash("sha1").update(bytes).digest("hex");
    await writeFile(path + META_SUFFIX, JSON.stringify({ etag, customMetadata }));
    return { key, size: bytes.length, etag, uploaded: Date.now(), customMetadata };
  }

  async head(key: string): Promise<BlobInfo | null> {
    const path = this.#path(key);
    const info = await stat(path).catch(() => null);
    if (!info) return null;
    const meta = JSON.parse(await readFile(path + META_SUFFIX, "utf8").catch(() => "{}")) as {
      etag?: string;
      customMetadata?: Record<string, string>;
    };
    return {
      key,
      size: info.size,
      etag: meta.etag ?? "",
      uploaded: info.mtimeMs,
      customMetadata: meta.customMetadata ?? {},
    };
  }

  async list(options?: BlobListOptions): Promise<BlobList> {
    const keys = (await walk(this.#root)).map((f) => relative(this.#root, f).split(sep).join("/"));
    const page = pageKeys(keys, options);
    const objects: BlobInfo[] = [];
    for (const key of page.keys) {
      const info = await this.head(key);
      if (info) objects.push(info);
    }
    return { objects, truncated: page.cursor !== undefined, ...(page.cursor ? { cursor: page.cursor } : {}) };
  }

  async delete(keys: string | string[]): Promise<void> {
    for (const key of typeof keys === "string" ? [keys] : keys) {
      const path = this.#path(key);
      await rm(path, { force: true });
      await rm(path + META_SUFFIX, { force: true });
    }
  }
}
