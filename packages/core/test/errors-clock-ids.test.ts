/** Proves error codes survive a message-only crossing (as RPC does), and the clock and id contracts. */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  errorCodeOf,
  errorResponse,
  fnv1a32,
  fromRemoteError,
  IdGenerator,
  isPlatformError,
  ManualClock,
  PlatformError,
  parseOrThrow,
} from "../src/index.ts";

describe("PlatformError", () => {
  it("keeps its code across an RPC-like crossing that keeps only the message", () => {
    const err = new PlatformError("TABLE_NOT_FOUND", "no table orders", { status: 404 });
    expect(err.message).toBe("[TABLE_NOT_FOUND] no table orders");
    expect(isPlatformError(err, "TABLE_NOT_FOUND")).toBe(true);
    expect(isPlatformError(err, "OTHER")).toBe(false);
    const remote = new Error(err.message);
    expect(errorCodeOf(remote)).toBe("TABLE_NOT_FOUND");
    const rebuilt = fromRemoteError(remote, 404);
    expect(rebuilt?.code).toBe("TABLE_NOT_FOUND");
    expect(rebuilt?.detail).toBe("no table orders");
    expect(errorCodeOf(new Error("plain"))).toBeUndefined();
    expect(fromRemoteError("nope")).toBeUndefined();
  });

  it("reads the code from the `<name>: <message>` form that real Workers RPC delivers", () => {
    // Seen in workerd (apps/platform/test/tables-rpc.test.ts): the name is folded into the message.
    const remote = new Error("PlatformError [TABLE_EXISTS]: [TABLE_EXISTS] table t1 already exists");
    expect(errorCodeOf(remote)).toBe("TABLE_EXISTS");
    expect(fromRemoteError(remote, 409)?.detail).toBe("table t1 already exists");
    expect(errorCodeOf(new Error("Error: [NOT A CODE] x"))).toBeUndefined();
  });

  it("turns into the JSON error body, and hides everything of an unknown error", async () => {
    const res = errorResponse(
      new PlatformError("RATE_LIMITED", "slow down", {
        status: 429,
        headers: { "retry-after": "3" },
        extra: { retryAfter: 3000 },
      }),
    );
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("3");
    expect(await res.json()).toEqual({ error: { code: "RATE_LIMITED", message: "slow down", retryAfter: 3000 } });
    const internal = errorResponse(new Error("secret detail at line 3"), "req-1");
    expect(internal.status).toBe(500);
    const text = await internal.text();
    expect(text).not.toContain("secret");
    expect(JSON.parse(text).error.code).toBe("INTERNAL");
    expect(text).toContain("req-1");
  });

  it("parseOrThrow reports the zod path", () => {
    const schema = z.object({ rows: z.array(z.object({ price: z.number() })) });
    expect(() => parseOrThrow(schema, { rows: [{ price: 1 }, { price: "x" }] }, "INVALID_ROW")).toThrow(
      /\[INVALID_ROW\] rows\[1\]\.price/,
    );
    expect(parseOrThrow(schema, { rows: [] })).toEqual({ rows: [] });
  });
});

describe("ManualClock and IdGenerator", () => {
  it("ids sort by time and stay monotonic within a millisecond and when the clock goes back", () => {
    const clock = new ManualClock(1_700_000_000_000);
    const ids = new IdGenerator(clock);
    const made: string[] = [];
    for (let i = 0; i < 50; i++) made.push(ids.next());
    clock.advance(5);
    made.push(ids.next());
    clock.set(1_600_000_000_000);
    made.push(ids.next());
    expect(made.every((id) => id.length === 26)).toBe(true);
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
  });

  it("fnv1a32 matches the reference vectors", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(fnv1a32("foobar")).toBe(0xbf9cf968);
  });
});

describe("errorCodes", () => {
  it("declares codes once: status, guard and error carrying the code across RPC", async () => {
    const { errorCodes, errorCodeOf } = await import("../src/index.ts");
    const codes = errorCodes({ NOT_THERE: 404, BAD: 400 });
    const err = codes.error("NOT_THERE", "no such row");
    expect([err.code, err.status, err.message]).toEqual(["NOT_THERE", 404, "[NOT_THERE] no such row"]);
    expect(codes.error("BAD", "x", 413).status).toBe(413);
    const remote = new Error(`PlatformError [BAD]: ${codes.error("BAD", "oops").message}`);
    expect(codes.is(errorCodeOf(remote))).toBe(true);
    expect(codes.is("OTHER")).toBe(false);
    expect(codes.is(undefined)).toBe(false);
    expect(codes.is("toString")).toBe(false);
  });
});
