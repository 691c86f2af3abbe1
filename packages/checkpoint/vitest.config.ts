import { defineConfig } from "vitest/config";
import { sourceResolve } from "../../vitest.source.ts";

export default defineConfig({
  ...sourceResolve,
  test: { name: "checkpoint", environment: "node", include: ["test/**/*.test.ts"], testTimeout: 60_000 },
});
