/**
 * Query: runs an analytics query through the query router with a chosen freshness
 * (`POST /query {query, routing: {freshness, explain: true}}`) and shows the answer's source,
 * age and budget and the router's plan. Nothing here refreshes by itself.
 * @module
 */
import { badge, facts, h, table } from "../dom.js";
import { formatCount, formatDuration, formatMetric } from "../format.js";
import { cell, num, Panel } from "../panel.js";
import { queryEditor } from "./query-editor.js";

/** @type {import("../panel.js").View} */
export const query = {
  id: "query",
  title: "Query",
  capability: "query",
  live: false,
  create(ctx) {
    const form = new Panel("Run a query", "query-form", ctx);
    const answer = new Panel("Answer", "query-answer", ctx);
    answer.show([h("p", { class: "hint" }, "Run a query above.")], "");
    /** @type {import("../api.js").Api | null} */
    let api = null;
    const editor = queryEditor({
      id: "query",
      label: "Query (AnalyticsQuery JSON)",
      submit: "Run query",
      freshness: true,
      onSubmit: (q, freshness) => {
        if (!api) return;
        const a = api;
        void answer.run(
          () => a.post("/query", { query: q, routing: { freshness, explain: true } }),
          (r) => {
            const columns = (r.columns ?? []).map((/** @type {any} */ c) => (typeof c === "string" ? c : c.name));
            const m = r.meta ?? {};
            return [
              facts(
                [
                  [
                    "Source",
                    h("strong", { "data-testid": "query-source" }, `${m.source}${m.rollup ? ` (${m.rollup})` : ""}`),
                  ],
                  ["Age", num(m.ageMs, formatDuration(m.ageMs), "query-age")],
                  ["Budget", formatDuration(m.budgetMs)],
                  ["Stale", m.stale ? "yes" : "no"],
                  ["Revalidating", m.revalidating ? "yes" : "no"],
                  ["Refresh error", m.refreshError ?? "none"],
                  ["Rows", num(r.rows?.length, formatCount(r.rows?.length), "query-rows")],
                ],
                "query-meta",
              ),
              table({
                caption: "Plan: every source the router weighed",
                columns: ["source", "verdict", "reasons", "est. rows", "cost µs", "age"],
                numeric: [3, 4],
                testId: "plan-table",
                empty: "no plan attached",
                rows: (m.plan?.candidates ?? []).map((/** @type {any} */ c) => [
                  `${c.source}${c.name ? ` ${c.name}` : ""}`,
                  badge(c.verdict),
                  (c.reasons ?? []).join(", "),
                  c.estimatedRows === undefined ? "–" : formatCount(c.estimatedRows),
                  c.costUs === undefined ? "–" : formatMetric(c.costUs),
                  c.ageMs === undefined ? "–" : formatDuration(c.ageMs),
                ]),
              }),
              table({
                caption: `Rows (first ${Math.min(50, r.rows?.length ?? 0)})`,
                columns,
                testId: "answer-table",
                empty: "no rows",
                rows: (r.rows ?? []).slice(0, 50).map((/** @type {any} */ row) =>
                  columns.map((/** @type {string} */ c, /** @type {number} */ i) => {
                    const v = Array.isArray(row) ? row[i] : row[c];
                    return typeof v === "number" ? formatMetric(v) : cell(v);
                  }),
                ),
              }),
            ];
          },
        );
      },
    });
    form.show([editor.form], "the answer's age never exceeds the chosen freshness");
    const el = h("div", { class: "stack" }, form.el, answer.el);
    return {
      el,
      async load(a) {
        api = a;
      },
      async refresh() {},
    };
  },
};
