/**
 * The browser tests' setup: the platform under `wrangler dev` (127.0.0.1, its own state folder),
 * tenant `demo` seeded with `scripts/demo.ts --url` plus a little of each capability (a CDC
 * consumer with lag, a dead letter, a DAG run, a local checkpoint), tokens signed with the
 * server's secret, and Debian's Chromium launched through playwright-core.
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { type DevServer, SPIKE_SECRET, startDev } from "../../../../spikes/lib/wrangler-dev.ts";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../../..");
/** Screenshots of each run (git-ignored: `.spike-tmp/` is in .gitignore). */
export const ARTIFACTS = join(ROOT, ".spike-tmp/console-screens");

/** The gate's plans of the test server: `free` is roomy; `tiny` (10 a minute) meets 429s. */
export const TEST_PLANS = JSON.stringify([
  { name: "free", limits: [{ name: "minute", algorithm: "tokenBucket", capacity: 100_000, refillPerSecond: 1_000 }] },
  { name: "tiny", limits: [{ name: "minute", algorithm: "tokenBucket", capacity: 10, refillPerSecond: 10 / 60 }] },
]);

type Role = "tenant" | "operator" | "platform";
interface Claims {
  sub: string;
  tenant: string;
  role: Role;
  scopes: string[];
  exp: number;
  iat: number;
}
interface Auth {
  claimsFor(tenant: string, role: Role, ttlSeconds: number): Claims;
  signToken(secret: string, claims: Claims): Promise<string>;
}
// The platform's own signer, loaded by a path TS does not follow: its Workers crypto typing
// clashes with the DOM library this project checks the page's modules with.
const AUTH_MODULE = new URL("../../src/auth.ts", import.meta.url).href;

/** A token signed with the test server's secret (the platform's `signToken`). */
export async function token(tenant: string, role: Role = "tenant", scopes?: string[]): Promise<string> {
  const auth = (await import(AUTH_MODULE)) as Auth;
  const claims = auth.claimsFor(tenant, role, 3600);
  return auth.signToken(SPIKE_SECRET, scopes ? { ...claims, scopes } : claims);
}

/** A parsed JSON answer (whatever JSON.parse gives: the tests read fields by name). */
type Json = ReturnType<typeof JSON.parse>;

/** A JSON client of one tenant, for seeding and for the numbers the page must equal. */
export function client(base: string, tenant: string, bearer: string) {
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const res = await fetch(`${base}/v1/tenants/${tenant}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}

/**
 * Runs `npm run demo -- --url <base>` (20,000 flights into tenant `demo`), with the server's
 * secret. The demo is idempotent, so a run cut short by `wrangler dev` reloading (it watches the
 * source tree, which other work may touch) is run once more.
 */
export async function seedDemo(base: string): Promise<void> {
  try {
    await runDemo(base);
  } catch {
    await new Promise((r) => setTimeout(r, 2_000));
    await runDemo(base);
  }
}

function runDemo(base: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(ROOT, "node_modules/.bin/tsx"), [join(ROOT, "scripts/demo.ts"), "--url", base], {
      cwd: ROOT,
      env: { ...process.env, AUTH_SECRET: SPIKE_SECRET },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`demo exited ${code}:\n${out}`))));
  });
}

/** A little of every capability beyond the demo's table, through the documented routes. */
export async function seedCapabilities(base: string): Promise<void> {
  const api = client(base, "demo", await token("demo"));
  const must = async (method: string, path: string, body?: unknown) => {
    const r = await api(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  if ((await api("GET", "/tables/notes")).status === 404) {
    await must("POST", "/tables", {
      name: "notes",
      columns: [
        { name: "id", type: "integer" },
        { name: "body", type: "text" },
      ],
      primaryKey: "id",
    });
    await must("POST", "/cdc/tables", { table: "notes" });
    await must("POST", "/cdc/consumers", { name: "audit", sink: { type: "pull" }, startAt: "earliest" });
  }
  await must("POST", "/tables/notes/rows", { rows: [1, 2, 3, 4, 5].map((id) => ({ id, body: `note ${id}` })) });
  await must("POST", "/scheduler/schedules", { key: "nightly", handler: "platform.noop", when: { cron: "0 3 * * *" } });
  // A global checkpoint without participants fails for good: a dead letter to replay.
  await must("POST", "/scheduler/schedules", {
    key: "global-now",
    handler: "checkpoint.global",
    when: { delayMs: 0 },
    retry: { maxAttempts: 1 },
  });
  await must("PUT", "/scheduler/dags/etl", {
    tasks: [
      { id: "extract", handler: "platform.noop" },
      { id: "clean", handler: "platform.noop", dependsOn: ["extract"] },
      { id: "enrich", handler: "platform.noop", dependsOn: ["extract"] },
      { id: "load", handler: "platform.noop", dependsOn: ["clean", "enrich"] },
    ],
  });
  await must("POST", "/scheduler/dags/etl/runs", { key: "2026-12-04" });
  await must("POST", "/checkpoint/local", {});
  const info = await must("GET", "/info");
  if (info.capabilities.includes("vector") && (await api("GET", "/vector/indexes/docs")).status === 404) {
    await must("POST", "/vector/indexes", { name: "docs", dimensions: 8, metric: "cosine", ivfThreshold: 16 });
    // 40 seeded vectors in two clusters: past the threshold, so the index trains IVF on a wake-up.
    const vectors = Array.from({ length: 40 }, (_, i) => ({
      id: `doc-${i}`,
      values: Array.from({ length: 8 }, (_, d) => (d === i % 2 ? 1 : 0) + ((i * 7 + d * 13) % 10) / 100),
    }));
    await must("POST", "/vector/indexes/docs/upsert", { vectors });
  }
  for (let i = 0; i < 50; i++) {
    const letters = await must("GET", "/scheduler/dead-letters");
    const run = await must("GET", "/scheduler/dags/etl/runs");
    if (letters.items.length > 0 && run.items[0]?.status !== "running") return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("the dead letter or the DAG run did not settle within 10 s");
}

/** The Chromium on PATH (Debian's package; `.ci/run` installs it). */
export function chromiumPath(): string {
  const found = spawnSync("sh", ["-c", "command -v chromium || command -v chromium-browser"], { encoding: "utf8" });
  const path = found.stdout.trim().split("\n")[0];
  if (!path) throw new Error("no chromium on PATH: apt-get install -y chromium");
  return path;
}

/**
 * Headless Chromium with no background traffic (it gets refused here). playwright-core gives
 * every launch a fresh temporary profile (it refuses a `--user-data-dir` argument).
 */
export async function launch(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
    },
  };
}

/** Starts the platform for one test file (request log lines on: the token check reads them). */
export async function platform(): Promise<DevServer> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return startDev({ vars: { PLANS: TEST_PLANS }, logLevel: "log" });
}
