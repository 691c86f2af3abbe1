/**
 * Proves the platform's vector glue: `VECTOR_BACKEND` / `VECTORIZE_INDEXES` / `EMBEDDER` parsing
 * (a bad configuration becomes 503 CONFIG_INVALID on the vector routes only, never a failed DO),
 * the default config's local backend and lexical embedder, and `readCapped` keeping one copy of
 * a body whatever its Content-Length says.
 */
import { errorCodeOf } from "@durable/core";
import { createVectorStore, VectorizeFake } from "@durable/vector";
import { describe, expect, it } from "vitest";
import { readCapped } from "../src/body.ts";
import { vectorBackend, vectorEmbedder } from "../src/capabilities/vector.ts";
import { env } from "./helpers.ts";

describe("vector configuration from env", () => {
  it("the default config: local backend, lexical embedder (no Vectorize or AI binding)", () => {
    const e = env as unknown as Record<string, unknown>;
    expect(e.VECTOR_BACKEND).toBe("local");
    expect(e.AI).toBeUndefined();
    expect(vectorBackend(e)).toEqual({ kind: "local" });
    expect(vectorEmbedder(e).model).toBe("lexical-hash-dev");
  });

  it("vectorize with bindings; without one, or with bad VECTORIZE_INDEXES, CONFIG_INVALID", async () => {
    const fake = new VectorizeFake({ dimensions: 3, metric: "cosine" });
    const ok = vectorBackend({ VECTOR_BACKEND: "vectorize", VECTORIZE_INDEXES: '{"docs":"VEC"}', VEC: fake } as never);
    expect(ok.kind).toBe("vectorize");
    const broken = [
      { VECTOR_BACKEND: "vectorize", VECTORIZE_INDEXES: '{"docs":"VEC"}' },
      { VECTOR_BACKEND: "vectorize", VECTORIZE_INDEXES: "not json" },
      { VECTOR_BACKEND: "vectorize", VECTORIZE_INDEXES: '{"Bad Name":"VEC"}', VEC: fake },
      { VECTOR_BACKEND: "vectorize", VECTORIZE_INDEXES: "{}" },
      { VECTOR_BACKEND: "pinecone" },
    ];
    for (const e of broken) {
      const backend = vectorBackend(e as never);
      expect(backend.kind).toBe("invalid");
      const store = createVectorStore(
        {
          sql: {
            exec: () => {
              throw new Error("no SQL may run");
            },
          },
          transactionSync: (fn) => fn(),
          clock: { now: () => 0 },
          wake: { set: () => {}, cancel: () => {} },
        },
        { backend },
      );
      let code: string | undefined;
      try {
        await store.list();
      } catch (err) {
        code = errorCodeOf(err);
      }
      expect(code).toBe("CONFIG_INVALID");
    }
    const ai = { run: async () => ({ data: [] }) };
    expect(vectorEmbedder({ EMBEDDER: "workers-ai", AI: ai }).model).toBe("@cf/baai/bge-base-en-v1.5");
    expect(vectorEmbedder({ EMBEDDER: "lexical", AI: ai }).model).toBe("lexical-hash-dev");
  });
});

describe("readCapped", () => {
  const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 251);
  const streamOf = (data: Uint8Array, chunk: number) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < data.length; i += chunk) c.enqueue(data.slice(i, i + chunk));
        c.close();
      },
    });

  it("fills one buffer of the declared length; grows without one; a false length does not pass the cap", async () => {
    const data = bytes(300_000);
    const declared = await readCapped(
      new Request("https://x", { method: "POST", body: data, headers: { "content-length": "300000" } }),
      1_000_000,
    );
    expect(declared).toEqual(data);
    expect(declared.buffer.byteLength).toBe(300_000);
    const streamed = await readCapped(
      new Request("https://x", { method: "POST", body: streamOf(data, 7_001), duplex: "half" } as RequestInit),
      1_000_000,
    );
    expect(streamed).toEqual(data);
    const lying = new Request("https://x", {
      method: "POST",
      body: streamOf(data, 65_536),
      headers: { "content-length": "10" },
      duplex: "half",
    } as RequestInit);
    let code: string | undefined;
    try {
      await readCapped(lying, 200_000);
    } catch (err) {
      code = errorCodeOf(err);
    }
    expect(code).toBe("PAYLOAD_TOO_LARGE");
    const over = new Request("https://x", { method: "POST", body: bytes(11), headers: { "content-length": "11" } });
    await expect(readCapped(over, 10)).rejects.toThrow(/PAYLOAD_TOO_LARGE/);
    expect(await readCapped(new Request("https://x", { method: "POST", body: new Uint8Array() }), 10)).toEqual(
      new Uint8Array(),
    );
  });
});
