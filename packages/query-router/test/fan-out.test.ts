/**
 * FanOut: the concurrency cap, per-call timeout, overall deadline, the abort reaching the
 * callee, no timer left behind, errors read back from RPC, returned error values, the breaker
 * failing calls fast, and the 1,000-target limit.
 */
import { errorCodeOf, ManualClock, PlatformError } from "@durable/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BreakerRegistry } from "../src/circuit-breaker.ts";
import { FanOut, type Target } from "../src/index.ts";

const targets = (n: number): Target[] => Array.from({ length: n }, (_, i) => ({ name: `t${i}` }));
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

/** Counts live timers created through setTimeout while a test runs. */
function trackTimers() {
  const live = new Set<unknown>();
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  vi.spyOn(globalThis, "setTimeout").mockImplementation(((fn: () => void, ms?: number) => {
    const id = realSet(() => {
      live.delete(id);
      fn();
    }, ms);
    live.add(id);
    return id;
  }) as typeof setTimeout);
  vi.spyOn(globalThis, "clearTimeout").mockImplementation(((id: ReturnType<typeof setTimeout>) => {
    live.delete(id);
    realClear(id);
  }) as typeof clearTimeout);
  return live;
}

afterEach(() => vi.restoreAllMocks());

describe("FanOut", () => {
  it("never runs more than the concurrency cap at once", async () => {
    let running = 0;
    let peak = 0;
    const r = await new FanOut().run(
      targets(25),
      async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(5);
        running--;
        return 1;
      },
      { concurrency: 4 },
    );
    expect(peak).toBe(4);
    expect(r.succeeded).toBe(25);
  });

  it("a call past its timeout fails with TARGET_TIMEOUT and its signal aborts", async () => {
    const seen: boolean[] = [];
    const r = await new FanOut().run(
      targets(3),
      async (t, signal) => {
        if (t.name === "t1") {
          await sleep(1_000, signal).catch(() => seen.push(signal.aborted));
          return 0;
        }
        return 1;
      },
      { timeoutMs: 100 },
    );
    expect(r.outcomes.map((o) => (o.ok ? "ok" : o.code))).toEqual(["ok", "TARGET_TIMEOUT", "ok"]);
    expect(seen).toEqual([true]);
  });

  it("the deadline aborts every in-flight call (the callee sees it) and fails the rest", async () => {
    const aborted: string[] = [];
    const started: string[] = [];
    const r = await new FanOut().run(
      targets(6),
      async (t, signal, deadlineAt) => {
        started.push(t.name);
        expect(deadlineAt).toBeGreaterThan(Date.now());
        await sleep(10_000, signal).catch(() => aborted.push(t.name));
        return 1;
      },
      { concurrency: 3, deadlineMs: 150, timeoutMs: 5_000 },
    );
    expect(r.deadlineExceeded).toBe(true);
    expect(r.succeeded).toBe(0);
    expect(aborted.sort()).toEqual(started.sort());
    expect(r.outcomes.every((o) => !o.ok && o.code === "DEADLINE_EXCEEDED")).toBe(true);
  });

  it("gives up on a call that ignores its signal, on time", async () => {
    const t0 = Date.now();
    const r = await new FanOut().run(targets(1), () => new Promise<number>(() => {}), { timeoutMs: 100 });
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(r.outcomes[0]).toMatchObject({ ok: false, code: "TARGET_TIMEOUT" });
  });

  it("the caller's abort reaches every callee", async () => {
    const controller = new AbortController();
    const seen: unknown[] = [];
    const run = new FanOut().run(
      targets(3),
      async (_t, signal) => {
        await sleep(10_000, signal).catch(() => seen.push(signal.reason));
        return 1;
      },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 20);
    const r = await run;
    expect(seen).toHaveLength(3);
    expect(r.outcomes.every((o) => !o.ok)).toBe(true);
  });

  it("leaves no timer behind, whatever the outcome", async () => {
    const live = trackTimers();
    await new FanOut().run(
      targets(8),
      async (t, signal) => {
        if (t.name === "t0") throw new Error("boom");
        if (t.name === "t1") await sleep(10_000, signal);
        return 1;
      },
      { timeoutMs: 100, deadlineMs: 5_000 },
    );
    expect(live.size).toBe(0);
  });

  it("reads codes back from RPC errors and from returned error values", async () => {
    const r = await new FanOut().run(targets(3), async (t) => {
      if (t.name === "t0") throw new Error("PlatformError [TABLE_NOT_FOUND]: [TABLE_NOT_FOUND] table x does not exist");
      if (t.name === "t1") return { error: { code: "CONSENT_REQUIRED", message: "no" } };
      throw new PlatformError("GROUP_LIMIT_EXCEEDED", "too many", { status: 413 });
    });
    expect(r.outcomes.map((o) => (o.ok ? "ok" : o.code))).toEqual([
      "TABLE_NOT_FOUND",
      "CONSENT_REQUIRED",
      "GROUP_LIMIT_EXCEEDED",
    ]);
  });

  it("refuses more than 1,000 targets before any call", async () => {
    let calls = 0;
    const err = await new FanOut()
      .run(targets(1_001), async () => {
        calls++;
        return 1;
      })
      .catch((e: unknown) => e);
    expect(errorCodeOf(err)).toBe("TOO_MANY_TARGETS");
    expect(calls).toBe(0);
  });

  it("an open breaker fails calls fast with CIRCUIT_OPEN", async () => {
    const clock = new ManualClock(0);
    const fan = new FanOut({ breakers: new BreakerRegistry(clock, { failures: 2, openMs: 30_000 }) });
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error("down");
    };
    await fan.run(targets(1), failing);
    await fan.run(targets(1), failing);
    const r = await fan.run(targets(1), failing);
    expect(calls).toBe(2);
    expect(r.outcomes[0]).toMatchObject({ ok: false, code: "CIRCUIT_OPEN" });
  });
});
