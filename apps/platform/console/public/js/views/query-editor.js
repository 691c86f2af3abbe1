/**
 * The query form shared by the query and pre-agg views: a JSON textarea, an optional
 * freshness choice, a submit button. Bad JSON is reported beside the form, never sent.
 * @module
 */
import { h } from "../dom.js";

/** The query router's freshness levels and their budgets (docs/query-router.md). */
export const FRESHNESS = [
  ["realtime", "realtime (0 s)"],
  ["fresh", "fresh (30 s)"],
  ["dashboard", "dashboard (5 min)"],
  ["daily", "daily (24 h)"],
  ["archive", "archive (7 d)"],
];

/** A first query over the demo's flights table. */
export const EXAMPLE_QUERY = {
  table: "flights",
  measures: [{ agg: "count" }, { agg: "avg", column: "delay" }],
  dimensions: ["origin"],
  order: [{ by: "origin", dir: "asc" }],
  limit: 10,
};

/**
 * @param {{ id: string, label: string, submit: string, freshness: boolean, onSubmit: (query: unknown, freshness: string) => void }} o
 * @returns {{ form: HTMLFormElement }}
 */
export function queryEditor(o) {
  const text = h("textarea", { id: `${o.id}-query`, rows: 8, spellcheck: "false", autocomplete: "off" });
  text.value = JSON.stringify(EXAMPLE_QUERY, null, 2);
  const select = h(
    "select",
    { id: `${o.id}-freshness` },
    FRESHNESS.map(([value, label]) =>
      h("option", { value: value ?? "", selected: value === "dashboard" }, label ?? ""),
    ),
  );
  const problem = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    {
      class: "query-form",
      onsubmit: (e) => {
        e.preventDefault();
        let query;
        try {
          query = JSON.parse(text.value);
        } catch (err) {
          problem.textContent = `not JSON: ${err instanceof Error ? err.message : String(err)}`;
          return;
        }
        problem.textContent = "";
        o.onSubmit(query, select.value);
      },
    },
    h("label", { for: `${o.id}-query` }, o.label),
    text,
    o.freshness ? h("label", { for: `${o.id}-freshness` }, "Freshness") : null,
    o.freshness ? select : null,
    h("button", { type: "submit", "data-testid": `${o.id}-submit` }, o.submit),
    problem,
  );
  return { form };
}
