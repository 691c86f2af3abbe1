/**
 * The install half of `npm run check:dist`: packs every package with `npm pack`, installs the
 * tarballs into a copy of examples/external-worker outside the repository (so nothing resolves
 * through the monorepo's node_modules), and proves where @durable/* came from, that their
 * declarations hold for a consumer, and that the Worker builds from their `dist/`.
 * @module
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";
import type { PackageInfo } from "./check-dist-graph.ts";
import { OFFLINE_ENV } from "./env.ts";

/** One packed package, as `npm pack --json` reports it. */
export interface Packed {
  name: string;
  version: string;
  filename: string;
  files: { path: string }[];
}

/** Node options without the repository's `--conditions=@durable/source` (others, e.g. heap size, stay). */
export function withoutSourceCondition(options: string): string {
  return options
    .replace(/(^|\s)(--conditions|-C)[= ]@durable\/source(?=\s|$)/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * The environment of a user's shell: the repository's source condition (in `NODE_OPTIONS` and
 * wrangler's build conditions) and npm's per-project variables are removed, so the example
 * resolves the tarballs' `dist/` exactly as an outside project would.
 */
export function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...OFFLINE_ENV };
  for (const key of Object.keys(env)) {
    const k = key.toLowerCase();
    if (k === "node_options" || k === "npm_config_node_options") {
      const rest = withoutSourceCondition(env[key] ?? "");
      if (rest === "") delete env[key];
      else env[key] = rest;
    } else if (
      k === "wrangler_build_conditions" ||
      k === "npm_config_local_prefix" ||
      k === "npm_command" ||
      k.startsWith("npm_package_") ||
      k.startsWith("npm_lifecycle_")
    ) {
      delete env[key];
    }
  }
  return env;
}

/**
 * Runs a command and returns its stdout; on failure throws with all of its output, so the step
 * that failed shows why.
 */
export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = userEnv()): string {
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) exited ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

/**
 * `npm pack` of every package into `dest`, then checks each tarball's file list: its exports'
 * files, the sources its maps point to, its README and CHANGELOG are in it, and no test is.
 * @returns the tarballs and the problems found
 */
export function packAll(root: string, packages: PackageInfo[], dest: string): { packed: Packed[]; problems: string[] } {
  const workspaces = packages.flatMap((p) => ["-w", p.dir]);
  const packed = JSON.parse(
    run("npm", ["pack", ...workspaces, "--pack-destination", dest, "--json"], root, process.env),
  ) as Packed[];
  const problems: string[] = [];
  for (const pkg of packages) {
    const tar = packed.find((p) => p.name === pkg.name);
    if (tar === undefined) {
      problems.push(`${pkg.name}: npm pack made no tarball`);
      continue;
    }
    const files = new Set(tar.files.map((f) => f.path));
    for (const entry of Object.values(pkg.manifest.exports ?? {})) {
      for (const target of typeof entry === "string" ? [entry] : Object.values(entry)) {
        if (!files.has(target.replace(/^\.\//, ""))) problems.push(`${tar.filename} lacks ${target}`);
      }
    }
    for (const f of files)
      if (/(^|\/)test\/|\.test\.[cm]?[jt]s$/.test(f)) problems.push(`${tar.filename} holds a test: ${f}`);
    for (const map of [...files].filter((f) => f.endsWith(".map"))) {
      const { sources } = JSON.parse(readFileSync(join(pkg.dir, map), "utf8")) as { sources: string[] };
      for (const source of sources) {
        const target = relative(pkg.dir, resolve(pkg.dir, dirname(map), source))
          .split(sep)
          .join("/");
        if (!files.has(target)) problems.push(`${tar.filename}: ${map} maps to ${target}, which it lacks`);
      }
    }
    for (const f of ["README.md", "CHANGELOG.md"]) {
      if (existsSync(join(pkg.dir, f)) && !files.has(f)) problems.push(`${tar.filename} lacks ${f}`);
    }
  }
  return { packed, problems };
}

/** Copies the example's own files (never node_modules or build output) to `dest`. */
export function copyExample(example: string, dest: string): void {
  const skip = new Set(["node_modules", ".wrangler", "dist", "worker-configuration.d.ts"]);
  cpSync(example, dest, { recursive: true, filter: (src) => !skip.has(basename(src)) });
}

/**
 * Problems with where @durable/* were installed from: each must come from one of our tarballs
 * (never the registry), once (no nested copy from a range the tarballs did not satisfy), at the
 * version packed.
 */
export function installProblems(dir: string, packed: Packed[]): string[] {
  const lock = JSON.parse(readFileSync(join(dir, "node_modules/.package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string; resolved?: string }>;
  };
  const problems: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    const at = path.lastIndexOf("node_modules/@durable/");
    if (at < 0) continue;
    const name = path.slice(at + "node_modules/".length);
    const tar = packed.find((p) => p.name === name);
    if (at > 0) problems.push(`${path}: a nested copy of ${name} (a range the tarballs did not satisfy)`);
    else if (tar === undefined) problems.push(`${path}: not one of the packed packages`);
    else if (!entry.resolved?.startsWith("file:") || basename(entry.resolved) !== tar.filename) {
      problems.push(`${path}: installed from ${entry.resolved ?? "the registry"}, not ${tar.filename}`);
    } else if (entry.version !== tar.version) problems.push(`${path}: version ${entry.version}, packed ${tar.version}`);
  }
  for (const tar of packed) {
    if (!(`node_modules/${tar.name}` in lock.packages)) problems.push(`${tar.name} was not installed`);
  }
  return problems;
}

/**
 * The example's typecheck (its own tsconfig, as `tsc --noEmit` after `wrangler types`), with
 * `skipLibCheck` off for our declarations: errors in the example's sources and inside
 * @durable/* are reported, other declarations are skipped as `skipLibCheck` would. Without this, an import in
 * one of our `.d.ts` that did not resolve would turn into `any` in silence.
 */
export function typeProblems(dir: string): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(dir, "tsconfig.json"),
    { skipLibCheck: false },
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  if (parsed === undefined) return ["tsconfig.json could not be read"];
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  // The example's own sources and our declarations; generated and third-party declarations are
  // skipped as skipLibCheck would (apache-arrow's pull in Node's types, which clash with workerd's).
  const checked = program
    .getSourceFiles()
    .filter(
      (f) =>
        f.fileName.includes("/node_modules/@durable/") ||
        !(f.isDeclarationFile || f.fileName.includes("/node_modules/")),
    );
  if (!checked.some((f) => f.fileName.includes("/node_modules/@durable/"))) {
    return ["the example's program reaches no @durable/* declarations"];
  }
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...checked.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]),
  ];
  return diagnostics.map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, " ");
    if (d.file === undefined) return text;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    const name = d.file.fileName;
    const at = name.lastIndexOf("/node_modules/");
    return `${at >= 0 ? name.slice(at + 1) : name.slice(dir.length + 1)}:${line + 1}: ${text}`;
  });
}

