// Generates apps/platform/worker-configuration.d.ts (runtime types + Env) from wrangler.toml.
// The file is git-ignored and made before every typecheck, so it never drifts from the config.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { OFFLINE_ENV } from "./env.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
execFileSync(
  join(root, "node_modules/.bin/wrangler"),
  ["types", "apps/platform/worker-configuration.d.ts", "--config", "wrangler.toml", "--env-file", ".dev.vars.example"],
  { cwd: root, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, ...OFFLINE_ENV } },
);
