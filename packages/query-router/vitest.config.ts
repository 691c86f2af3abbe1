import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { name: "query-router", environment: "node", include: ["test/**/*.test.ts"] },
});
