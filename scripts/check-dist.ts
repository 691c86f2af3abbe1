/**
 * `npm run check:dist`: proves the published shape of every package, as a user installing it
 * from npm would meet it.
 *
 * 1. `npm run build` (turbo; cached builds are restored).
 * 2. Manifests and the import graph of every entry in `dist/` (scripts/check-dist-graph.ts):
 *    Worker entries reach no Node built-in, no entry reaches a sibling's internals.
 * 3. `npm pack` of every package; each tarball holds its exports' files and no test.
 * 4. A copy of examples/external-worker outside the repository: `npm ci`, then
 *    `npm install --no-save --offline <every tarball>` in one command (their internal
 *    dependencies satisfy each other; @durable/* must come from the tarballs, checked in the
 *    install's lockfile). Then its typecheck (`wrangler types`, then its tsconfig with
 *    `skipLibCheck` off for our declarations), its tests, and `wrangler deploy --dry-run`,
 *    all without the repository's source condition; the bundle must take @durable/* from
 *    their `dist/`.
 * 5. The README's and docs/tables.md's examples equal the example's typechecked snippets.
 *
 * Flags: `--no-build` (check the dist already built), `--keep` (keep the temp folder),
 * `--graph-only [--root <dir>]` (step 2's graph check alone, over another tree: the tests).
 * Node-only entries, where built-ins are allowed: {@link NODE_ONLY_ENTRIES}.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  bundleProblems,
  copyExample,
  docsProblems,
  installProblems,
  packAll,
  run,
  typeProblems,
} from "./check-dist-example.ts";
import { checkDist, formatProblem, readPackages } from "./check-dist-graph.ts";
import { manifestProblems } from "./check-dist-manifest.ts";

/**
 * Entries meant for Node only: `@durable/core/node` (better-sqlite3, `FsBlobStore`) and
 * `@durable/rate-limit/testing` (a local limiter namespace over `@durable/core/node`). Every
 * other entry, `./testing` ones included, must load in a Worker.
 */
export const NODE_ONLY_ENTRIES = ["@durable/core/node", "@durable/rate-limit/testing"];

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const rootArg = args.indexOf("--root");
const root = rootArg >= 0 ? (args[rootArg + 1] ?? ".") : join(dirname(fileURLToPath(import.meta.url)), "..");

/** A check that found problems: its message lists them. */
class CheckFailed extends Error {}

/** Throws {@link CheckFailed} listing the problems of a step, if it has any. */
function fail(step: string, problems: string[]): void {
  if (problems.length > 0) throw new CheckFailed(`${step} failed:\n${problems.map((p) => `  ${p}`).join("\n")}`);
}

if (flag("--graph-only")) {
  try {
    fail("import graph", checkDist({ root, nodeOnlyEntries: NODE_ONLY_ENTRIES }).map(formatProblem));
  } catch (err) {
    console.error(`check:dist: ${(err as Error).message}`);
    process.exit(1);
  }
  process.exit(0);
}

const started = performance.now();
const timings: string[] = [];
/** Runs one step and records its time. */
function step<T>(name: string, fn: () => T): T {
  const t = performance.now();
  try {
    return fn();
  } finally {
    timings.push(`${name} ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
}

const work = mkdtempSync(join(tmpdir(), "durable-check-dist-"));
try {
  if (!flag("--no-build")) step("build", () => run("npm", ["run", "build"], root, process.env));
  const packages = readPackages(root);
  const siblings = new Map(packages.map((p) => [p.name, p.manifest]));
  fail(
    "package.json",
    packages.flatMap((p) => manifestProblems(p, siblings)),
  );
  fail("import graph", step("graph", () => checkDist({ root, nodeOnlyEntries: NODE_ONLY_ENTRIES })).map(formatProblem));

  const tarballs = join(work, "tarballs");
  mkdirSync(tarballs);
  const { packed, problems: packProblems } = step("pack", () => packAll(root, packages, tarballs));
  fail("npm pack", packProblems);

  const example = join(work, "external-worker");
  copyExample(join(root, "examples/external-worker"), example);
  step("npm ci", () => run("npm", ["ci", "--no-audit", "--no-fund", "--prefer-offline"], example));
  const files = packed.map((p) => join(tarballs, p.filename));
  step("install tarballs", () =>
    run("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--offline", ...files], example),
  );
  fail("install", installProblems(example, packed));
  step("wrangler types", () => run("npx", ["wrangler", "types"], example));
  fail(
    "typecheck",
    step("typecheck", () => typeProblems(example)),
  );
  step("test", () => run("npm", ["test"], example));
  const out = join(work, "deploy");
  const dryRun = step("dry-run", () =>
    run("npx", ["wrangler", "deploy", "--dry-run", "--outdir", out, "--metafile", join(out, "meta.json")], example),
  );
  fail("bundle", bundleProblems(join(out, "meta.json")));

  fail("docs", docsProblems(root, example));

  const upload = /Total Upload: .*/.exec(dryRun)?.[0] ?? "";
  console.log(`check:dist: ${packed.length} packages packed, installed and bundled by the example (${upload})`);
  console.log(`check:dist: ${((performance.now() - started) / 1000).toFixed(1)} s (${timings.join(", ")})`);
} catch (err) {
  const message = err instanceof CheckFailed ? err.message : String(err);
  console.error(`check:dist: ${message}\n(after ${timings.join(", ") || "no step"})`);
  process.exitCode = 1;
} finally {
  if (flag("--keep")) console.log(`check:dist: kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
