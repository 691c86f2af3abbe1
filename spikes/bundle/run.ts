/**
 * Spike `bundle`: what does each package cost a Worker that imports it, and what does Arrow save
 * over JSON? In one run: (1) every package entry bundled alone with wrangler's esbuild settings,
 * next to the same entry with full zod (the baseline before the move to zod/mini); (2) the
 * platform through `wrangler deploy --dry-run`, and apache-arrow's share of it; (3) 100,000 flights
 * of the tables scan route as JSON, as Arrow through apache-arrow (`encodeArrow`) and through
 * flechette: bytes, gzip bytes, encode time, and each Arrow library's bundle size.
 * Run: npm run spike:bundle [-- --quick]   (README.md: method and results)
 */
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isQuick, printMetrics } from "../lib/report.ts";
import { round, summarize } from "../lib/stats.ts";
import { encodeTimes, encodingSizes, libraryBundles, verifySameRows } from "./arrow-vs-json.ts";
import { encodeApacheArrow, encodeFlechette, encodeJson } from "./encoders.ts";
import { PARQUET_PACKAGES, prepareEntries, workerEntries } from "./entries.ts";
import { loadFlightsResult } from "./flights.ts";
import { sizePackages } from "./packages.ts";
import { sizePlatform } from "./platform.ts";
import { printArrowTables, printPackageTables, printPlatformTable, printTargets, type Target } from "./tables.ts";
import { kib } from "./wrangler-esbuild.ts";

const quick = isQuick();
const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const started = performance.now();
/** Seconds each phase took (printed at the end: the quick run has a one-minute budget). */
const phases: string[] = [];
let phaseStart = started;
function phase(name: string): void {
  const now = performance.now();
  phases.push(`${name} ${round((now - phaseStart) / 1000, 1)} s`);
  phaseStart = now;
}

/** Budgets of issue 15. */
const PACKAGE_BUDGET_KIB = 60;
const PLATFORM_BUDGET_KIB = 1024;
const ARROW_RATIO_TARGET = 0.5;
const ROWS = 100_000;

// 1. Packages, alone.
const source = prepareEntries(root, quick);
const { entries, missing } = workerEntries(root, source);
phase("build check");
const packages = await sizePackages(root, entries, source, !quick);
printPackageTables(root, source, missing, packages, PACKAGE_BUDGET_KIB);
phase("packages");

// 2. The platform.
const platform = await sizePlatform(root);
printPlatformTable(root, platform);
phase("platform");

// 3. Arrow vs JSON on 100,000 flights.
const flights = await loadFlightsResult(ROWS);
phase("flights");
const whole = { rows: flights.rows, cursor: null };
const jsonBytes = encodeJson(whole);
const arrowTypes = verifySameRows(
  "apache-arrow",
  encodeApacheArrow(flights.columns, whole),
  jsonBytes,
  flights.columns,
);
const flechetteTypes = verifySameRows("flechette", encodeFlechette(flights.columns, whole), jsonBytes, flights.columns);
for (const page of [flights.pages[0], flights.pages[flights.pages.length - 1]]) {
  if (!page) continue;
  verifySameRows("apache-arrow page", encodeApacheArrow(flights.columns, page), encodeJson(page), flights.columns);
  verifySameRows("flechette page", encodeFlechette(flights.columns, page), encodeJson(page), flights.columns);
}
verifySameRows("flechette dictionary", encodeFlechette(flights.columns, whole, true), jsonBytes, flights.columns);
phase("decode checks");
const single = encodingSizes(flights.columns, [whole]);
const paged = encodingSizes(flights.columns, flights.pages);
phase("sizes");
const times = encodeTimes(flights.columns, whole, quick ? 1 : 5, quick ? 5 : 30);
phase("encode times");
const libs = await libraryBundles(root);
phase("library bundles");
printArrowTables({ rows: ROWS, pages: flights.pages.length, loadMs: flights.loadMs, single, paged, times, libs });
console.log(`\nArrow field types: apache-arrow ${arrowTypes.join(", ")}; flechette ${flechetteTypes.join(", ")}`);
console.log("every value of both Arrow streams decodes (apache-arrow tableFromIPC) equal to the JSON answer");

