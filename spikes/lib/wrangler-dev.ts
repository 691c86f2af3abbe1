/**
 * Starts the platform under `wrangler dev` on 127.0.0.1 (a free port, its own state folder,
 * a spike-only secret) for spikes that measure over HTTP, and stops it by process group.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { OFFLINE_ENV } from "../../scripts/env.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** The secret every spike's wrangler dev uses (spike tokens are signed with it). */
export const SPIKE_SECRET = "spike-secret-0123456789abcdef";

/**
 * The rate-limit gate's plans in spikes: `free` is raised so that load loops measure their route,
 * not 429s (the gate still runs on every tenant request). Pass `{ PLANS }` to override.
 */
export const SPIKE_PLANS = JSON.stringify([
  {
    name: "free",
    limits: [{ name: "minute", algorithm: "tokenBucket", capacity: 1_000_000_000, refillPerSecond: 1_000_000 }],
  },
]);

/** A running wrangler dev. */
export interface DevServer {
  url: string;
  /** Everything wrangler printed so far (stdout and stderr): uncaught errors land here. */
  output(): string;
  stop(): Promise<void>;
}

/** Options of {@link startDev}. */
export interface DevOptions {
  /** Extra `--var` values (e.g. `{ PLANS: "..." }`). */
  vars?: Record<string, string>;
  /** A wrangler config, relative to the repo root (default: the platform's `wrangler.toml`). */
  config?: string;
  /** wrangler's log level (default `error`). */
  logLevel?: "error" | "warn" | "info" | "log";
}

/** `n` distinct free ports: every probe stays open until all are chosen, so none repeats. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (typeof address !== "object" || !address) throw new Error("no port");
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function stopGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.pid === undefined) return resolve();
    child.once("exit", () => resolve());
    process.kill(-child.pid, "SIGTERM");
    setTimeout(() => {
      if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    }, 5000).unref();
  });
}

/**
 * Starts wrangler dev and waits until `/health` answers. A port chosen free can be taken by
 * another process before wrangler binds it (workerd opens ephemeral listeners of its own), so a
 * start that fails with "Address already in use" is tried again on new ports, up to 3 times.
 * @param options extra vars, another wrangler config, the log level
 */
export async function startDev(options: DevOptions = {}): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (attempt >= 3 || !String(error).includes("Address already in use")) throw error;
    }
  }
}

async function startOnce(options: DevOptions): Promise<DevServer> {
  const [port, inspectorPort] = (await freePorts(2)) as [number, number];
  const state = mkdtempSync(join(tmpdir(), "spike-wrangler-"));
  const config = options.config ?? "wrangler.toml";
  const args = ["dev", "--config", config, "--ip", "127.0.0.1", "--port", String(port)];
  args.push("--inspector-port", String(inspectorPort), "--persist-to", state);
  args.push("--log-level", options.logLevel ?? "error");
  for (const [key, value] of Object.entries({ AUTH_SECRET: SPIKE_SECRET, PLANS: SPIKE_PLANS, ...options.vars }))
    args.push("--var", `${key}:${value}`);
  const child = spawn(join(root, "node_modules/.bin/wrangler"), args, {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...OFFLINE_ENV },
  });
  let stderr = "";
  const collect = (chunk: Buffer) => {
    stderr += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      rmSync(state, { recursive: true, force: true });
      throw new Error(`wrangler dev exited: ${stderr}`);
    }
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stopGroup(child);
      throw new Error(`wrangler dev did not answer within 60 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    output: () => stderr,
    stop: async () => {
      await stopGroup(child);
      rmSync(state, { recursive: true, force: true });
    },
  };
}
