/**
 * Pins the exact text of representative validation messages (wrong type, too small/too big,
 * a custom regex message, a discriminator, nested paths, coerced query values), so the move
 * from full `zod` to `zod/mini` (issue 15) is proven to change none of them.
 */
import type { RouteRequest } from "@durable/core";
import { thrownMessage } from "@durable/core/testing";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/config.ts";
import { parseMessage } from "../src/messages.ts";
import { accountHost } from "./helpers.ts";

describe("validation messages", () => {
  it("the configuration: too small, wrong type, a pattern without a custom message", () => {
    expect(thrownMessage(() => resolveConfig({ chunkBytes: 10 }))).toBe(
      "[CONFIG_INVALID] chunkBytes: Too small: expected number to be >=1024",
    );
    expect(thrownMessage(() => resolveConfig({ keepLast: "3" as never }))).toBe(
      "[CONFIG_INVALID] keepLast: Invalid input: expected number, received string",
    );
    expect(thrownMessage(() => resolveConfig({ blobPrefix: "a b" }))).toBe(
      "[CONFIG_INVALID] blobPrefix: Invalid string: must match pattern /^[A-Za-z0-9._:/-]{1,200}$/",
    );
  });

  it("participant messages: a discriminator, nested paths, a custom message, too big", () => {
    expect(thrownMessage(() => parseMessage({ type: "nope" }))).toBe(
      "[INVALID_INPUT] type: Invalid discriminator value. Expected 'data' | 'barrier' | 'ack' | 'complete' | 'abort' | 'pause' | 'restoreEpoch' | 'resume'",
    );
    expect(
      thrownMessage(() => parseMessage({ type: "data", from: "a", inc: 0, messages: [{ seq: 0, body: 1 }] })),
    ).toBe(
      "[INVALID_INPUT] messages[0].seq: Too small: expected number to be >=1; messages[0].body: Invalid input: expected string, received number",
    );
    expect(thrownMessage(() => parseMessage({ type: "abort", from: "-a", epoch: 1, reason: "x".repeat(501) }))).toBe(
      "[INVALID_INPUT] from: a DO name; reason: Too big: expected string to have <=500 characters",
    );
  });

  it("routes: coerced query values, an enum, an id with a prefix, a strict body", async () => {
    const { cap } = await accountHost();
    const call = async (method: string, path: string, input: Partial<RouteRequest>) => {
      const route = cap.routes.find((r) => r.method === method && r.path === path);
      if (!route) throw new Error(`no route ${method} ${path}`);
      try {
        await route.handle({ params: {}, query: new URLSearchParams(), body: undefined, ...input } as RouteRequest);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error("expected a failure");
    };
    expect(await call("GET", "/checkpoint/local", { query: new URLSearchParams("limit=0") })).toBe(
      "[INVALID_INPUT] limit: Too small: expected number to be >=1",
    );
    expect(await call("GET", "/checkpoint/epochs", { query: new URLSearchParams("status=done&limit=abc") })).toBe(
      '[INVALID_INPUT] status: Invalid option: expected one of "pending"|"completed"|"aborted"; limit: Invalid input: expected number, received NaN',
    );
    expect(await call("GET", "/checkpoint/local/:id", { params: { id: "nope" } })).toBe(
      "[INVALID_INPUT] id: a snapshot id or latest",
    );
    expect(await call("GET", "/checkpoint/epochs/:epoch", { params: { epoch: "1.5" } })).toBe(
      "[INVALID_INPUT] epoch: Invalid input: expected int, received number",
    );
    expect(await call("POST", "/checkpoint/epochs", { body: { timeoutMs: 10, x: 1 } })).toBe(
      '[INVALID_INPUT] timeoutMs: Too small: expected number to be >=1000; (root): Unrecognized key: "x"',
    );
  });
});
