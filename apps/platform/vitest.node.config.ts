import { defineConfig } from "vitest/config";
import { sourceResolve } from "../../vitest.source.ts";

/**
 * Node tests of the platform that need a real HTTP server: they start `wrangler dev` on
 * 127.0.0.1 and call it the way clients do (keep-alive connections, large bodies).
 */
export default defineConfig({
  ...sourceResolve,
  test: { name: "platform-http", environment: "node", include: ["node-test/**/*.test.ts"], testTimeout: 60_000 },
});
