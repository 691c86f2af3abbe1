/**
 * Pins the exact text of representative validation messages of an index configuration and the
 * route bodies: too small/too big, not an integer, a custom regex and refine message, an enum,
 * nested paths, an unknown key, a wrong body type. Written against full `zod`; it proves the move
 * to `zod/mini` (issue 15) changed none of them.
 */

import { thrownMessage } from "@durable/core/testing";
import { describe, expect, it } from "vitest";
import { parseIndexConfig } from "../src/config.ts";
import { vectorRoutes } from "../src/routes.ts";

const base = { name: "docs", dimensions: 3, metric: "cosine" };
const config = (patch: Record<string, unknown>) => thrownMessage(() => parseIndexConfig({ ...base, ...patch }));

describe("validation messages", () => {
  it("an index configuration: each field's own code, custom messages, bounds", () => {
    expect(config({ dimensions: 0 })).toBe("[INVALID_DIMENSIONS] dimensions: Too small: expected number to be >=1");
    expect(config({ dimensions: 3.5 })).toBe(
      "[INVALID_DIMENSIONS] dimensions: Invalid input: expected int, received number",
    );
    expect(config({ name: "Bad Name" })).toBe("[INVALID_INDEX_NAME] name: 1–64 bytes of [a-z0-9_-]");
    expect(config({ name: "a".repeat(65) })).toBe("[INVALID_INDEX_NAME] name: at most 64 bytes");
    expect(config({ metric: "l1" })).toBe(
      '[INVALID_METRIC] metric: Invalid option: expected one of "cosine"|"euclidean"|"dot-product"',
    );
  });

  it("metadata indexes, IVF knobs and unknown keys: nested paths, refines, the too-many code", () => {
    const indexes = (n: number) => Array.from({ length: n }, (_, i) => ({ property: `p${i}`, type: "string" }));
    expect(config({ metadataIndexes: indexes(11) })).toBe("[TOO_MANY_METADATA_INDEXES] metadataIndexes: at most 10");
    expect(config({ metadataIndexes: [{ property: "$x", type: "string" }] })).toBe(
      '[INVALID_CONFIG] metadataIndexes[0].property: no `"` and no leading `$`',
    );
    expect(config({ metadataIndexes: [...indexes(1), ...indexes(1)] })).toBe(
      "[INVALID_CONFIG] metadataIndexes: properties must be unique",
    );
    expect(config({ rerank: 1.5 })).toBe("[INVALID_CONFIG] rerank: Invalid input: expected int, received number");
    expect(config({ nope: 1 })).toBe('[INVALID_CONFIG] : Unrecognized key: "nope"');
  });

  it("route bodies: a missing array, a nested item, an unknown key, not an object", () => {
    const routes = vectorRoutes(new Proxy({}, { get: () => () => "reached the API" }) as never);
    const call = (suffix: string, body: unknown) =>
      thrownMessage(() =>
        routes.find((r) => r.path.endsWith(suffix))?.handle({ params: { name: "docs" }, body } as never),
      );
    expect(call("/insert", {})).toBe("[INVALID_INPUT] vectors: Invalid input: expected array, received undefined");
    expect(call("/upsert-text", { items: [{ text: "x" }] })).toBe(
      "[INVALID_INPUT] items[0].id: Invalid input: expected string, received undefined",
    );
    expect(call("/query", { vector: [1], topk: 3 })).toBe('[INVALID_INPUT] (root): Unrecognized key: "topk"');
    expect(call("/calibrate", null)).toBe("[INVALID_INPUT] (root): Invalid input: expected object, received null");
  });
});
