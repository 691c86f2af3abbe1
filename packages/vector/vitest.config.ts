import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { name: "vector", environment: "node", include: ["test/**/*.test.ts"] },
});
