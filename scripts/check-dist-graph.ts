/**
 * The import-graph half of `npm run check:dist`: walks every published entry's graph in the
 * built `dist/` of each package and reports the imports a consumer's Worker could not load.
 *
 * - A Worker entry (every export path except the Node-only ones) reaches no Node built-in
 *   (`node:*`, or a bare name such as `fs` or `crypto`), neither in its JavaScript nor in its
 *   declarations (`/// <reference types="node" />` included), and no sibling's Node-only entry.
 * - No entry reaches a sibling's internals: `@durable/x/src/...`, `@durable/x/dist/...`, any
 *   subpath missing from the sibling's exports map, or a relative path leaving the package.
 * - Every relative import resolves to a built file, and every other bare import names a package
 *   the importing package declares (`dependencies` or `peerDependencies`): what works in the
 *   monorepo through hoisting breaks in a user's install.
 *
 * Imports are read with TypeScript's `preProcessFile` (static, re-exports, `import()` with a
 * literal, import types), so comments and strings never count.
 * @module
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

/** One import a consumer could not load, and where it is. */
export interface DistProblem {
  /** The importing file, relative to the root. */
  file: string;
  /** The specifier as written (`reference types="node"` for that directive; empty for a manifest problem). */
  specifier: string;
  /** Why it is wrong. */
  reason: string;
}

/** What to check. */
export interface CheckDistOptions {
  /** The repository root. */
  root: string;
  /** The folder holding the packages, relative to root (default `packages`). */
  packagesDir?: string;
  /** Entries meant for Node only (`@durable/core/node`): built-ins are allowed in their graph. */
  nodeOnlyEntries?: readonly string[];
}

/** A package as the checker sees it. */
export interface PackageInfo {
  name: string;
  dir: string;
  manifest: Manifest;
}

/** The package.json fields the checks read. */
export interface Manifest {
  name: string;
  version?: string;
  private?: boolean;
  license?: string;
  files?: string[];
  exports?: Record<string, string | Record<string, string>>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** Reads `<root>/<packagesDir>/*\/package.json`, sorted by folder. */
export function readPackages(root: string, packagesDir = "packages"): PackageInfo[] {
  const base = join(root, packagesDir);
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(base, d.name, "package.json")))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const dir = join(base, name);
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;
      return { name: manifest.name, dir, manifest };
    });
}

/** The target of one condition of an export entry (`types`, `default`), if any. */
export function exportTarget(entry: string | Record<string, string>, condition: "types" | "default"): string | null {
  if (typeof entry === "string") return condition === "default" ? entry : null;
  return entry[condition] ?? null;
}

/** Splits a bare specifier into its package name and subpath (`@a/b/c/d` → `@a/b`, `./c/d`). */
export function splitSpecifier(spec: string): { name: string; subpath: string } {
  const parts = spec.split("/");
  const n = spec.startsWith("@") ? 2 : 1;
  const rest = parts.slice(n).join("/");
  return { name: parts.slice(0, n).join("/"), subpath: rest === "" ? "." : `./${rest}` };
}

interface Walk {
  pkg: PackageInfo;
  entry: string;
  worker: boolean;
}

/**
 * Checks every entry of every package; an empty array means the published shape is sound.
 * @param options the root, the packages folder and the Node-only entries
 */
