/**
 * zod schemas of everything that crosses a boundary: limits, plans, the limiter's config,
 * overrides and the bodies of the HTTP routes. Internal code takes the inferred types and
 * never re-validates.
 * @module
 */
import * as z from "zod/mini";
import { MAX_LIMIT, MAX_LOG_LIMIT, MAX_WINDOW_MS, MIN_WINDOW_MS } from "./algorithms/types.ts";
import { DEFAULT_TABLE_PREFIX, TABLE_PREFIX_PATTERN } from "./migrations.ts";

/** Names of plans and limits: `[a-z0-9_-]{1,64}`. */
export const NameSchema = z.string().check(z.regex(/^[a-z0-9_-]{1,64}$/, "must match [a-z0-9_-]{1,64}"));

const count = z.number().check(z.int(), z.gte(0), z.lte(MAX_LIMIT));
const windowMs = z.number().check(z.int(), z.gte(MIN_WINDOW_MS), z.lte(MAX_WINDOW_MS));

/** Token bucket: `capacity` tokens refilled continuously at `refillPerSecond` (> 0). The default. */
export const TokenBucketSpecSchema = z.strictObject({
  name: NameSchema,
  algorithm: z.literal("tokenBucket"),
  capacity: count,
  refillPerSecond: z.number().check(z.gt(0), z.lte(MAX_LIMIT)),
});

/** GCRA: `limit` per `periodMs`, at most `burst` at once (default `burst` = `limit`). */
export const GcraSpecSchema = z.strictObject({
  name: NameSchema,
  algorithm: z.literal("gcra"),
  limit: count,
  periodMs: windowMs,
  burst: count,
});

/** Sliding window counter: `limit` per `windowMs`, weighted O(1) estimate. */
export const SlidingWindowSpecSchema = z.strictObject({
  name: NameSchema,
  algorithm: z.literal("slidingWindow"),
  limit: count,
  windowMs,
});

/** Sliding log: exact `limit` (≤ 10,000) per `windowMs`, one row per admitted request. */
export const SlidingLogSpecSchema = z.strictObject({
  name: NameSchema,
  algorithm: z.literal("slidingLog"),
  limit: z.number().check(z.int(), z.gte(0), z.lte(MAX_LOG_LIMIT)),
  windowMs,
});

/** Fixed window: `limit` per `windowMs`, windows aligned to the Unix epoch. */
export const FixedWindowSpecSchema = z.strictObject({
  name: NameSchema,
  algorithm: z.literal("fixedWindow"),
  limit: count,
  windowMs,
});

/** One limit of a plan. */
export const LimitSpecSchema = z.discriminatedUnion("algorithm", [
  TokenBucketSpecSchema,
  GcraSpecSchema,
  SlidingWindowSpecSchema,
  SlidingLogSpecSchema,
  FixedWindowSpecSchema,
]);

/** One limit of a plan (the validated form). */
export type LimitSpec = z.infer<typeof LimitSpecSchema>;

/**
 * The input form of a limit: `algorithm` defaults to `tokenBucket`, GCRA's `burst` to its `limit`.
 * @internal
 */
export const LimitInputSchema = z.pipe(
  z.transform((raw: unknown) => {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return raw as LimitSpec;
    const o = { ...(raw as Record<string, unknown>) };
    if (o.algorithm === undefined) o.algorithm = "tokenBucket";
    if (o.algorithm === "gcra" && o.burst === undefined) o.burst = o.limit;
    // Not yet a LimitSpec: the pipe's second half checks it.
    return o as LimitSpec;
  }),
  LimitSpecSchema,
);

/** 1–8 limits with distinct names. */
export const LimitsSchema = z.array(LimitInputSchema).check(
  z.minLength(1),
  z.maxLength(8),
  z.refine((ls) => new Set(ls.map((l) => l.name)).size === ls.length, "limit names must be distinct"),
);

/** A named set of limits, all checked together. */
export const PlanSchema = z.strictObject({ name: NameSchema, limits: LimitsSchema });

/** A plan: a name and 1–8 limits. */
export type Plan = z.infer<typeof PlanSchema>;

/** Most plans one limiter holds. */
export const MAX_PLANS = 100;

/**
 * A table prefix inside the package's reserved `rl_` prefix: `rl_` (the default) or e.g.
 * `rl_gate_`, so two limiters can share one DO without sharing state.
 */
export const TablePrefixSchema = z
  .string()
  .check(
    z.maxLength(32),
    z.regex(TABLE_PREFIX_PATTERN, "must be rl_ or start with rl_ and end with _ (lowercase letters, digits, _)"),
  );

/**
 * The limiter's configuration: its read-only plans, the default plan, the cache size and the
 * prefix of its tables.
 */
export const RateLimitConfigSchema = z
  .strictObject({
    plans: z.array(PlanSchema).check(z.minLength(1), z.maxLength(MAX_PLANS)),
    defaultPlan: NameSchema,
    cacheSize: z._default(z.number().check(z.int(), z.gte(1), z.lte(1_000_000)), 10_000),
    tablePrefix: z._default(TablePrefixSchema, DEFAULT_TABLE_PREFIX),
  })
  .check(
    z.refine((c) => new Set(c.plans.map((p) => p.name)).size === c.plans.length, "plan names must be distinct"),
    z.refine((c) => c.plans.some((p) => p.name === c.defaultPlan), {
      message: "defaultPlan must name one of plans",
      path: ["defaultPlan"],
    }),
  );

/** The limiter's configuration (validated). */
export type RateLimitConfig = z.infer<typeof RateLimitConfigSchema>;

/** The limiter's configuration as given (defaults not applied yet). */
export type RateLimitConfigInput = z.input<typeof RateLimitConfigSchema>;

/** A per-key override: another plan, or inline limits. */
export const OverrideSchema = z.union([z.strictObject({ plan: NameSchema }), z.strictObject({ limits: LimitsSchema })]);

/** A per-key override (validated). */
export type Override = z.infer<typeof OverrideSchema>;

/** Body of `POST /rate-limit/check`. */
export const CheckBodySchema = z.strictObject({
  key: z.string(),
  cost: z.optional(z.unknown()),
  limits: z.optional(z.array(z.string()).check(z.maxLength(8))),
});

/** Body of `PUT /rate-limit/keys/:key/override`. */
export const OverrideBodySchema = z.union([
  z.strictObject({ plan: NameSchema, expiresAt: z.optional(z.number().check(z.int(), z.gt(0))) }),
  z.strictObject({ limits: LimitsSchema, expiresAt: z.optional(z.number().check(z.int(), z.gt(0))) }),
]);

/** Body of `PUT /rate-limit/plans/:name`. */
export const PlanBodySchema = z.strictObject({ limits: LimitsSchema });

/** The `PLANS` variable of the platform: a JSON array of plans. */
export const PlansSchema = z.array(PlanSchema).check(z.minLength(1), z.maxLength(MAX_PLANS));
