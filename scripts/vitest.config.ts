import { defineConfig } from "vitest/config";
import { sourceResolve } from "../vitest.source.ts";

/** Node tests of the repository's own scripts (check:dist's import-graph check over fixture packages). */
export default defineConfig({
  ...sourceResolve,
  test: { name: "scripts", environment: "node", include: ["test/**/*.test.ts"] },
});
