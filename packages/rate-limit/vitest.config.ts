import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { name: "rate-limit", environment: "node", include: ["test/**/*.test.ts"] },
});
