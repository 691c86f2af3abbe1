/**
 * The spike's readable output: one table per part, what dominates each bundle, the zod import
 * forms behind the sizes, and the targets met or missed.
 * @module
 */
import { printTable } from "../lib/report.ts";
import { round, summarize } from "../lib/stats.ts";
import type { EncodeTimes, EncodingSizes, LibraryBundles } from "./arrow-vs-json.ts";
import { summarizeParts, topInputs } from "./composition.ts";
import { type EntrySource, PARQUET_PACKAGES } from "./entries.ts";
import type { EntrySizes } from "./packages.ts";
import type { PlatformSizes } from "./platform.ts";
import { kib } from "./wrangler-esbuild.ts";
import { zodImports } from "./zod-imports.ts";

/** One target of the issue and its measured value. */
export interface Target {
  metric: string;
  value: number;
  op: "<=" | ">=";
  target: number;
  note?: string;
}

/** Packages: sizes, the baseline, what dominates, zod import forms, and the top inputs of a miss. */
export function printPackageTables(
  root: string,
  source: EntrySource,
  missing: readonly string[],
  sizes: readonly EntrySizes[],
  budgetKiB: number,
): void {
  console.log(`entries: ${source.note}`);
  if (missing.length > 0) console.log(`exported but absent (not sized): ${missing.join("; ")}`);
  printTable(
    "1. each package entry bundled alone (wrangler 4.86.0's esbuild settings, not minified; KiB = 1024 B)",
    sizes.map((s) => {
      const budget = PARQUET_PACKAGES.has(s.entry.pkg)
        ? "Parquet: none"
        : s.entry.subpath !== "."
          ? "subpath"
          : kib(s.current.gzip) <= budgetKiB
            ? `≤ ${budgetKiB}: met`
            : `≤ ${budgetKiB}: MISSED`;
      return {
        entry: s.entry.specifier,
        "raw KiB": kib(s.current.raw),
        "gzip KiB": kib(s.current.gzip),
        "full zod gzip KiB": kib(s.fullZod.gzip),
        "÷ full zod": round(s.current.gzip / s.fullZod.gzip, 2),
        "no zod gzip KiB": s.noZod ? kib(s.noZod.gzip) : "-",
        budget,
        "node: imports": s.current.nodeBuiltins.join(" ") || "-",
      };
    }),
  );
  printTable(
    "what each bundle is made of (output bytes by package; zod by layer)",
    sizes.map((s) => ({ entry: s.entry.specifier, "largest parts": summarizeParts(s.parts, 5) })),
  );
  const rows = sizes.map((s) => ({ entry: s.entry.specifier, ...zodImports(s.current.metafile, root) }));
  printTable(
    "zod import forms of the workspace modules in each bundle",
    rows.map((r) => ({
      entry: r.entry,
      "full zod": r.full.length,
      "{ z } from zod/mini (keeps all of mini)": r.miniNamespace.length,
      "zod/mini, tree-shakable": r.miniShakable.length,
    })),
  );
  const namespaceFiles = [...new Set(rows.flatMap((r) => r.miniNamespace))].sort();
  const fullFiles = [...new Set(rows.flatMap((r) => r.full))].sort();
  if (namespaceFiles.length > 0) {
    console.log(
      `\nmodules importing { z } from "zod/mini" (esbuild cannot tree-shake that namespace; \`import * as z from "zod/mini"\` can): ${namespaceFiles.join(", ")}`,
    );
  }
  if (fullFiles.length > 0) console.log(`\nmodules importing full zod: ${fullFiles.join(", ")}`);
  // A package over its budget, or within 5 KiB of it, gets its largest inputs listed.
  for (const s of sizes) {
    const gz = kib(s.current.gzip);
    if (PARQUET_PACKAGES.has(s.entry.pkg) || s.entry.subpath !== "." || gz <= budgetKiB - 5) continue;
    const verdict = gz > budgetKiB ? "misses" : `is within ${round(budgetKiB - gz, 2)} KiB of`;
    printTable(
      `${s.entry.specifier} (${gz} KiB gzip) ${verdict} ${budgetKiB} KiB: its largest inputs (output bytes, not minified)`,
      topInputs(s.current.metafile, 12).map((i) => ({ input: i.input, "KiB out": kib(i.bytes) })),
    );
  }
}

