import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { SOURCE_CONDITION } from "../../vitest.source.ts";
import { RATE_LIMIT_TEST_PLANS } from "./test/rate-limit-plans.ts";

/**
 * workerd tests of the platform: real DO SQLite, alarms, R2 and RPC. The entry is
 * test/worker.ts (the real Worker plus fixture DOs); bindings come from the root wrangler.toml,
 * with the fixtures and a test secret added here so a fresh clone needs no .dev.vars.
 */
export default defineConfig({
  // The plugin adds workerd's own conditions after this one (tests run in Vite's ssr environment).
  resolve: { conditions: [SOURCE_CONDITION] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, "workerd", "worker", "module", "browser"] } },
  plugins: [
    cloudflareTest({
      main: "./test/worker.ts",
      wrangler: { configPath: "../../wrangler.toml" },
      remoteBindings: false,
      miniflare: {
        bindings: { AUTH_SECRET: "test-secret-0123456789", PLANS: JSON.stringify(RATE_LIMIT_TEST_PLANS) },
        durableObjects: {
          PROBE: { className: "TestProbeDO", useSQLite: true },
          TABLES_PROBE: { className: "TestTablesDO", useSQLite: true },
          THROWING_LIMITER: { className: "TestThrowingLimiterDO", useSQLite: true },
          LIMITER: { className: "TestLimiterDO", useSQLite: true },
          BAD_PLANS: { className: "TestBadPlansDO", useSQLite: true },
          SCHED: { className: "TestSchedulerDO", useSQLite: true },
          CDC_PROBE: { className: "TestCdcDO", useSQLite: true },
        },
      },
    }),
  ],
  test: { name: "platform", include: ["test/**/*.test.ts"], testTimeout: 30_000, silent: "passed-only" },
});