// Targets and the metrics line.
const budgeted = packages.filter((p) => p.entry.subpath === "." && !PARQUET_PACKAGES.has(p.entry.pkg));
const largest = budgeted.reduce((a, b) => (b.current.gzip > a.current.gzip ? b : a));
const largestEntry = packages
  .filter((p) => !PARQUET_PACKAGES.has(p.entry.pkg))
  .reduce((a, b) => (b.current.gzip > a.current.gzip ? b : a));
const platformGzipKb = kib(platform.gzip);
const maxPackageGzipKb = kib(largest.current.gzip);
const ratio = single.arrow.bytes / single.json.bytes;
const t = { json: summarize(times.json), arrow: summarize(times.arrow), flechette: summarize(times.flechette) };
const targets: Target[] = [
  { metric: "platform_gzip_kb", value: platformGzipKb, op: "<=", target: PLATFORM_BUDGET_KIB },
  {
    metric: "max_package_gzip_kb",
    value: maxPackageGzipKb,
    op: "<=",
    target: PACKAGE_BUDGET_KIB,
    note: `${largest.entry.specifier}; Parquet packages excluded`,
  },
  { metric: "arrow_vs_json_bytes", value: round(ratio, 3), op: "<=", target: ARROW_RATIO_TARGET },
];
printTargets(targets);
if (largestEntry !== largest) {
  console.log(
    `(the largest entry of all, subpaths included, is ${largestEntry.entry.specifier}: ${kib(largestEntry.current.gzip)} KiB gzip)`,
  );
}
const load = loadavg()
  .map((l) => round(l, 1))
  .join(", ");
console.log(
  `\ntotal ${round((performance.now() - started) / 1000, 1)} s (${phases.join(", ")}); load average ${load} (a shared machine: times are noisy)`,
);

const perEntry: Record<string, number> = {};
for (const p of packages) {
  const key = p.entry.specifier.replace("@durable/", "").replace(/[^a-z0-9]+/g, "_");
  perEntry[`${key}_gzip_kb`] = kib(p.current.gzip);
  perEntry[`${key}_full_zod_gzip_kb`] = kib(p.fullZod.gzip);
}
printMetrics("bundle", quick, {
  platform_gzip_kb: platformGzipKb,
  max_package_gzip_kb: maxPackageGzipKb,
  arrow_vs_json_bytes: round(ratio, 4),
  arrow_encode_ms: round(t.arrow.p50, 2),
  json_encode_ms: round(t.json.p50, 2),
  arrow_encode_p95_ms: round(t.arrow.p95, 2),
  json_encode_p95_ms: round(t.json.p95, 2),
  flechette_encode_ms: round(t.flechette.p50, 2),
  flechette_encode_p95_ms: round(t.flechette.p95, 2),
  flechette_vs_json_bytes: round(single.flechette.bytes / single.json.bytes, 4),
  arrow_vs_json_gzip: round(single.arrow.gzip / single.json.gzip, 4),
  arrow_vs_json_bytes_paged: round(paged.arrow.bytes / paged.json.bytes, 4),
  flechette_dictionary_vs_json_gzip: round(single.flechetteDictionary.gzip / single.json.gzip, 4),
  platform_raw_kb: kib(platform.raw),
  platform_full_zod_gzip_kb: kib(platform.fullZod.gzip),
  platform_apache_arrow_gzip_kb: kib(platform.mirror.gzip - platform.withoutArrow.gzip),
  max_entry_gzip_kb: kib(largestEntry.current.gzip),
  apache_arrow_bundle_gzip_kb: kib(libs.apacheArrow.gzip),
  flechette_bundle_gzip_kb: kib(libs.flechette.gzip),
  ...perEntry,
});