/**
 * The bundle wrangler made must take @durable/* from their `dist/`, never their `src/` (the
 * tarballs ship src/ for source maps; only the repository's own condition would pick it).
 */
export function bundleProblems(metafile: string): string[] {
  const inputs = Object.keys((JSON.parse(readFileSync(metafile, "utf8")) as { inputs: object }).inputs);
  const ours = inputs.filter((i) => i.includes("node_modules/@durable/"));
  if (ours.length === 0) return ["the bundle holds no @durable/* module"];
  return ours
    .filter((i) => !/node_modules\/@durable\/[^/]+\/dist\//.test(i))
    .map((i) => `bundled from outside dist/: ${i}`);
}

/**
 * Code in the docs that the example typechecks as a snippet: each block must equal its snippet
 * file (after the snippet's leading `//` comment), so the docs show code that compiles.
 */
export const DOC_SNIPPETS = [
  { doc: "README.md", heading: "## Use one package in your own Worker", snippet: "snippets/readme-worker.ts" },
  { doc: "docs/tables.md", heading: "## From another Worker over RPC", snippet: "snippets/tables-rpc.ts" },
];

/** The docs blocks that differ from their snippets in the example at `example`. */
export function docsProblems(root: string, example: string): string[] {
  return DOC_SNIPPETS.flatMap(({ doc, heading, snippet }) => {
    const block = docBlock(readFileSync(join(root, doc), "utf8"), heading);
    const code = snippetBody(readFileSync(join(example, snippet), "utf8"));
    return block === code ? [] : [`${doc} (${heading}) differs from examples/external-worker/${snippet}`];
  });
}

/** The first ```ts block after `heading` in a Markdown file. */
export function docBlock(markdown: string, heading: string): string | null {
  const at = markdown.indexOf(heading);
  if (at < 0) return null;
  const m = /```ts\n([\s\S]*?)```/.exec(markdown.slice(at));
  return m?.[1] ?? null;
}

/** A snippet file without its leading `//` comment lines. */
export function snippetBody(text: string): string {
  const lines = text.split("\n");
  let i = 0;
  while (lines[i]?.startsWith("//")) i++;
  return lines.slice(i).join("\n");
}