/** The platform: wrangler's dry run, the mirrored bundle, the baseline and Arrow's share. */
export function printPlatformTable(root: string, p: PlatformSizes): void {
  const arrowGzip = p.mirror.gzip - p.withoutArrow.gzip;
  printTable(`2. apps/platform (wrangler deploy --dry-run, ${round(p.dryRunMs / 1000, 1)} s)`, [
    { bundle: "wrangler dry run (files written)", "raw KiB": kib(p.raw), "gzip KiB": kib(p.gzip), note: p.printed },
    {
      bundle: "same entry, mirrored esbuild settings",
      "raw KiB": kib(p.mirror.raw),
      "gzip KiB": kib(p.mirror.gzip),
      note: `differs from wrangler's by ${p.raw - p.mirror.raw} B raw`,
    },
    {
      bundle: "baseline: full zod kept live",
      "raw KiB": kib(p.fullZod.raw),
      "gzip KiB": kib(p.fullZod.gzip),
      note: `zod/mini saves ${kib(p.fullZod.gzip - p.mirror.gzip)} KiB gzip`,
    },
    {
      bundle: "without apache-arrow (external)",
      "raw KiB": kib(p.withoutArrow.raw),
      "gzip KiB": kib(p.withoutArrow.gzip),
      note: `apache-arrow: ${kib(p.arrowBytes)} KiB of the output (metafile), ${kib(arrowGzip)} KiB gzip (${round((100 * arrowGzip) / p.mirror.gzip, 1)}%)`,
    },
  ]);
  console.log(`platform's largest parts: ${summarizeParts(p.parts, 8)}`);
  const zod = zodImports(p.mirror.metafile, root);
  console.log(
    `platform's modules: ${zod.full.length} import full zod, ${zod.miniNamespace.length} { z } from zod/mini, ${zod.miniShakable.length} zod/mini tree-shakably`,
  );
  const platformFull = zod.full.filter((f) => f.startsWith("apps/"));
  if (platformFull.length > 0) console.log(`apps/platform modules importing full zod: ${platformFull.join(", ")}`);
  if (p.mirror.nodeBuiltins.length > 0) console.log(`node: imports left external: ${p.mirror.nodeBuiltins.join(" ")}`);
}

/** Inputs of {@link printArrowTables}. */
export interface ArrowReport {
  rows: number;
  pages: number;
  loadMs: number;
  single: EncodingSizes;
  paged: EncodingSizes;
  times: EncodeTimes;
  libs: LibraryBundles;
}

const ENCODING_LABELS: Record<keyof EncodingSizes, string> = {
  json: "(a) JSON",
  arrow: "(b) Arrow, apache-arrow",
  flechette: "(c) Arrow, flechette",
  flechetteDictionary: "(d) flechette, text as Dictionary (informative)",
};

/** Arrow vs JSON: bytes, gzip bytes, encode times, library bundle sizes. */
export function printArrowTables(r: ArrowReport): void {
  const sizeRows = (label: string, s: EncodingSizes) =>
    (["json", "arrow", "flechette", "flechetteDictionary"] as const).map((k) => ({
      answer: label,
      encoding: ENCODING_LABELS[k],
      bytes: s[k].bytes,
      "÷ JSON": round(s[k].bytes / s.json.bytes, 3),
      "gzip bytes": s[k].gzip,
      "gzip ÷ JSON gzip": round(s[k].gzip / s.json.gzip, 3),
    }));
  printTable(
    `3. ${r.rows.toLocaleString("en")} flights of the scan route (read and scanned back in ${round(r.loadMs / 1000, 1)} s)`,
    [
      ...sizeRows(`one answer of ${r.rows.toLocaleString("en")} rows`, r.single),
      ...sizeRows(`${r.pages} pages of 1,000 (summed)`, r.paged),
    ],
  );
  printTable(
    `encode time of the ${r.rows.toLocaleString("en")}-row answer, ms (to bytes; JSON includes UTF-8 encoding)`,
    (["json", "arrow", "flechette"] as const).map((k) => {
      const s = summarize(r.times[k]);
      return { encoding: k, n: s.n, min: round(s.min), p50: round(s.p50), p95: round(s.p95), max: round(s.max) };
    }),
  );
  printTable("each Arrow library's IPC encoder bundled into a Worker (same settings)", [
    {
      library: "apache-arrow 21.2.0 (what @durable/core/arrow imports)",
      "raw KiB": kib(r.libs.apacheArrow.raw),
      "gzip KiB": kib(r.libs.apacheArrow.gzip),
    },
    {
      library: "@uwdata/flechette 2.6.0 (tableFromArrays, tableToIPC, types)",
      "raw KiB": kib(r.libs.flechette.raw),
      "gzip KiB": kib(r.libs.flechette.gzip),
    },
  ]);
}

/** Each target, met or missed. */
export function printTargets(targets: readonly Target[]): void {
  printTable(
    "targets",
    targets.map((t) => ({
      metric: t.metric,
      value: t.value,
      target: `${t.op} ${t.target}`,
      result: (t.op === "<=" ? t.value <= t.target : t.value >= t.target) ? "met" : "MISSED",
      note: t.note ?? "",
    })),
  );
}