export function checkDist(options: CheckDistOptions): DistProblem[] {
  const { root, packagesDir = "packages", nodeOnlyEntries = [] } = options;
  const packages = readPackages(root, packagesDir);
  const byName = new Map(packages.map((p) => [p.name, p]));
  const scopes = new Set(
    packages.map((p) => splitSpecifier(p.name).name.split("/")[0]).filter((s) => s?.startsWith("@")),
  );
  const nodeOnly = new Set(nodeOnlyEntries);
  const problems = new Map<string, DistProblem>();
  const report = (file: string, specifier: string, reason: string) => {
    const p = { file: relative(root, file).split(sep).join("/"), specifier, reason };
    problems.set(`${p.file}\0${p.specifier}\0${p.reason}`, p);
  };

  const visitImport = (walk: Walk, file: string, spec: string, types: boolean, queue: string[]) => {
    const { pkg } = walk;
    if (spec.startsWith("./") || spec.startsWith("../")) {
      const target = resolve(dirname(file), spec);
      if (target !== pkg.dir && !target.startsWith(pkg.dir + sep)) {
        report(file, spec, `a relative import leaving ${pkg.name}: import the sibling by its package name`);
        return;
      }
      const found = types ? declarationFile(target) : existsSync(target) ? target : null;
      if (found === null) report(file, spec, "resolves to no built file");
      else queue.push(found);
      return;
    }
    const { name, subpath } = splitSpecifier(spec);
    const declared = name === pkg.name || declares(pkg.manifest, name);
    if (isBuiltin(spec) && !declared) {
      if (walk.worker) report(file, spec, `a Node built-in, reached from the Worker entry ${walk.entry}`);
      return;
    }
    const sibling = byName.get(name);
    const scope = name.split("/")[0] ?? "";
    if (sibling === undefined && scopes.has(scope)) {
      report(file, spec, `no package of this repository is named ${name}`);
      return;
    }
    if (sibling !== undefined) {
      const paths = Object.keys(sibling.manifest.exports ?? {});
      if (!paths.includes(subpath)) {
        report(file, spec, `a sibling's internals: ${name} exports only ${paths.join(", ")}`);
        return;
      }
      if (walk.worker && nodeOnly.has(spec)) {
        report(file, spec, `a Node-only entry, reached from the Worker entry ${walk.entry}`);
      }
    }
    if (!declared) {
      report(file, spec, `an undeclared dependency: add ${name} to dependencies or peerDependencies of ${pkg.name}`);
    }
  };

  const walkGraph = (walk: Walk, start: string, types: boolean) => {
    const seen = new Set<string>();
    const queue = [start];
    for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
      if (seen.has(file)) continue;
      seen.add(file);
      const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
      for (const ref of info.typeReferenceDirectives) {
        if (walk.worker && ref.fileName === "node") {
          report(file, 'reference types="node"', `Node's types, reached from the Worker entry ${walk.entry}`);
        }
      }
      for (const imported of info.importedFiles) visitImport(walk, file, imported.fileName, types, queue);
    }
  };

  for (const pkg of packages) {
    for (const [subpath, entry] of Object.entries(pkg.manifest.exports ?? {})) {
      const id = subpath === "." ? pkg.name : `${pkg.name}${subpath.slice(1)}`;
      const walk = { pkg, entry: id, worker: !nodeOnly.has(id) };
      for (const condition of ["default", "types"] as const) {
        const target = exportTarget(entry, condition);
        const manifestFile = join(pkg.dir, "package.json");
        if (target === null) {
          report(manifestFile, "", `export ${subpath} has no "${condition}" condition`);
          continue;
        }
        const file = join(pkg.dir, target);
        if (!existsSync(file)) {
          report(manifestFile, "", `export ${subpath}: ${target} does not exist (did the build run?)`);
          continue;
        }
        walkGraph(walk, file, condition === "types");
      }
    }
  }
  return [...problems.values()];
}

/** True when the manifest lists `name` as a dependency or peer dependency. */
function declares(manifest: Manifest, name: string): boolean {
  return name in (manifest.dependencies ?? {}) || name in (manifest.peerDependencies ?? {});
}

/** The declaration file a `.d.ts` import names: `./x.ts` and `./x.js` → `./x.d.ts`. */
function declarationFile(target: string): string | null {
  const candidates = [target.replace(/\.(ts|js|mts|mjs)$/, ".d.ts"), target];
  return candidates.find((c) => c.endsWith(".d.ts") && existsSync(c)) ?? null;
}

/** One line naming the import and the file that imports it. */
export function formatProblem(p: DistProblem): string {
  return p.specifier === "" ? `${p.file}: ${p.reason}` : `${p.file} imports "${p.specifier}": ${p.reason}`;
}
