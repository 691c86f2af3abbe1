/**
 * `npm run spikes:record`: writes docs/benchmarks.json, the ops console's benchmark charts, from
 * every spike's last stdout line (`{"spike", "quick", "metrics"}`) and the targets each issue set.
 *
 *   npm run spikes:record                    run every spike in full (slow: minutes each)
 *   npm run spikes:record -- --quick         run every spike with --quick (CI-sized, < 45 s each)
 *   npm run spikes:record -- --from-docs     read the JSON lines already in docs/benchmarks.md
 *                                            (newest first there: the first line of a spike wins)
 *   npm run spikes:record -- --from <file>   read spike JSON lines from a log (the last one wins),
 *                                            e.g. `npm run spikes:quick > quick.log`
 *   --only a,b                               record only these spikes; the others keep the entry
 *                                            docs/benchmarks.json has
 *
 * A spike that fails or prints no result keeps its previous entry; one never measured is listed
 * with its targets and `metrics: null`, so the console shows it as "not measured".
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(root, "docs/benchmarks.json");

/** How a measured value meets its target. */
export type TargetOp = ">=" | "<=";

/** One target an issue set for a spike metric. */
export interface Target {
  metric: string;
  op: TargetOp;
  value: number;
}

/** One spike's entry in docs/benchmarks.json. */
export interface BenchmarkEntry {
  spike: string;
  /** Where the numbers came from: `run`, `run --quick`, `docs/benchmarks.md` or a log file. */
  source: string | null;
  /** When they were measured (ISO date or time), when known. */
  recordedAt: string | null;
  quick: boolean | null;
  metrics: Record<string, number> | null;
  targets: Target[];
}

/** The file the console reads. */
export interface BenchmarksFile {
  version: 1;
  generatedAt: string;
  spikes: BenchmarkEntry[];
}

const t = (metric: string, op: TargetOp, value: number): Target => ({ metric, op, value });

/** Every spike's targets, as its issue set them (docs/benchmarks.md repeats them per round). */
export const TARGETS: Record<string, Target[]> = {
  platform: [t("overhead_vs_bare_do", "<=", 1.3)],
  tables: [
    t("ratio_to_raw_insert", ">=", 0.5),
    t("full_vs_bare_ratio", ">=", 0.5),
    t("import_rows_per_s", ">=", 100_000),
    t("import_vs_json_rows", ">=", 1.3),
    t("import_peak_mb", "<=", 64),
  ],
  "rate-limit": [
    t("decisions_per_s", ">=", 150_000),
    t("ratio_vs_sql_log", ">=", 10),
    t("ratio_to_write_ceiling", ">=", 0.5),
    t("p99_us", "<=", 50),
    t("over_admission", "<=", 0),
    t("fixed_window_boundary_factor", "<=", 2),
  ],
  scheduler: [
    t("next_run_p99_us", "<=", 1_000),
    t("alarm_pass_10k_ms", "<=", 1_000),
    t("pass_cost_ratio_100k_vs_1k", "<=", 2),
    t("duplicate_side_effects", "<=", 0),
    t("missed_runs_with_catchup", "<=", 0),
  ],
  "cost-estimator": [
    t("qerror_p90", "<=", 2),
    t("qerror_p99", "<=", 10),
    t("within_2x_pct", ">=", 90),
    t("within_10x_pct", ">=", 99),
    t("hll_rel_error_p14", "<=", 0.01),
    t("estimate_p99_us", "<=", 100),
  ],
  cdc: [
    t("write_ratio_with_cdc", ">=", 0.5),
    t("events_per_s", ">=", 50_000),
    t("lost_events", "<=", 0),
    t("duplicate_effects", "<=", 0),
    t("parquet_row_mismatches", "<=", 0),
  ],
  checkpoint: [
    t("global_5do_p50_ms", "<=", 100),
    t("global_10do_p50_ms", "<=", 500),
    t("restore_1mb_ms", "<=", 10),
    t("ratio_to_codec_ceiling", ">=", 0.7),
    t("consistency_violations", "<=", 0),
  ],
  "pre-agg": [
    t("speedup_vs_raw_scan", ">=", 100),
    t("ratio_vs_duckdb", ">=", 5),
    t("ingest_rows_per_s", ">=", 100_000),
    t("result_mismatches", "<=", 0),
  ],
  "query-router": [
    t("cached_p50_ms", "<=", 1),
    t("cache_overhead_us", "<=", 500),
    t("fanout_vs_slowest_ratio", "<=", 1.2),
    t("blocking_refreshes", "<=", 0),
    t("dashboard_hit_rate", ">=", 0.7),
    t("staleness_violations", "<=", 0),
  ],
  bundle: [t("platform_gzip_kb", "<=", 1024), t("max_package_gzip_kb", "<=", 60), t("arrow_vs_json_bytes", "<=", 0.5)],
  vector: [
    t("recall_at_10", ">=", 0.95),
    t("speedup_vs_exact", ">=", 5),
    t("bandwidth_ratio", ">=", 0.3),
    t("peak_heap_mb", "<=", 100),
  ],
};

