/**
 * A standalone driver of the import variant's in-process half, for profiling and before/after
 * comparisons: `npx tsx spikes/tables/import-bench.ts [rows] [rounds]` (`node --cpu-prof` via
 * `NODE_OPTIONS`). It writes the same generated CSV as the spike and prints rows/s per round.
 * @module
 */
import { importInNode, writeCsv } from "./import.ts";

const rows = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 3);
const path = writeCsv(rows);
for (let r = 0; r < rounds; r++) {
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
