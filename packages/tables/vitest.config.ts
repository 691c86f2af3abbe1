import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { name: "tables", environment: "node", include: ["test/**/*.test.ts"] },
});
