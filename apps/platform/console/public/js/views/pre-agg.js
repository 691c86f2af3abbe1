/**
 * Pre-aggregation: rollups with status, partitions per tier, rows, bytes and watermark age
 * (`GET /pre-agg/rollups`, and `GET /pre-agg/rollups/:name` for the chosen one), and an explain
 * of a typed query (`POST /pre-agg/explain {query}`): which rollup would answer and why not the others.
 * @module
 */
import { badge, facts, h, table } from "../dom.js";
import { formatAge, formatBytes, formatCount, formatMetric } from "../format.js";
import { cell, listOf, num, Panel } from "../panel.js";
import { queryEditor } from "./query-editor.js";

/** @param {any} p */
function tiers(p) {
  if (!p || typeof p !== "object") return "–";
  return `${formatCount(p.hot)} hot · ${formatCount(p.warm)} warm · ${formatCount(p.mixed)} mixed${p.dirty ? ` · ${formatCount(p.dirty)} dirty` : ""}`;
}

/** @type {import("../panel.js").View} */
export const preAgg = {
  id: "pre-agg",
  title: "Pre-aggregation",
  capability: "pre-agg",
  live: true,
  create(ctx) {
    const list = new Panel("Rollups", "rollups", ctx);
    const detail = new Panel("Rollup", "rollup-detail", ctx);
    const explain = new Panel("Explain a query", "rollup-explain", ctx);
    detail.show([h("p", { class: "hint" }, "Choose a rollup above.")], "");
    /** @type {import("../api.js").Api | null} */
    let api = null;
    /** @type {string | null} */
    let chosen = null;
    const editor = queryEditor({
      id: "explain",
      label: "Typed query (AnalyticsQuery JSON)",
      submit: "Explain",
      freshness: false,
      onSubmit: (query) => {
        if (!api) return;
        const a = api;
        void explain.run(
          () => a.post("/pre-agg/explain", { query }),
          (x) => [
            editor.form,
            h("p", {}, x.chosen ? `Chosen: ${x.chosen}` : "No rollup matches: raw rows would answer."),
            table({
              caption: "Every rollup, matched or not",
              columns: ["rollup", "matched", "reasons", "est. rows", "cost µs", "tiers", "as of"],
              numeric: [3, 4],
              testId: "explain-table",
              rows: (x.candidates ?? []).map((/** @type {any} */ c) => [
                c.rollup,
                badge(c.matched ? "matched" : "no"),
                (c.reasons ?? []).join(", "),
                formatCount(c.estimatedRows),
                formatMetric(c.costUs),
                (c.tiers ?? []).join(", "),
                formatAge(c.asOf, ctx.now()),
              ]),
            }),
          ],
        );
      },
    });
    explain.show([editor.form], "");
    const el = h("div", { class: "stack" }, list.el, detail.el, explain.el);
    /** @param {import("../api.js").Api} a @param {string} name */
    const readDetail = (a, name) => {
      chosen = name;
      detail.retitle(`Rollup ${name}`);
      return detail.run(
        () => a.get(`/pre-agg/rollups/${encodeURIComponent(name)}`),
        (r) => {
          const info = r.rollup ?? r;
          return [
            facts([
              ["Source", info.source],
              ["Status", badge(info.status)],
              ["Partitions", tiers(info.partitions)],
              ["Rows", num(info.rows, formatCount(info.rows), "rollup-rows")],
              ["Warm bytes", formatBytes(info.bytes)],
              ["Reflects changes up to", formatAge(info.asOf, ctx.now())],
              ["Watermark", info.watermark === undefined ? "–" : formatAge(info.watermark, ctx.now())],
              ["Error", info.error ?? "none"],
            ]),
            h("pre", { class: "json" }, cell(info.definition, 2000)),
          ];
        },
      );
    };
    /** @param {import("../api.js").Api} a */
    const readList = (a) =>
      list.run(
        () => a.get("/pre-agg/rollups"),
        (data) => [
          table({
            caption: "Rollups of this tenant",
            columns: ["rollup", "table", "status", "partitions", "rows", "bytes", "as of"],
            numeric: [4, 5],
            testId: "rollups-table",
            empty: "no rollups",
            rows: listOf(data, ["rollups", "items"]).map((/** @type {any} */ r) => [
              h("button", { type: "button", class: "link", onclick: () => api && readDetail(api, r.name) }, r.name),
              r.source,
              badge(r.status),
              tiers(r.partitions),
              formatCount(r.rows),
              formatBytes(r.bytes),
              formatAge(r.asOf, ctx.now()),
            ]),
          }),
        ],
      );
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
