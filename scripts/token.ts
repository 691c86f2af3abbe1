/**
 * `npm run token -- <tenant> [--role tenant|operator] [--platform] [--ttl <seconds>]`
 * Mints a token with the local secret (AUTH_SECRET from the environment, else .dev.vars, else
 * .dev.vars.example). The token alone is the last line of output.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { claimsFor, type Role, signToken } from "../apps/platform/src/auth.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The dev secret, read the way wrangler dev reads it. */
export function localSecret(): string {
  if (process.env.AUTH_SECRET) return process.env.AUTH_SECRET;
  for (const file of [".dev.vars", ".dev.vars.example"]) {
    const path = join(root, file);
    if (!existsSync(path)) continue;
    const match = /^AUTH_SECRET=(.+)$/m.exec(readFileSync(path, "utf8"));
    if (match?.[1]) return match[1].trim();
  }
  throw new Error("no AUTH_SECRET in the environment, .dev.vars or .dev.vars.example");
}

function usage(): never {
  console.error("usage: npm run token -- <tenant> [--role tenant|operator] [--platform] [--ttl <seconds>]");
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  let tenant: string | undefined;
  let role: Role = "tenant";
  let ttl = 30 * 24 * 3600;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--platform") role = "platform";
    else if (arg === "--role") {
      const value = argv[++i];
      if (value !== "tenant" && value !== "operator") usage();
      role = value;
    } else if (arg === "--ttl") ttl = Number(argv[++i]);
    else if (arg && !arg.startsWith("-")) tenant = arg;
    else usage();
  }
  if (role === "platform") tenant = "*";
  if (!tenant || !Number.isInteger(ttl) || ttl <= 0) usage();
  const token = await signToken(localSecret(), claimsFor(tenant, role, ttl));
  console.log(`# ${role} token for ${tenant}, valid ${ttl} s`);
  console.log(token);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main(process.argv.slice(2));
}
