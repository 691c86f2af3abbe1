/**
 * Calls many targets (shard DOs, tenant DOs) with a concurrency cap, a timeout per call and an
 * overall deadline. Each call gets one AbortSignal that fires on the caller's abort, its own
 * timeout or the deadline, plus the absolute deadline to pass on over RPC so the target stops
 * work too. A call that ignores its signal is still given up on time (raced against it). Every
 * timer is cleared when its call settles. Errors are read back from RPC with `fromRemoteError`
 * or taken from returned error values; a per-target circuit breaker fails calls fast.
 * @module
 */
import { errorCodeOf, fromRemoteError } from "@durable/core";
import type { BreakerRegistry } from "./circuit-breaker.ts";
import { qrError } from "./errors.ts";

/** One target of a fan-out. */
export interface Target {
  /** Unique name (the DO name, e.g. `acme:shard-3`); the breaker key. */
  name: string;
}

/** Limits of one fan-out. */
export interface FanOutOptions {
  /** Calls at once (default 10, 1–50). */
  concurrency?: number;
  /** Per-call timeout, ms (default 5 s, 100 ms–30 s). */
  timeoutMs?: number;
  /** Overall deadline from now, ms (default 10 s, at most 30 s). */
  deadlineMs?: number;
  /** The caller's signal. */
  signal?: AbortSignal;
}

/** The outcome of one target. */
export type TargetOutcome<T> =
  | { target: string; ok: true; value: T; ms: number }
  | { target: string; ok: false; code: string; message: string; ms: number };

/** What {@link FanOut.run} returns: every target's outcome, in target order. */
export interface FanOutResult<T> {
  outcomes: TargetOutcome<T>[];
  succeeded: number;
  attempted: number;
  /** The overall deadline passed before every call settled. */
  deadlineExceeded: boolean;
}

/** The most targets of one fan-out. */
export const MAX_TARGETS = 1_000;

/** Bounds of {@link FanOutOptions}. */
export const FANOUT_LIMITS = {
  concurrency: [1, 50],
  timeoutMs: [100, 30_000],
  deadlineMs: [1, 30_000],
} as const;

/** A value a target may return instead of throwing: `{ error: { code, message } }`. */
function returnedError(value: unknown): { code: string; message: string } | undefined {
  if (value === null || typeof value !== "object" || !("error" in value)) return undefined;
  const e = (value as { error: unknown }).error;
  if (e && typeof e === "object" && typeof (e as { code?: unknown }).code === "string") {
    const m = (e as { message?: unknown }).message;
    return { code: (e as { code: string }).code, message: typeof m === "string" ? m : "" };
  }
  return undefined;
}

function clamp(value: number | undefined, fallback: number, [lo, hi]: readonly [number, number]): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v)) return fallback;
  return Math.min(hi, Math.max(lo, Math.floor(v)));
}

/** Runs calls over targets; one instance per router (it holds the breakers). */
export class FanOut {
  readonly #breakers: BreakerRegistry | undefined;
  readonly #now: () => number;
  readonly #defaults: Required<Omit<FanOutOptions, "signal">>;

