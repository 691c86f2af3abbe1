/**
 * CDC: consumers with their committed offset, lag in events and in ms, and DLQ size, from
 * `GET /cdc/metrics` and `GET /cdc/consumers` (two calls a refresh).
 * @module
 */
import { facts, h, table } from "../dom.js";
import { formatAge, formatBytes, formatCount, formatLag } from "../format.js";
import { cell, num, Panel } from "../panel.js";

/** @type {import("../panel.js").View} */
export const cdc = {
  id: "cdc",
  title: "CDC",
  capability: "cdc",
  live: true,
  create(ctx) {
    const log = new Panel("Change log", "cdc-log", ctx);
    const consumers = new Panel("Consumers", "cdc-consumers", ctx);
    const el = h("div", { class: "stack" }, log.el, consumers.el);
    /** @param {import("../api.js").Api} api */
    const refresh = async (api) => {
      const metrics = await log.run(
        () => api.get("/cdc/metrics"),
        (m) => [
          facts([
            ["Newest LSN", num(m.newestLsn, formatCount(m.newestLsn), "cdc-newest")],
            ["Oldest retained LSN", formatCount(m.oldestRetainedLsn)],
            ["Backlog", `${formatCount(m.backlogEvents)} events`],
            ["Schema drift", formatCount(m.schemaDriftTotal)],
            ["Parquet written", formatBytes(m.parquetBytesWritten)],
          ]),
        ],
      );
      await consumers.run(
        async () => {
          if (!metrics) throw new Error("the consumers' lag is unknown: GET /cdc/metrics failed");
          return { metrics, list: await api.get("/cdc/consumers") };
        },
        ({ metrics: m, list: l }) => {
          const offsets = new Map((l.consumers ?? []).map((/** @type {any} */ c) => [c.name, c]));
          return [
            table({
              caption: "Lag and dead letters per consumer",
              columns: ["consumer", "sink", "offset", "lag", "DLQ", "delivered", "last delivery", "last error"],
              numeric: [2, 4, 5],
              testId: "cdc-table",
              empty: "no consumers",
              rows: (m.consumers ?? []).map((/** @type {any} */ c) => {
                const info = /** @type {any} */ (offsets.get(c.consumer));
                return [
                  c.consumer,
                  info?.sink?.type ?? "pull",
                  num(info?.offset, formatCount(info?.offset)),
                  num(c.lagEvents, formatLag(c.lagEvents, c.lagMs), `lag-${c.consumer}`),
                  num(c.dlqSize, formatCount(c.dlqSize), `dlq-${c.consumer}`),
                  formatCount(c.deliveredTotal),
                  formatAge(c.lastDeliveredAt, ctx.now()),
                  cell(c.lastError ?? ""),
                ];
              }),
            }),
          ];
        },
      );
    };
    return { el, load: refresh, refresh };
  },
};
