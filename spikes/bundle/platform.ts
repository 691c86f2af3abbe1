/**
 * Part 2 of the spike: the whole platform as `wrangler deploy --dry-run` bundles it (the root
 * wrangler.toml, scripts/env.ts's OFFLINE_ENV), sized from the files it writes and from what
 * wrangler prints ("Total Upload: x KiB / gzip: y KiB"). wrangler writes no metafile on deploy, so
 * the same entry is bundled again with the mirrored settings ({@link bundleWorkerEntry}): its size
 * must match wrangler's (a check of the mirror), its metafile says what apache-arrow weighs, and a
 * third bundle with apache-arrow left out gives the gzip bytes Arrow costs. A fourth bundle with
 * full zod kept live is the baseline.
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { OFFLINE_ENV } from "../../scripts/env.ts";
import { composition, groupBytes, type Part } from "./composition.ts";
import { fullZodPlugin } from "./full-zod.ts";
import { type BundleResult, bundleWorkerEntry } from "./wrangler-esbuild.ts";

/** The platform entry (wrangler.toml's `main`). */
const PLATFORM_ENTRY = "apps/platform/src/index.ts";

/** What the dry run wrote and printed, and the mirrored bundles. */
export interface PlatformSizes {
  /** Bytes of the modules wrangler wrote (source maps and its README excluded). */
  raw: number;
  gzip: number;
  /** wrangler's own line, `2067.68 KiB / gzip: 442.81 KiB`. */
  printed: string;
  printedKiB: number | null;
  printedGzipKiB: number | null;
  dryRunMs: number;
  /** The same entry bundled with the mirrored settings. */
  mirror: BundleResult;
  parts: Part[];
  /** Output bytes of apache-arrow's own modules in the mirrored bundle (its metafile). */
  arrowBytes: number;
  /** The mirrored bundle with apache-arrow external (its dependencies then drop out too). */
  withoutArrow: BundleResult;
  /** The mirrored bundle with full zod kept live (the baseline). */
  fullZod: BundleResult;
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/**
 * Runs the dry run and the mirrored bundles.
 * @param root the repo root
 */
export async function sizePlatform(root: string): Promise<PlatformSizes> {
  const outdir = mkdtempSync(join(tmpdir(), "spike-bundle-platform-"));
  try {
    const t0 = performance.now();
    const run = spawnSync(
      join(root, "node_modules/.bin/wrangler"),
      ["deploy", "--dry-run", "--outdir", outdir, "--config", "wrangler.toml", "--env", ""],
      {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, ...OFFLINE_ENV, NO_COLOR: "1", FORCE_COLOR: "0" },
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 180_000,
      },
    );
    const dryRunMs = performance.now() - t0;
    const printedAll = `${run.stdout ?? ""}\n${run.stderr ?? ""}`.replace(ANSI, "");
    if (run.status !== 0) {
      throw new Error(`wrangler deploy --dry-run failed (${run.status}):\n${printedAll.slice(-3000)}`);
    }
    const line = /Total Upload:\s*([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(printedAll);
    const modules = readdirSync(outdir)
      .filter((f) => !f.endsWith(".map") && f !== "README.md")
      .map((f) => readFileSync(join(outdir, f)));
    const all = Buffer.concat(modules);
    const entry = join(root, PLATFORM_ENTRY);
    const conditions = (OFFLINE_ENV.WRANGLER_BUILD_CONDITIONS ?? "workerd,worker,browser").split(",");
    const base = { absWorkingDir: root, conditions };
    const mirror = await bundleWorkerEntry(entry, base);
    const withoutArrow = await bundleWorkerEntry(entry, { ...base, external: ["apache-arrow"] });
    const fullZod = await bundleWorkerEntry(entry, { ...base, plugins: [fullZodPlugin()] });
    return {
      raw: all.byteLength,
      gzip: gzipSync(all).byteLength,
      printed: line ? `${line[1]} KiB / gzip: ${line[2]} KiB` : "(no Total Upload line)",
      printedKiB: line ? Number(line[1]) : null,
      printedGzipKiB: line ? Number(line[2]) : null,
      dryRunMs,
      mirror,
      parts: composition(mirror.metafile),
      arrowBytes: groupBytes(mirror.metafile, "apache-arrow"),
      withoutArrow,
      fullZod,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