  constructor(o: { breakers?: BreakerRegistry; now?: () => number; defaults?: Omit<FanOutOptions, "signal"> } = {}) {
    this.#breakers = o.breakers;
    this.#now = o.now ?? Date.now;
    this.#defaults = {
      concurrency: o.defaults?.concurrency ?? 10,
      timeoutMs: o.defaults?.timeoutMs ?? 5_000,
      deadlineMs: o.defaults?.deadlineMs ?? 10_000,
    };
  }

  /**
   * Calls `call` once per target.
   * @throws {TOO_MANY_TARGETS} 400 for more than 1,000 targets (before any call)
   */
  async run<T>(
    targets: readonly Target[],
    call: (t: Target, signal: AbortSignal, deadlineAt: number) => Promise<T>,
    o: FanOutOptions = {},
  ): Promise<FanOutResult<T>> {
    if (targets.length > MAX_TARGETS) {
      throw qrError("TOO_MANY_TARGETS", `${targets.length} targets; at most ${MAX_TARGETS}`);
    }
    const concurrency = clamp(o.concurrency, this.#defaults.concurrency, FANOUT_LIMITS.concurrency);
    const timeoutMs = clamp(o.timeoutMs, this.#defaults.timeoutMs, FANOUT_LIMITS.timeoutMs);
    const deadlineMs = clamp(o.deadlineMs, this.#defaults.deadlineMs, FANOUT_LIMITS.deadlineMs);
    const deadlineAt = this.#now() + deadlineMs;
    const outcomes: TargetOutcome<T>[] = new Array(targets.length);
    const all = new AbortController();
    const deadlineTimer = setTimeout(() => all.abort(deadlineReason()), deadlineMs);
    const onCallerAbort = () => all.abort(o.signal?.reason ?? abortedReason());
    o.signal?.addEventListener("abort", onCallerAbort, { once: true });
    if (o.signal?.aborted) onCallerAbort();
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < targets.length; i = next++) {
        outcomes[i] = await this.#one(targets[i] as Target, call, all.signal, timeoutMs, deadlineAt);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
    } finally {
      clearTimeout(deadlineTimer);
      o.signal?.removeEventListener("abort", onCallerAbort);
    }
    const succeeded = outcomes.filter((x) => x.ok).length;
    const deadlineExceeded = outcomes.some((x) => !x.ok && x.code === "DEADLINE_EXCEEDED");
    return { outcomes, succeeded, attempted: targets.length, deadlineExceeded };
  }

  async #one<T>(
    target: Target,
    call: (t: Target, signal: AbortSignal, deadlineAt: number) => Promise<T>,
    parent: AbortSignal,
    timeoutMs: number,
    deadlineAt: number,
  ): Promise<TargetOutcome<T>> {
    const started = this.#now();
    const fail = (code: string, message: string): TargetOutcome<T> => ({
      target: target.name,
      ok: false,
      code,
      message,
      ms: this.#now() - started,
    });
    if (parent.aborted) return failFromReason(parent.reason, fail);
    const breaker = this.#breakers?.of(target.name);
    if (breaker && !breaker.tryAcquire()) return fail("CIRCUIT_OPEN", `circuit open for ${target.name}`);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(timeoutReason(timeoutMs)), timeoutMs);
    const onParent = () => controller.abort(parent.reason);
    parent.addEventListener("abort", onParent, { once: true });
    let settle: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = () => reject(controller.signal.reason);
      controller.signal.addEventListener("abort", onAbort, { once: true });
      settle = () => controller.signal.removeEventListener("abort", onAbort);
    });
    aborted.catch(() => undefined);
    try {
      const value = await Promise.race([call(target, controller.signal, deadlineAt), aborted]);
      const returned = returnedError(value);
      if (returned) {
        breaker?.failure();
        return fail(returned.code, returned.message);
      }
      breaker?.success();
      return { target: target.name, ok: true, value, ms: this.#now() - started };
    } catch (err) {
      const outcome = failFromReason(controller.signal.aborted ? controller.signal.reason : err, fail);
      // The caller's abort or the shared deadline says nothing certain about this target's health.
      if (!outcome.ok && (outcome.code === "ABORTED" || outcome.code === "DEADLINE_EXCEEDED")) breaker?.release();
      else breaker?.failure();
      return outcome;
    } finally {
      clearTimeout(timer);
      settle?.();
      parent.removeEventListener("abort", onParent);
    }
  }
}

class FanOutAbort extends Error {
  constructor(
    readonly code: "DEADLINE_EXCEEDED" | "TARGET_TIMEOUT" | "ABORTED",
    message: string,
  ) {
    super(message);
  }
}

const deadlineReason = () => new FanOutAbort("DEADLINE_EXCEEDED", "the overall deadline passed");
const timeoutReason = (ms: number) => new FanOutAbort("TARGET_TIMEOUT", `no answer within ${ms} ms`);
const abortedReason = () => new FanOutAbort("ABORTED", "the caller aborted");

function failFromReason<T>(
  reason: unknown,
  fail: (code: string, message: string) => TargetOutcome<T>,
): TargetOutcome<T> {
  if (reason instanceof FanOutAbort) return fail(reason.code, reason.message);
  const remote = fromRemoteError(reason);
  if (remote) return fail(remote.code, remote.detail);
  if (reason instanceof Error && reason.name === "AbortError") return fail("ABORTED", reason.message);
  const code = errorCodeOf(reason) ?? "TARGET_FAILED";
  return fail(code, reason instanceof Error ? reason.message : String(reason));
}
