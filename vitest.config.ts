import { defineConfig } from "vitest/config";

/**
 * One run covers every package and the app: each workspace has its own vitest.config.ts
 * (Node for packages, workerd for apps/platform) and is listed here as a project.
 */
export default defineConfig({
  test: {
    projects: [
      "packages/*",
      "apps/*",
      "apps/platform/vitest.node.config.ts",
      "apps/platform/console/vitest.config.ts",
      "scripts/vitest.config.ts",
    ],
    // A DO RPC method that throws surfaces as an unhandled rejection tagged `remote: true`
    // even when the test awaited and asserted it (workers-sdk#14736, research/toolchain.md §6).
    // Only those are ignored; every other unhandled error still fails the run.
    onUnhandledError(error) {
      if ((error as { remote?: unknown }).remote === true) return false;
    },
  },
});
