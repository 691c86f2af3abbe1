/**
 * Vector indexes: dimensions, metric, vector count, mode (exact or IVF) and training progress
 * (`GET /vector/indexes`, and `GET /vector/indexes/:name` for the chosen one).
 * @module
 */
import { badge, facts, h, table } from "../dom.js";
import { formatCount, formatPercent } from "../format.js";
import { cell, listOf, num, Panel } from "../panel.js";

/**
 * An index entry, whatever nesting the route uses (`config`, `info`, `describe`).
 * @param {any} item
 * @returns {any}
 */
export function flattenIndex(item) {
  return { ...(item?.config ?? {}), ...(item?.info ?? {}), ...(item?.describe ?? {}), ...(item ?? {}) };
}

/**
 * Training progress 0..1 from `training: {progress}` or `{done, total}`; null when not training.
 * @param {any} index
 * @returns {number | null}
 */
export function trainingProgress(index) {
  const t = index?.training;
  if (!t || typeof t !== "object") return null;
  if (typeof t.progress === "number") return t.progress;
  if (typeof t.done === "number" && typeof t.total === "number" && t.total > 0) return t.done / t.total;
  return null;
}

/**
 * How far an index is toward IVF: its vectors over the `ivfThreshold` it trains at (1 once IVF).
 * @param {any} index
 * @returns {number | null}
 */
export function ivfProgress(index) {
  if (index?.mode === "ivf") return 1;
  const threshold = Number(index?.ivfThreshold);
  if (!Number.isFinite(threshold) || threshold <= 0 || typeof index?.vectorCount !== "number") return null;
  return Math.min(1, index.vectorCount / threshold);
}

/** @type {import("../panel.js").View} */
export const vector = {
  id: "vector",
  title: "Vector indexes",
  capability: "vector",
  live: true,
  create(ctx) {
    const list = new Panel("Indexes", "vector-indexes", ctx);
    const detail = new Panel("Index", "vector-detail", ctx);
    detail.show([h("p", { class: "hint" }, "Choose an index above.")], "");
    /** @type {import("../api.js").Api | null} */
    let api = null;
    /** @type {string | null} */
    let chosen = null;
    /** @param {import("../api.js").Api} a @param {string} name */
    const readDetail = (a, name) => {
      chosen = name;
      detail.retitle(`Index ${name}`);
      return detail.run(
        () => a.get(`/vector/indexes/${encodeURIComponent(name)}`),
        (raw) => {
          const i = flattenIndex(raw);
          const progress = trainingProgress(i);
          return [
            facts([
              ["Dimensions", formatCount(i.dimensions)],
              ["Metric", i.metric ?? "–"],
              ["Vectors", num(i.vectorCount, formatCount(i.vectorCount), "vector-count")],
              ["Mode", h("span", { "data-testid": "vector-mode" }, badge(String(i.mode ?? "exact")))],
              [
                "Training",
                progress === null
                  ? "no training running"
                  : h("span", {}, h("progress", { max: 1, value: progress }), ` ${formatPercent(progress)}`),
              ],
              [
                "Toward IVF",
                `${formatPercent(ivfProgress(i))} (${formatCount(i.vectorCount)} of ${formatCount(i.ivfThreshold)} vectors)`,
              ],
              ["Processed up to", i.processedUpToMutation ?? "–"],
              ["Corrupt rows", formatCount(i.corruptRows ?? 0)],
            ]),
            h("pre", { class: "json" }, cell(raw, 2000)),
          ];
        },
      );
    };
    /** @param {import("../api.js").Api} a */
    const readList = (a) =>
      list.run(
        () => a.get("/vector/indexes"),
        (data) => [
          table({
            caption: "Indexes of this tenant",
            columns: ["index", "dimensions", "metric", "vectors", "mode", "toward IVF", "training"],
            numeric: [1, 3],
            testId: "vector-table",
            empty: "no indexes",
            rows: listOf(data, ["indexes", "items"]).map((/** @type {any} */ raw) => {
              const i = flattenIndex(raw);
              const progress = trainingProgress(i);
              return [
                h("button", { type: "button", class: "link", onclick: () => api && readDetail(api, i.name) }, i.name),
                formatCount(i.dimensions),
                i.metric ?? "–",
                formatCount(i.vectorCount),
                h("span", { "data-testid": `mode-${i.name}` }, badge(String(i.mode ?? "exact"))),
                formatPercent(ivfProgress(i)),
                progress === null ? "–" : formatPercent(progress),
              ];
            }),
          }),
        ],
      );
    const el = h("div", { class: "stack" }, list.el, detail.el);
    return {
      el,
      async load(a) {
        api = a;
        await readList(a);
        if (chosen) await readDetail(a, chosen);
      },
      async refresh(a) {
        await readList(a);
        if (chosen) await readDetail(a, chosen);
      },
    };
  },
};
