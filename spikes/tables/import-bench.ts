/**
 * A standalone driver of the import variant, for profiling and before/after comparisons:
 * `npx tsx spikes/tables/import-bench.ts [rows] [rounds] [--http]` (in-process by default;
 * `node --cpu-prof --import tsx …` for a profile). It writes the same generated CSV as the
 * spike and prints rows/s per round; `--http` imports it over `wrangler dev` instead.
 * @module
 */
import { importInNode, importOverHttp, writeCsv } from "./import.ts";

const [rowsArg, roundsArg] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const rows = Number(rowsArg ?? 100_000);
const rounds = Number(roundsArg ?? 3);
const http = process.argv.includes("--http");
const path = writeCsv(rows);
for (let r = 0; r < rounds; r++) {
  if (http) {
    console.log(JSON.stringify({ round: r, rows, httpRowsPerS: Math.round(await importOverHttp(path, rows)) }));
    continue;
  }
  const result = await importInNode(path);
  console.log(
    JSON.stringify({
      round: r,
      rows: result.rows,
      rowsPerS: Math.round(result.rowsPerS),
      peakMb: +result.peakMb.toFixed(1),
    }),
  );
}
