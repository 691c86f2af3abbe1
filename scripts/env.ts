/**
 * Environment for every wrangler/turbo call of the repo: nothing reaches for the network, and
 * wrangler's esbuild resolves workspace packages through their sources (the `@durable/source`
 * export condition, listed before wrangler's own `workerd`, `worker` and `browser`).
 */
export const OFFLINE_ENV: Record<string, string> = {
  WRANGLER_BUILD_CONDITIONS: "@durable/source,workerd,worker,browser",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  TURBO_TELEMETRY_DISABLED: "1",
};
