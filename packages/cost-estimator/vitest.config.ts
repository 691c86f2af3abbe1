import { defineConfig } from "vitest/config";
import { sourceResolve } from "../../vitest.source.ts";

export default defineConfig({
  ...sourceResolve,
  test: { name: "cost-estimator", environment: "node", include: ["test/**/*.test.ts"], testTimeout: 30_000 },
});
