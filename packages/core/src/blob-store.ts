/**
 * The `BlobStore` port: the subset of R2 the packages need, with an R2 adapter and an
 * in-memory implementation for tests (a folder-backed one lives in `@durable/core/node`).
 * @module
 */

/** Metadata of a stored object. */
export interface BlobInfo {
  key: string;
  size: number;
  etag: string;
  /** Epoch ms of the upload. */
  uploaded: number;
  customMetadata: Record<string, string>;
}

/** A byte range: `length` omitted means to the end. */
export interface BlobRange {
  offset: number;
  length?: number;
}

/** One page of a listing. */
export interface BlobList {
  objects: BlobInfo[];
  truncated: boolean;
  cursor?: string;
}

/** Options of {@link BlobStore.list}. */
export interface BlobListOptions {
  prefix?: string;
  cursor?: string;
  /** At most 1,000 (R2's cap). */
  limit?: number;
}

/** Object storage as the packages use it: R2 in production, memory or a folder in Node. */
export interface BlobStore {
  get(key: string, range?: BlobRange): Promise<Uint8Array | null>;
  put(key: string, data: Uint8Array | string, customMetadata?: Record<string, string>): Promise<BlobInfo>;
  head(key: string): Promise<BlobInfo | null>;
  list(options?: BlobListOptions): Promise<BlobList>;
  delete(keys: string | string[]): Promise<void>;
}

const encoder = new TextEncoder();

/** Bytes of a put body. */
export function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === "string" ? encoder.encode(data) : data;
}

/** Slices `bytes` by a {@link BlobRange}, clamped to the object. */
export function sliceRange(bytes: Uint8Array, range?: BlobRange): Uint8Array {
  if (!range) return bytes;
  const start = Math.min(range.offset, bytes.length);
  const end = range.length === undefined ? bytes.length : Math.min(start + range.length, bytes.length);
  return bytes.slice(start, end);
}

/** Lists `keys` (sorted) as R2 does: by prefix, after a cursor, at most `limit`. */
export function pageKeys(keys: string[], options: BlobListOptions = {}): { keys: string[]; cursor?: string } {
  const limit = Math.min(Math.max(options.limit ?? 1000, 1), 1000);
  const matching = keys
    .filter((k) => k.startsWith(options.prefix ?? ""))
    .filter((k) => options.cursor === undefined || k > options.cursor)
    .sort();
  const page = matching.slice(0, limit);
  return matching.length > limit ? { keys: page, cursor: page[page.length - 1] } : { keys: page };
}

async function sha1Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Stores blobs in a Map: tests and spikes that need no persistence. */
export class MemoryBlobStore implements BlobStore {
  readonly #objects = new Map<string, { bytes: Uint8Array; info: BlobInfo }>();

  async get(key: string, range?: BlobRange): Promise<Uint8Array | null> {
    const hit = this.#objects.get(key);
    return hit ? sliceRange(hit.bytes, range) : null;
  }

  async put(key: string, data: Uint8Array | string, customMetadata: Record<string, string> = {}): Promise<BlobInfo> {
    const bytes = toBytes(data).slice();
    const info = { key, size: bytes.length, etag: await sha1Hex(bytes), uploaded: Date.now(), customMetadata };
    this.#objects.set(key, { bytes, info });
    return info;
  }

  async head(key: string): Promise<BlobInfo | null> {
    return this.#objects.get(key)?.info ?? null;
  }

  async list(options?: BlobListOptions): Promise<BlobList> {
    const page = pageKeys([...this.#objects.keys()], options);
    const objects = page.keys.flatMap((k) => {
      const info = this.#objects.get(k)?.info;
      return info ? [info] : [];
    });
    return { objects, truncated: page.cursor !== undefined, ...(page.cursor ? { cursor: page.cursor } : {}) };
  }

  async delete(keys: string | string[]): Promise<void> {
    for (const k of typeof keys === "string" ? [keys] : keys) this.#objects.delete(k);
  }
}

/** The part of an R2 object the adapter reads. */
interface R2ObjectLike {
  key: string;
  size: number;
  etag: string;
  uploaded: Date;
  customMetadata?: Record<string, string>;
}

/** The part of `R2Bucket` the adapter calls; a real binding satisfies it. */
export interface R2BucketLike {
  get(
    key: string,
    options?: { range?: { offset: number; length?: number } },
  ): Promise<(R2ObjectLike & { arrayBuffer(): Promise<ArrayBuffer> }) | null>;
  put(
    key: string,
    value: ArrayBuffer | ArrayBufferView | string,
    options?: { customMetadata?: Record<string, string> },
  ): Promise<R2ObjectLike | null>;
  head(key: string): Promise<R2ObjectLike | null>;
  list(options?: {
    prefix?: string;
    cursor?: string;
    limit?: number;
    include?: ("customMetadata" | "httpMetadata")[];
  }): Promise<{
    objects: R2ObjectLike[];
    truncated: boolean;
    cursor?: string;
  }>;
  delete(keys: string | string[]): Promise<void>;
}

function infoOf(o: R2ObjectLike): BlobInfo {
  return {
    key: o.key,
    size: o.size,
    etag: o.etag,
    uploaded: o.uploaded.getTime(),
    customMetadata: o.customMetadata ?? {},
  };
}

/**
 * Adapts an R2 bucket binding to the {@link BlobStore} port.
 * @param bucket `env.BUCKET`
 */
export function r2BlobStore(bucket: R2BucketLike): BlobStore {
  return {
    async get(key, range) {
      const obj = await bucket.get(key, range ? { range } : undefined);
      return obj ? new Uint8Array(await obj.arrayBuffer()) : null;
    },
    async put(key, data, customMetadata = {}) {
      const obj = await bucket.put(key, toBytes(data), { customMetadata });
      if (!obj) throw new Error(`r2 put of ${key} returned no object`);
      return infoOf(obj);
    },
    async head(key) {
      const obj = await bucket.head(key);
      return obj ? infoOf(obj) : null;
    },
    async list(options = {}) {
      const res = await bucket.list({ ...options, include: ["customMetadata"] });
      return {
        objects: res.objects.map(infoOf),
        truncated: res.truncated,
        ...(res.truncated && res.cursor ? { cursor: res.cursor } : {}),
      };
    },
    async delete(keys) {
      await bucket.delete(keys);
    },
  };
}
