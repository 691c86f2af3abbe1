import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { name: "cdc", environment: "node", include: ["test/**/*.test.ts"] },
});
