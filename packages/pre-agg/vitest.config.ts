import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { name: "pre-agg", environment: "node", include: ["test/**/*.test.ts"] },
});
