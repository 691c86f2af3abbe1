/**
 * Part 1 of the spike: each package entry bundled alone with its dependencies, as a Worker that
 * imports it would carry it, three ways in one run: as it is (`zod/mini`), the baseline with full
 * zod kept live ({@link fullZodPlugin}), and without zod at all (zod external: what the package and
 * its other dependencies weigh by themselves).
 * @module
 */
import { composition, type Part } from "./composition.ts";
import type { Entry, EntrySource } from "./entries.ts";
import { fullZodPlugin } from "./full-zod.ts";
import { type BundleResult, bundleWorkerEntry } from "./wrangler-esbuild.ts";

/** The three sizes of one entry. */
export interface EntrySizes {
  entry: Entry;
  current: BundleResult;
  fullZod: BundleResult;
  /** Absent in quick runs (not a metric; it saves a third of the bundling time). */
  noZod: BundleResult | undefined;
  parts: Part[];
}

/**
 * Bundles every entry three ways (one after another: esbuild uses every core, and the machine is shared).
 * @param root the repo root (esbuild's working directory)
 * @param entries the entries to size
 * @param source dist or source (its conditions)
 * @param withoutZod also bundle each entry with zod external
 */
export async function sizePackages(
  root: string,
  entries: readonly Entry[],
  source: EntrySource,
  withoutZod: boolean,
): Promise<EntrySizes[]> {
  const out: EntrySizes[] = [];
  for (const entry of entries) {
    const base = { absWorkingDir: root, conditions: source.conditions };
    const current = await bundleWorkerEntry(entry.file, base);
    const fullZod = await bundleWorkerEntry(entry.file, { ...base, plugins: [fullZodPlugin()] });
    const noZod = withoutZod ? await bundleWorkerEntry(entry.file, { ...base, external: ["zod"] }) : undefined;
    out.push({ entry, current, fullZod, noZod, parts: composition(current.metafile) });
  }
  return out;
}
