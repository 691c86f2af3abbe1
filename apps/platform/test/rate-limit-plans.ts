/**
 * The gate's plans in the workerd tests (set as `PLANS` in vitest.config.ts). `free` is made
 * huge so that the other test files, which send many requests per tenant, never meet the gate;
 * the rate-limit tests move their tenants onto the small plans with the operator route.
 * `starter` is the production `free` plan (60/min + 10,000/day).
 */
export const RATE_LIMIT_TEST_PLANS = [
  {
    name: "free",
    limits: [{ name: "minute", algorithm: "tokenBucket", capacity: 1_000_000, refillPerSecond: 1_000_000 }],
  },
  {
    name: "starter",
    limits: [
      { name: "minute", algorithm: "tokenBucket", capacity: 60, refillPerSecond: 1 },
      { name: "day", algorithm: "slidingWindow", limit: 10_000, windowMs: 86_400_000 },
    ],
  },
  { name: "tiny", limits: [{ name: "minute", algorithm: "tokenBucket", capacity: 10, refillPerSecond: 10 / 60 }] },
  {
    name: "enterprise",
    limits: [
      { name: "minute", algorithm: "tokenBucket", capacity: 1000, refillPerSecond: 1000 / 60 },
      { name: "day", algorithm: "slidingWindow", limit: 500_000, windowMs: 86_400_000 },
    ],
  },
];
