/**
 * Spike output: a readable table, then the one-line JSON the spike convention asks for
 * (`{"spike":"<name>","quick":bool,"metrics":{...}}`) as the very last line.
 * @module
 */

/** True when the spike was started with `--quick`. */
export function isQuick(argv: readonly string[] = process.argv): boolean {
  return argv.includes("--quick");
}

/**
 * Prints rows as an aligned text table.
 * @param title a heading line
 * @param rows objects with the same keys
 */
export function printTable(title: string, rows: readonly Record<string, string | number>[]): void {
  console.log(`\n${title}`);
  if (rows.length === 0) return;
  const headers = Object.keys(rows[0] ?? {});
  const cell = (v: string | number | undefined) => (typeof v === "number" ? String(v) : (v ?? ""));
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => cell(r[h]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i] ?? 0)).join("  ");
  console.log(line(headers));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const r of rows) console.log(line(headers.map((h) => cell(r[h]))));
}

/**
 * Prints the final JSON line. Call it last: nothing may be printed after it.
 * @param spike the spike's name
 * @param quick whether this was a `--quick` run
 * @param metrics the metric names its issue lists
 */
export function printMetrics(spike: string, quick: boolean, metrics: Record<string, number | boolean | string>): void {
  console.log(JSON.stringify({ spike, quick, metrics }));
}
