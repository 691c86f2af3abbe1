import { defineConfig } from "vitest/config";
import { sourceResolve } from "../../../vitest.source.ts";

/**
 * The ops console's tests: view-model unit tests (Node) and the browser tests, which start the
 * platform under `wrangler dev` and drive Debian's Chromium with playwright-core (one file at a
 * time: they share the machine's two cores with everything else).
 */
export default defineConfig({
  ...sourceResolve,
  test: {
    name: "console",
    environment: "node",
    include: ["test/**/*.test.ts"],
    testTimeout: 90_000,
    hookTimeout: 90_000,
    fileParallelism: false,
  },
});