interface Result {
  spike: string;
  quick: boolean;
  metrics: Record<string, number>;
  recordedAt: string | null;
}

/** Parses one spike JSON line; anything else is null. */
export function parseSpikeLine(line: string): Omit<Result, "recordedAt"> | null {
  const text = line.trim();
  if (!text.startsWith("{")) return null;
  try {
    const value = JSON.parse(text) as { spike?: unknown; quick?: unknown; metrics?: unknown };
    if (typeof value.spike !== "string" || typeof value.metrics !== "object" || value.metrics === null) return null;
    const metrics: Record<string, number> = {};
    for (const [key, v] of Object.entries(value.metrics))
      if (typeof v === "number" && Number.isFinite(v)) metrics[key] = v;
    return { spike: value.spike, quick: value.quick === true, metrics };
  } catch {
    return null;
  }
}

/** Spike results in a text, each dated by the nearest `##`/`###` heading with a YYYY-MM-DD above it (else `undated`). */
export function resultsIn(text: string, wins: "first" | "last", undated: string | null = null): Map<string, Result> {
  const out = new Map<string, Result>();
  let date: string | null = undated;
  for (const line of text.split("\n")) {
    const heading = /^#{2,3} .*?(\d{4}-\d{2}-\d{2})/.exec(line);
    if (heading) date = heading[1] ?? null;
    const parsed = parseSpikeLine(line);
    if (!parsed || (wins === "first" && out.has(parsed.spike))) continue;
    out.set(parsed.spike, { ...parsed, recordedAt: date });
  }
  return out;
}

function spikeNames(): string[] {
  return readdirSync(join(root, "spikes"), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, "spikes", d.name, "run.ts")))
    .map((d) => d.name)
    .sort();
}

function run(name: string, quick: boolean): Result | null {
  console.log(`=== spike ${name}${quick ? " --quick" : ""}`);
  const child = spawnSync(
    join(root, "node_modules/.bin/tsx"),
    [join("spikes", name, "run.ts"), ...(quick ? ["--quick"] : [])],
    { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: quick ? 120_000 : 3_600_000 },
  );
  const last = (child.stdout ?? "").trim().split("\n").pop() ?? "";
  const parsed = child.status === 0 ? parseSpikeLine(last) : null;
  if (!parsed || parsed.spike !== name) {
    console.error(`=== spike ${name}: no result (exit ${child.status}); its previous entry stays`);
    return null;
  }
  return { ...parsed, recordedAt: new Date().toISOString() };
}

function previous(): Map<string, BenchmarkEntry> {
  if (!existsSync(OUT)) return new Map();
  const file = JSON.parse(readFileSync(OUT, "utf8")) as BenchmarksFile;
  return new Map(file.spikes.map((e) => [e.spike, e]));
}

function main(argv: string[]): void {
  const quick = argv.includes("--quick");
  const fromDocs = argv.includes("--from-docs");
  const fromIndex = argv.indexOf("--from");
  const fromFile = fromIndex >= 0 ? argv[fromIndex + 1] : undefined;
  const onlyIndex = argv.indexOf("--only");
  const only = onlyIndex >= 0 ? new Set((argv[onlyIndex + 1] ?? "").split(",").filter(Boolean)) : null;
  const names = [...new Set([...spikeNames(), ...Object.keys(TARGETS)])].sort();
  let found = new Map<string, Result>();
  let source = quick ? "run --quick" : "run";
  if (fromDocs) {
    found = resultsIn(readFileSync(join(root, "docs/benchmarks.md"), "utf8"), "first");
    source = "docs/benchmarks.md";
  } else if (fromFile) {
    // A log has no dated headings: its lines are as old as the file.
    found = resultsIn(readFileSync(fromFile, "utf8"), "last", statSync(fromFile).mtime.toISOString());
    source = fromFile;
  } else {
    for (const name of spikeNames()) {
      if (only && !only.has(name)) continue;
      const result = run(name, quick);
      if (result) found.set(name, result);
    }
  }
  const before = previous();
  const spikes = names.map((name): BenchmarkEntry => {
    const result = only && !only.has(name) ? undefined : found.get(name);
    const targets = TARGETS[name] ?? [];
    if (result) {
      const { spike, quick: q, metrics, recordedAt } = result;
      return { spike, source, recordedAt, quick: q, metrics, targets };
    }
    const kept = before.get(name);
    return kept
      ? { ...kept, targets }
      : { spike: name, source: null, recordedAt: null, quick: null, metrics: null, targets };
  });
  const file: BenchmarksFile = { version: 1, generatedAt: new Date().toISOString(), spikes };
  writeFileSync(OUT, `${JSON.stringify(file, null, 2)}\n`);
  for (const e of spikes) {
    const met = e.targets.filter((x) => e.metrics && x.metric in e.metrics).length;
    console.log(`${e.spike.padEnd(16)} ${e.metrics ? `${met}/${e.targets.length} targets measured` : "not measured"}`);
  }
  console.log(`wrote ${OUT}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main(process.argv.slice(2));
