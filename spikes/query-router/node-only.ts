/** A quick look at the Node half alone (not part of the spike's output): tsx spikes/query-router/node-only.ts [--quick] */
import { isQuick } from "../lib/report.ts";
import { runWorkload, setup, summaries } from "./node-part.ts";

const quick = isQuick();
const t0 = performance.now();
const s = await setup(quick ? 20_000 : 200_000);
console.log({ loadMs: Math.round(s.loadMs), built: s.built, setupMs: Math.round(performance.now() - t0) });
const n = quick ? 2_000 : 20_000;
const off = await runWorkload(s, n, false, 7);
console.log("off", off.bySource, summaries(off).all);
const on = await runWorkload(s, n, true, 7);
const sum = summaries(on);
console.log("on", on.bySource, {
  cached: sum.cached,
  uncached: sum.uncached,
  blocking: on.blocking,
  violations: on.violations,
  refreshes: on.refreshes,
});
console.log("total s", Math.round((performance.now() - t0) / 1000));
