/**
 * Scheduler: schedules with next run and status, a schedule's recent runs, dead letters with a
 * replay button, DAGs with their runs and a run drawn as a graph of task states. A refresh
 * reads schedules and dead letters (two calls); the rest is read when the operator asks.
 * @module
 */
import { dagGraph } from "../dag-graph.js";
import { badge, h, table } from "../dom.js";
import { formatAge, formatCount, formatDuration } from "../format.js";
import { cell, Panel, writeButton } from "../panel.js";

/** @param {any} when */
function describeWhen(when) {
  if (!when || typeof when !== "object") return "";
  if (when.cron) return `cron ${when.cron}${when.timezone ? ` (${when.timezone})` : ""}`;
  if (when.everyMs) return `every ${formatDuration(when.everyMs)}`;
  return when.kind ?? "once";
}

/** @type {import("../panel.js").View} */
export const scheduler = {
  id: "scheduler",
  title: "Scheduler",
  capability: "scheduler",
  live: true,
  create(ctx) {
    const schedules = new Panel("Schedules", "schedules", ctx);
    const runs = new Panel("Recent runs", "schedule-runs", ctx);
    const letters = new Panel("Dead letters", "dead-letters", ctx);
    const dags = new Panel("DAGs", "dags", ctx);
    const dagRuns = new Panel("DAG runs", "dag-runs", ctx);
    const graph = new Panel("DAG run", "dag-run", ctx);
    runs.show([h("p", { class: "hint" }, "Choose a schedule's runs above.")], "");
    dagRuns.show([h("p", { class: "hint" }, "Choose a DAG above.")], "");
    graph.show([h("p", { class: "hint" }, "Choose a run above.")], "");
    /** @type {import("../api.js").Api | null} */
    let api = null;
    /** @type {Map<string, { id: string, dependsOn: string[] }[]>} */
    const definitions = new Map();
    const el = h("div", { class: "stack" }, schedules.el, runs.el, letters.el, dags.el, dagRuns.el, graph.el);

    /** @param {import("../api.js").Api} a */
    const readSchedules = (a) =>
      schedules.run(
        () => a.get("/scheduler/schedules?limit=50"),
        (page) => [
          table({
            caption: "Schedules (first 50)",
            columns: ["key", "runs", "when", "status", "next run", "last run", "count"],
            numeric: [6],
            testId: "schedules-table",
            empty: "no schedules",
            rows: page.items.map((/** @type {any} */ s) => [
              s.key,
              h(
                "button",
                { type: "button", class: "link", onclick: () => api && showRuns(api, s) },
                s.handler ?? `dag ${s.dag}`,
              ),
              describeWhen(s.when),
              badge(s.status),
              s.nextRunAt === null ? "–" : formatAge(s.nextRunAt, ctx.now()),
              formatAge(s.lastRunAt, ctx.now()),
              formatCount(s.runCount),
            ]),
          }),
        ],
      );
    /** @param {import("../api.js").Api} a @param {any} s */
    const showRuns = (a, s) => {
      runs.retitle(`Recent runs of ${s.key}`);
      return runs.run(
        () => a.get(`/scheduler/schedules/${encodeURIComponent(s.id)}/runs?limit=20`),
        (page) => [
          table({
            caption: "Newest first",
            columns: ["scheduled", "status", "attempts", "duration", "error"],
            numeric: [2],
            testId: "runs-table",
            empty: "no runs yet",
            rows: page.items.map((/** @type {any} */ r) => [
              formatAge(r.scheduledAt, ctx.now()),
              badge(r.status),
              String(r.attempts),
              formatDuration(r.durationMs),
              cell(r.error ?? ""),
            ]),
          }),
        ],
      );
    };
    /** @param {import("../api.js").Api} a */
    const readLetters = (a) =>
      letters.run(
        () => a.get("/scheduler/dead-letters?limit=50"),
        (page) => [
          table({
            caption: "Runs that failed for good (first 50)",
            columns: ["key", "handler", "code", "attempts", "last error", "age", ""],
            numeric: [3],
            testId: "dead-letters-table",
            empty: "no dead letters",
            rows: page.items.map((/** @type {any} */ d) => [
              d.key,
              d.handler,
              d.code,
              String(d.attempts),
              cell(d.lastError),
              formatAge(d.createdAt, ctx.now()),
              writeButton("Replay", ctx, () => api && replay(api, d.id), { "data-replay": d.id }),
            ]),
          }),
        ],
      );
    /** @param {import("../api.js").Api} a @param {string} id */
    const replay = async (a, id) => {
      await letters.run(
        () => a.post(`/scheduler/dead-letters/${encodeURIComponent(id)}/replay`, {}),
        () => [h("p", { class: "notice" }, `Replayed ${id}; it runs again with its key.`)],
      );
      await readLetters(a);
    };
    /** @param {import("../api.js").Api} a */
    const readDags = (a) =>
      dags.run(
        () => a.get("/scheduler/dags?limit=50"),
        (page) => {
          for (const d of page.items) definitions.set(d.id, d.tasks);
          return [
            table({
              caption: "Latest definitions (first 50)",
              columns: ["DAG", "version", "tasks", "max parallel"],
              numeric: [1, 2, 3],
              testId: "dags-table",
              empty: "no DAGs",
              rows: page.items.map((/** @type {any} */ d) => [
                h("button", { type: "button", class: "link", onclick: () => api && showDagRuns(api, d.id) }, d.id),
                String(d.version),
                formatCount(d.tasks.length),
                String(d.maxParallel),
              ]),
            }),
          ];
        },
      );
    /** @param {import("../api.js").Api} a @param {string} dagId */
    const showDagRuns = (a, dagId) => {
      dagRuns.retitle(`Runs of ${dagId}`);
      return dagRuns.run(
        () => a.get(`/scheduler/dags/${encodeURIComponent(dagId)}/runs?limit=20`),
        (page) => [
          table({
            caption: "Newest first",
            columns: ["run", "key", "version", "status", "started", "tasks left"],
            numeric: [2, 5],
            testId: "dag-runs-table",
            empty: "no runs yet",
            rows: page.items.map((/** @type {any} */ r) => [
              h("button", { type: "button", class: "link", onclick: () => api && showGraph(api, dagId, r.id) }, r.id),
              r.key,
              String(r.version),
              badge(r.status),
              formatAge(r.startedAt, ctx.now()),
              formatCount(r.remaining),
            ]),
          }),
        ],
      );
    };
    /** @param {import("../api.js").Api} a @param {string} dagId @param {string} runId */
    const showGraph = (a, dagId, runId) => {
      graph.retitle(`Run ${runId} of ${dagId}`);
      return graph.run(
        () => a.get(`/scheduler/dags/${encodeURIComponent(dagId)}/runs/${encodeURIComponent(runId)}`),
        (run) => {
          const states = new Map((run.tasks ?? []).map((/** @type {any} */ t) => [t.id, t]));
          const tasks =
            definitions.get(dagId) ?? (run.tasks ?? []).map((/** @type {any} */ t) => ({ id: t.id, dependsOn: [] }));
          return [
            h("p", {}, "Status ", badge(run.status), ` · version ${run.version} · key ${run.key}`),
            dagGraph(tasks, states),
          ];
        },
      );
    };
    return {
      el,
      async load(a) {
        api = a;
        await Promise.all([readSchedules(a), readLetters(a), readDags(a)]);
      },
      async refresh(a) {
        await Promise.all([readSchedules(a), readLetters(a)]);
      },
    };
  },
};
