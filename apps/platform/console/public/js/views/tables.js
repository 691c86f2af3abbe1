/**
 * Tables: the list (`GET /tables`), and for the chosen table its schema (`GET /tables/:name`),
 * row count (`POST /tables/:name/count`, a read: a read-only token may call it) and first 50 rows
 * (`GET /tables/:name/rows?limit=50`). A refresh re-reads the list and the chosen table's count.
 * @module
 */
import { facts, h, table } from "../dom.js";
import { formatCount, formatTime } from "../format.js";
import { cell, num, Panel } from "../panel.js";

/** @type {import("../panel.js").View} */
export const tables = {
  id: "tables",
  title: "Tables",
  capability: "tables",
  live: true,
  create(ctx) {
    const list = new Panel("Tables", "tables-list", ctx);
    const detail = new Panel("Table", "table-detail", ctx);
    const count = new Panel("Row count", "table-count", ctx);
    const rows = new Panel("First 50 rows", "table-rows", ctx);
    for (const p of [detail, count, rows]) p.show([h("p", { class: "hint" }, "Choose a table above.")], "");
    /** @type {string | null} */
    let chosen = null;
    /** @type {import("../api.js").Api | null} */
    let lastApi = null;
    const el = h("div", { class: "stack" }, list.el, detail.el, count.el, rows.el);

    /** @param {import("../api.js").Api} api */
    const readList = (api) =>
      list.run(
        () => api.get("/tables"),
        (data) => [
          table({
            caption: "Tables of this tenant",
            columns: ["table", "columns", "primary key", "indexes", "version", "created"],
            numeric: [1, 3, 4],
            testId: "tables-table",
            empty: "no tables yet",
            rows: (data.tables ?? []).map((/** @type {any} */ t) => [
              h("button", { type: "button", class: "link", onclick: () => lastApi && open(lastApi, t.name) }, t.name),
              formatCount(t.columns.length),
              t.primaryKey.join(", "),
              formatCount(t.indexes.length),
              String(t.version),
              formatTime(t.createdAt),
            ]),
          }),
        ],
      );
    /**
     * @param {import("../api.js").Api} api
     * @param {string} name
     */
    const readCount = (api, name) =>
      count.run(
        () => api.post(`/tables/${encodeURIComponent(name)}/count`, {}),
        (c) => [facts([["Rows", num(c.count, formatCount(c.count), "row-count")]])],
      );
    /**
     * @param {import("../api.js").Api} api
     * @param {string} name
     */
    const open = async (api, name) => {
      chosen = name;
      detail.retitle(`Table ${name}`);
      const path = `/tables/${encodeURIComponent(name)}`;
      const schema = await detail.run(
        () => api.get(path),
        (t) => [
          table({
            caption: `Columns of ${t.name}`,
            columns: ["column", "type", "nullable", "default"],
            testId: "schema-table",
            rows: t.columns.map((/** @type {any} */ c) => [
              c.name,
              c.type,
              c.nullable ? "yes" : "no",
              c.default === undefined ? "" : cell(c.default),
            ]),
          }),
          table({
            caption: "Indexes",
            columns: ["index", "columns", "unique"],
            empty: "no secondary indexes",
            rows: t.indexes.map((/** @type {any} */ i) => [i.name, i.columns.join(", "), i.unique ? "yes" : "no"]),
          }),
        ],
      );
      await readCount(api, name);
      const columns = schema ? schema.columns.map((/** @type {any} */ c) => c.name) : [];
      await rows.run(
        () => api.get(`${path}/rows?limit=50`),
        (page) => [
          table({
            caption: `First ${page.rows.length} rows of ${name}${page.cursor ? " (more exist)" : ""}`,
            columns,
            testId: "rows-table",
            empty: "no rows",
            rows: page.rows.map((/** @type {any} */ r) => columns.map((/** @type {string} */ c) => cell(r[c]))),
          }),
        ],
      );
    };
    return {
      el,
      async load(api) {
        lastApi = api;
        await readList(api);
        if (chosen) await open(api, chosen);
      },
      async refresh(api) {
        await readList(api);
        if (chosen) await readCount(api, chosen);
      },
    };
  },
};
