/**
 * wrangler 4.86.0's esbuild settings for `wrangler deploy` (node_modules/wrangler/wrangler-dist/cli.js,
 * `bundleWorker` and `COMMON_ESBUILD_OPTIONS`), mirrored so that one entry can be bundled as a
 * Worker would bundle it, and sized as wrangler sizes an upload (`getSize`: zlib gzip, default level).
 *
 * What is mirrored: esbuild 0.27.3 (the version wrangler pins), ESM, `bundle`, no minify,
 * `keepNames` (wrangler's `keep_names` default), target `es2024`, `supported: {"import-source": true}`,
 * the `.js/.mjs/.cjs → jsx` loaders, conditions `workerd, worker, browser` (or
 * `WRANGLER_BUILD_CONDITIONS`), platform unset (esbuild's `browser` default, so `mainFields`
 * `browser, module, main`), `process.env.NODE_ENV` defined as `"production"` (deploy),
 * `navigator.userAgent` defined (global_navigator, on for compatibility dates from 2022-03-21),
 * `__STATIC_CONTENT_MANIFEST` external, `cloudflare:*` external (wrangler's
 * `cloudflare-internal-imports` plugin) and `node:*` external when it does not resolve (the
 * `nodejs_compat-imports` plugin without the nodejs_compat flag, which warns; the list is kept).
 * Not mirrored: module rules (`.wasm`, `.txt`, … imported as extra modules; no package uses them)
 * and the middleware wrangler adds only for `wrangler dev`.
 * @module
 */
import { gzipSync } from "node:zlib";
import { type BuildOptions, build, type Metafile, type Plugin } from "esbuild";

/** wrangler's conditions when `WRANGLER_BUILD_CONDITIONS` is unset. */
export const WRANGLER_CONDITIONS = ["workerd", "worker", "browser"] as const;

/** The sizes of one bundle and what went into it. */
export interface BundleResult {
  /** Bytes of the output file (UTF-8). */
  raw: number;
  /** Bytes after zlib gzip at its default level, as wrangler's "Total Upload … gzip" computes. */
  gzip: number;
  metafile: Metafile;
  /** `node:*` imports that stayed external (a Worker without nodejs_compat cannot load them). */
  nodeBuiltins: string[];
  /** The bundle's text (kept for a second look, e.g. an import that should not be there). */
  text: string;
}

/** Options of {@link bundleWorkerEntry}. */
export interface WorkerBundleOptions {
  /** The directory imports resolve from (the repo root). */
  absWorkingDir: string;
  /** esbuild conditions (default: wrangler's). */
  conditions?: readonly string[];
  /** Extra plugins, run before wrangler's own (e.g. the full-zod baseline). */
  plugins?: Plugin[];
  /** Bare specifiers left out of the bundle (to measure what one dependency weighs). */
  external?: string[];
  /** Extra folders bare imports resolve from (a checkout outside the repo borrowing its node_modules). */
  nodePaths?: string[];
  /** The entry's source text, when it is not a file (`entry` then names it; imports resolve from `absWorkingDir`). */
  contents?: string;
}

/** wrangler's `cloudflare-internal-imports` plugin: `cloudflare:*` stays an import. */
const cloudflareInternal: Plugin = {
  name: "cloudflare-internal-imports",
  setup(b) {
    b.onResolve({ filter: /^cloudflare:.*/ }, () => ({ external: true }));
  },
};

/**
 * wrangler's `nodejs_compat-imports` plugin (mode `null`, no nodejs_compat flag): a `node:*` import
 * that esbuild cannot resolve becomes external, and wrangler warns. Collects them in `seen`.
 */
function nodeImports(seen: Set<string>): Plugin {
  const tried = new Set<string>();
  return {
    name: "nodejs_compat-imports",
    setup(b) {
      b.onResolve({ filter: /node:.*/ }, async ({ path, kind, resolveDir, importer }) => {
        const key = `${path}:${kind}:${resolveDir}:${importer}`;
        if (tried.has(key)) return undefined;
        tried.add(key);
        const result = await b.resolve(path, { kind, resolveDir, importer });
        if (result.errors.length > 0) {
          seen.add(path);
          return { path, external: true };
        }
        return result;
      });
    },
  };
}

/** A plugin that leaves the named bare specifiers (and their subpaths) out of the bundle. */
export function externalPackages(names: readonly string[]): Plugin {
  const escaped = names.map((n) => n.replace(/[-/\\^$*+?.()|[\]{}]/g, "\\$&"));
  const filter = new RegExp(`^(?:${escaped.join("|")})(?:/.*)?$`);
  return {
    name: "spike-external-packages",
    setup(b) {
      b.onResolve({ filter }, ({ path }) => ({ path, external: true }));
    },
  };
}

/**
 * Bundles one entry file as `wrangler deploy` would, in memory, and sizes it.
 * @param entry absolute path of the entry module (or the name of `options.contents`)
 * @param options working directory, conditions, extra plugins, externals
 */
export async function bundleWorkerEntry(entry: string, options: WorkerBundleOptions): Promise<BundleResult> {
  const nodeBuiltins = new Set<string>();
  const plugins: Plugin[] = [...(options.plugins ?? [])];
  if (options.external && options.external.length > 0) plugins.unshift(externalPackages(options.external));
  plugins.push(nodeImports(nodeBuiltins), cloudflareInternal);
  const settings: BuildOptions = {
    ...(options.contents === undefined
      ? { entryPoints: [entry] }
      : { stdin: { contents: options.contents, sourcefile: entry, resolveDir: options.absWorkingDir, loader: "js" } }),
    bundle: true,
    absWorkingDir: options.absWorkingDir,
    keepNames: true,
    write: false,
    outdir: "/virtual-out",
    external: ["__STATIC_CONTENT_MANIFEST"],
    format: "esm",
    target: "es2024",
    supported: { "import-source": true },
    sourcemap: false,
    minify: false,
    metafile: true,
    ...(options.nodePaths ? { nodePaths: options.nodePaths } : {}),
    conditions: [...(options.conditions ?? WRANGLER_CONDITIONS)],
    define: {
      "navigator.userAgent": '"Cloudflare-Workers"',
      "process.env.NODE_ENV": '"production"',
      "global.process.env.NODE_ENV": '"production"',
      "globalThis.process.env.NODE_ENV": '"production"',
    },
    loader: { ".js": "jsx", ".mjs": "jsx", ".cjs": "jsx" },
    plugins,
    logLevel: "silent",
  };
  const result = await build(settings);
  const out = result.outputFiles?.find((f) => f.path.endsWith(".js"));
  if (!out) throw new Error(`esbuild wrote no JavaScript for ${entry}`);
  return {
    raw: out.contents.byteLength,
    gzip: gzipSync(out.contents).byteLength,
    metafile: result.metafile as Metafile,
    nodeBuiltins: [...nodeBuiltins].sort(),
    text: out.text,
  };
}

/** Bytes → KiB, two decimals (wrangler's unit). */
export function kib(bytes: number): number {
  return Math.round((bytes / 1024) * 100) / 100;
}
