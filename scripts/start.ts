/**
 * `npm start`: wrangler dev for apps/platform on 127.0.0.1:8787, fully local (no login, no
 * network). A fresh clone without .dev.vars gets a copy of .dev.vars.example first. Prints the
 * URL, a dev token for tenant `demo` and a curl that works with it.
 */
import { spawn } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { claimsFor, signToken } from "../apps/platform/src/auth.ts";
import { OFFLINE_ENV } from "./env.ts";
import { localSecret } from "./token.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const port = Number(process.env.PORT ?? 8787);

if (!existsSync(join(root, ".dev.vars"))) {
  copyFileSync(join(root, ".dev.vars.example"), join(root, ".dev.vars"));
  console.log("created .dev.vars from .dev.vars.example (local dev secret)");
}

const token = await signToken(localSecret(), claimsFor("demo", "tenant", 30 * 24 * 3600));
const url = `http://127.0.0.1:${port}`;
const child = spawn(
  join(root, "node_modules/.bin/wrangler"),
  ["dev", "--config", "wrangler.toml", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", "0"],
  { cwd: root, stdio: ["inherit", "pipe", "inherit"], env: { ...process.env, ...OFFLINE_ENV } },
);
let announced = false;
child.stdout.on("data", (chunk: Buffer) => {
  process.stdout.write(chunk);
  if (!announced && /Ready on/.test(chunk.toString())) {
    announced = true;
    console.log(`\nPlatform running at ${url}`);
    console.log(`Dev token for tenant "demo" (30 days):\n${token}\n`);
    console.log("Try:");
    console.log(`  curl ${url}/health`);
    console.log(
      `  curl -X PUT -H "Authorization: Bearer ${token}" -H "content-type: application/json" -d '{"value":"hello"}' ${url}/v1/tenants/demo/meta/greeting`,
    );
    console.log(`  curl -H "Authorization: Bearer ${token}" ${url}/v1/tenants/demo/meta/greeting\n`);
  }
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code) => process.exit(code ?? 0));
