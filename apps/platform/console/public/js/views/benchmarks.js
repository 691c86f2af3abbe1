/**
 * Benchmarks: every spike's latest results (docs/benchmarks.json, written by
 * `npm run spikes:record` and bundled by the Worker at /console/benchmarks.json) drawn as one
 * bar per targeted metric against its target; metrics without a target are listed beside.
 * Reads no tenant route and spends no quota.
 * @module
 */
import { scaleBar } from "../chart-scale.js";
import { h, svg, table } from "../dom.js";
import { formatMetric } from "../format.js";
import { Panel } from "../panel.js";

const W = 440;
const LABEL = 200;
const ROW = 38;

/**
 * @param {{ metric: string, op: ">=" | "<=", value: number }[]} targets
 * @param {Record<string, number>} metrics
 * @param {string} spike
 * @returns {Element}
 */
function chart(targets, metrics, spike) {
  const rows = targets.filter((t) => typeof metrics[t.metric] === "number");
  const barW = W - LABEL - 12;
  const height = rows.length * ROW + 8;
  const bars = rows.map((t, i) => {
    const measured = /** @type {number} */ (metrics[t.metric]);
    const bar = scaleBar(measured, t);
    const y = 4 + i * ROW;
    const verdict = bar.met ? "met" : "missed";
    return svg(
      "g",
      {
        class: `bar ${verdict}`,
        "data-metric": t.metric,
        "data-measured": measured,
        "data-target": t.value,
        "data-met": String(bar.met),
      },
      svg(
        "title",
        {},
        `${t.metric}: ${formatMetric(measured)} (target ${t.op} ${formatMetric(t.value)}, ${verdict}${bar.scale === "log" ? ", log scale" : ""})`,
      ),
      svg("text", { x: 0, y: y + 14, class: "label" }, t.metric),
      svg(
        "text",
        { x: 0, y: y + 25, class: "sub" },
        `${formatMetric(measured)} · target ${t.op} ${formatMetric(t.value)}`,
      ),
      svg("rect", { x: LABEL, y: y + 8, width: barW, height: 18, class: "track" }),
      svg("rect", { x: LABEL, y: y + 8, width: Math.max(1, bar.measured * barW), height: 18, class: "value" }),
      svg("line", {
        x1: LABEL + bar.target * barW,
        x2: LABEL + bar.target * barW,
        y1: y + 3,
        y2: y + 31,
        class: "target",
      }),
    );
  });
  return svg(
    "svg",
    {
      viewBox: `0 0 ${W} ${height}`,
      width: "100%",
      role: "img",
      "aria-label": `${spike}: ${rows.length} metrics against their targets, ${rows.filter((t) => scaleBar(/** @type {number} */ (metrics[t.metric]), t).met).length} met`,
      preserveAspectRatio: "xMinYMin meet",
    },
    bars,
  );
}

/** @type {import("../panel.js").View} */
export const benchmarks = {
  id: "benchmarks",
  title: "Benchmarks",
  capability: null,
  live: false,
  create(ctx) {
    const panel = new Panel("Latest spike results against their targets", "benchmarks", ctx);
    const el = h("div", { class: "stack" }, panel.el);
    const read = async () => {
      await panel.run(
        async () => {
          const res = await fetch("/console/benchmarks.json", { credentials: "omit", cache: "no-store" });
          if (!res.ok) throw new Error(`benchmarks.json: ${res.status}`);
          return res.json();
        },
        (file) => [
          h(
            "p",
            { class: "hint" },
            `Recorded by npm run spikes:record; file written ${String(file.generatedAt).slice(0, 16).replace("T", " ")} UTC. A bar is the measured value, the line its target; red misses it.`,
          ),
          h(
            "div",
            { class: "charts" },
            (file.spikes ?? []).map((/** @type {any} */ s) =>
              h(
                "figure",
                { class: "chart", "data-spike": s.spike },
                h(
                  "figcaption",
                  {},
                  h("strong", {}, s.spike),
                  s.metrics ? ` · ${s.recordedAt ?? "undated"}${s.quick ? " · quick run" : ""}` : " · not measured yet",
                ),
                s.metrics
                  ? chart(s.targets ?? [], s.metrics, s.spike)
                  : h("p", { class: "hint" }, `${(s.targets ?? []).length} targets set; no results recorded.`),
                s.metrics
                  ? table({
                      caption: "Reported without a target",
                      columns: ["metric", "value"],
                      numeric: [1],
                      rows: Object.entries(s.metrics)
                        .filter(([k]) => !(s.targets ?? []).some((/** @type {any} */ t) => t.metric === k))
                        .map(([k, v]) => [k, formatMetric(/** @type {number} */ (v))]),
                    })
                  : null,
              ),
            ),
          ),
        ],
      );
    };
    return { el, load: read, refresh: read };
  },
};
