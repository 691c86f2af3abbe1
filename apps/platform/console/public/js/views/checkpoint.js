/**
 * Checkpoints: local checkpoints (`GET /checkpoint/local`) and the global epochs this DO
 * coordinates (`GET /checkpoint/epochs`) with their status; "Checkpoint now" takes a local one
 * (`POST /checkpoint/local`, write scope).
 * @module
 */
import { badge, h, table } from "../dom.js";
import { formatAge, formatBytes, formatCount, formatDuration } from "../format.js";
import { cell, Panel, writeButton } from "../panel.js";

/** @type {import("../panel.js").View} */
export const checkpoint = {
  id: "checkpoint",
  title: "Checkpoints",
  capability: "checkpoint",
  live: true,
  create(ctx) {
    const local = new Panel("Local checkpoints", "checkpoint-local", ctx);
    const epochs = new Panel("Global epochs", "checkpoint-epochs", ctx);
    /** @type {import("../api.js").Api | null} */
    let api = null;
    const take = writeButton("Checkpoint now", ctx, async () => {
      if (!api) return;
      const a = api;
      await local.run(
        () => a.post("/checkpoint/local", {}),
        (m) => [h("p", { class: "notice" }, `Took ${m.snapshotId}.`)],
      );
      await readLocal(a);
    });
    const el = h("div", { class: "stack" }, h("p", { class: "actions" }, take), local.el, epochs.el);
    /** @param {import("../api.js").Api} a */
    const readLocal = (a) =>
      local.run(
        () => a.get("/checkpoint/local?limit=20"),
        (page) => [
          table({
            caption: "Newest first (20)",
            columns: ["snapshot", "epoch", "taken", "raw", "stored", "where"],
            numeric: [1, 3, 4],
            testId: "checkpoint-table",
            empty: "no checkpoints yet",
            rows: (page.items ?? []).map((/** @type {any} */ m) => [
              m.snapshotId,
              String(m.epoch),
              formatAge(m.createdAt, ctx.now()),
              formatBytes(m.rawBytes),
              formatBytes(m.storedBytes),
              m.location,
            ]),
          }),
        ],
      );
    /** @param {import("../api.js").Api} a */
    const refresh = async (a) => {
      await Promise.all([
        readLocal(a),
        epochs.run(
          () => a.get("/checkpoint/epochs?limit=20"),
          (page) => [
            table({
              caption: "Newest first (20)",
              columns: ["epoch", "status", "participants", "started", "took", "reason"],
              numeric: [0, 2],
              testId: "epochs-table",
              empty: "no global epochs",
              rows: (page.items ?? []).map((/** @type {any} */ e) => [
                String(e.epoch),
                badge(e.status),
                formatCount(e.participants.length),
                formatAge(e.startedAt, ctx.now()),
                e.endedAt === null ? "–" : formatDuration(e.endedAt - e.startedAt),
                cell(e.reason ?? ""),
              ]),
            }),
          ],
        ),
      ]);
    };
    return {
      el,
      async load(a) {
        api = a;
        await refresh(a);
      },
      refresh,
    };
  },
};
