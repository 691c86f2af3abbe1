/**
 * Which entries a Worker can import from each package under packages/: the main export and every
 * other Worker subpath of its exports map (`@durable/core/arrow`; `./node` is the Node adapter and
 * `./testing` the test helpers, neither of which a Worker ships). Entries come from the built
 * `dist/` when the build exists (what `npm install` gives a user), else from `src/` through the
 * `@durable/source` condition (what wrangler bundles inside the monorepo).
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { OFFLINE_ENV } from "../../scripts/env.ts";

/** Packages whose budget does not apply: they carry a Parquet reader/writer by design. */
export const PARQUET_PACKAGES = new Set(["@durable/pre-agg", "@durable/cdc"]);

/** Export subpaths a Worker never imports. */
const NOT_FOR_WORKERS = new Set(["./node", "./testing", "./package.json"]);

/** One importable entry. */
export interface Entry {
  /** `@durable/core` or `@durable/core/arrow`. */
  specifier: string;
  /** The package it belongs to. */
  pkg: string;
  /** `.` or the subpath. */
  subpath: string;
  /** Absolute file esbuild starts from. */
  file: string;
}

/** Where the entries come from in this run. */
export interface EntrySource {
  mode: "dist" | "source";
  /** esbuild conditions for that mode. */
  conditions: string[];
  /** Why this mode (printed with the results). */
  note: string;
}

interface PackageJson {
  name: string;
  scripts?: Record<string, string>;
  exports?: Record<string, Record<string, string> | string>;
}

function readJson(file: string): PackageJson {
  return JSON.parse(readFileSync(file, "utf8")) as PackageJson;
}

/** Package folders under packages/ that have code. */
function packageDirs(root: string): string[] {
  return readdirSync(join(root, "packages"), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, "packages", d.name, "package.json")))
    .map((d) => join(root, "packages", d.name))
    .filter((dir) => existsSync(join(dir, "src", "index.ts")))
    .sort();
}

/** turbo's cache status of every `build` task that has a command (`npx turbo run build --dry=json`). */
function buildCacheStatus(root: string): { hit: string[]; miss: string[] } | undefined {
  const dry = spawnSync(join(root, "node_modules/.bin/turbo"), ["run", "build", "--dry=json"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ...OFFLINE_ENV },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60_000,
  });
  if (dry.status !== 0) return undefined;
  try {
    const plan = JSON.parse(dry.stdout) as { tasks: { taskId: string; command: string; cache: { status: string } }[] };
    const tasks = plan.tasks.filter((t) => t.command !== "<NONEXISTENT>");
    return {
      hit: tasks.filter((t) => t.cache.status === "HIT").map((t) => t.taskId),
      miss: tasks.filter((t) => t.cache.status !== "HIT").map((t) => t.taskId),
    };
  } catch {
    return undefined;
  }
}

/**
 * Runs the root `build` (turbo) when the repo has one, and reports whether every package's
 * `dist/` is then in place; otherwise the run measures sources. With `onlyIfCached` (quick runs,
 * which must finish in a minute) the build runs only when turbo has every task cached (a restore
 * takes seconds; compiling every package takes minutes on the shared machine).
 * @param root the repo root
 * @param onlyIfCached build only when turbo's cache holds every package's build
 */
export function prepareEntries(root: string, onlyIfCached: boolean): EntrySource {
  const rootPkg = readJson(join(root, "package.json"));
  const conditionsSource = ["@durable/source", "workerd", "worker", "browser"];
  if (!rootPkg.scripts?.build) {
    return { mode: "source", conditions: conditionsSource, note: "no root build script yet: src/ via @durable/source" };
  }
  if (onlyIfCached) {
    const status = buildCacheStatus(root);
    if (!status || status.miss.length > 0) {
      const why = status ? `${status.miss.length} of ${status.miss.length + status.hit.length} not cached` : "no plan";
      return {
        mode: "source",
        conditions: conditionsSource,
        note: `quick run, turbo's build cache is stale (${why}): src/ via @durable/source (\`npm run build\` first to size dist/)`,
      };
    }
  }
  const t0 = performance.now();
  const run = spawnSync("npm", ["run", "build", "--silent"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ...OFFLINE_ENV },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 300_000,
  });
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  if (run.status !== 0) {
    const tail = `${run.stdout ?? ""}${run.stderr ?? ""}`.trim().split("\n").slice(-8).join("\n");
    return {
      mode: "source",
      conditions: conditionsSource,
      note: `npm run build failed (${seconds} s), src/ via @durable/source measured instead:\n${tail}`,
    };
  }
  const missing = packageDirs(root).filter((dir) => !existsSync(join(dir, "dist", "index.js")));
  if (missing.length > 0) {
    return {
      mode: "source",
      conditions: conditionsSource,
      note: `npm run build left no dist/index.js in ${missing.join(", ")}: src/ via @durable/source`,
    };
  }
  return { mode: "dist", conditions: ["workerd", "worker", "browser"], note: `dist/ (npm run build, ${seconds} s)` };
}

/**
 * Every Worker entry of every package, resolved for `source.mode`, and the exported ones whose
 * file does not exist (reported, not sized).
 * @param root the repo root
 * @param source dist or source
 */
export function workerEntries(root: string, source: EntrySource): { entries: Entry[]; missing: string[] } {
  const out: Entry[] = [];
  const missing: string[] = [];
  for (const dir of packageDirs(root)) {
    const pkg = readJson(join(dir, "package.json"));
    const exportsMap = pkg.exports ?? { ".": { default: "./dist/index.js", "@durable/source": "./src/index.ts" } };
    for (const [subpath, target] of Object.entries(exportsMap)) {
      if (NOT_FOR_WORKERS.has(subpath)) continue;
      const rel =
        typeof target === "string"
          ? target
          : source.mode === "source"
            ? (target["@durable/source"] ?? target.import ?? target.default)
            : (target.import ?? target.default);
      if (!rel) continue;
      const file = join(dir, rel);
      const specifier = subpath === "." ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
      if (existsSync(file)) out.push({ specifier, pkg: pkg.name, subpath, file });
      else missing.push(`${specifier} (${rel} does not exist)`);
    }
  }
  return { entries: out, missing };
}
