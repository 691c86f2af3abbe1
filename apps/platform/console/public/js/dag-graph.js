/**
 * A DAG run drawn as a graph of task states: tasks in columns by depth (the longest chain of
 * `dependsOn` before them), edges from each dependency, colours by state. SVG built from
 * attributes only (the CSP forbids inline styles); a list beside it carries the same facts
 * for screen readers.
 * @module
 */
import { h, svg } from "./dom.js";

/**
 * Each task's column: 0 for a task with no dependencies, else 1 + its deepest dependency.
 * Unknown dependencies are ignored; a cycle (which the scheduler refuses) cannot loop.
 * @param {{ id: string, dependsOn: string[] }[]} tasks
 * @returns {Map<string, number>}
 */
export function depths(tasks) {
  const deps = new Map(tasks.map((t) => [t.id, t.dependsOn]));
  /** @type {Map<string, number>} */
  const out = new Map();
  /** @type {Set<string>} */
  const visiting = new Set();
  /** @param {string} id @returns {number} */
  const depth = (id) => {
    const known = out.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    let d = 0;
    for (const p of deps.get(id) ?? []) if (deps.has(p)) d = Math.max(d, depth(p) + 1);
    visiting.delete(id);
    out.set(id, d);
    return d;
  };
  for (const t of tasks) depth(t.id);
  return out;
}

const NODE_W = 132;
const NODE_H = 34;
const GAP_X = 48;
const GAP_Y = 14;

/**
 * @param {{ id: string, dependsOn: string[] }[]} tasks the definition (from `GET /scheduler/dags`)
 * @param {Map<string, { status: string, attempts: number, error: string | null }>} states the run's task states
 * @returns {HTMLElement}
 */
export function dagGraph(tasks, states) {
  const depth = depths(tasks);
  /** @type {Map<number, string[]>} */
  const columns = new Map();
  for (const t of tasks) {
    const d = depth.get(t.id) ?? 0;
    columns.set(d, [...(columns.get(d) ?? []), t.id]);
  }
  /** @type {Map<string, { x: number, y: number }>} */
  const at = new Map();
  let rows = 0;
  for (const [d, ids] of columns) {
    ids.forEach((id, i) => {
      at.set(id, { x: 8 + d * (NODE_W + GAP_X), y: 8 + i * (NODE_H + GAP_Y) });
    });
    rows = Math.max(rows, ids.length);
  }
  const width = 16 + columns.size * NODE_W + Math.max(0, columns.size - 1) * GAP_X;
  const height = 16 + rows * NODE_H + Math.max(0, rows - 1) * GAP_Y;
  const edges = tasks.flatMap((t) =>
    t.dependsOn
      .filter((p) => at.has(p))
      .map((p) => {
        const a = /** @type {{ x: number, y: number }} */ (at.get(p));
        const b = /** @type {{ x: number, y: number }} */ (at.get(t.id));
        const x1 = a.x + NODE_W;
        const y1 = a.y + NODE_H / 2;
        const x2 = b.x;
        const y2 = b.y + NODE_H / 2;
        const mid = (x1 + x2) / 2;
        return svg("path", { d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, class: "edge" });
      }),
  );
  const nodes = tasks.map((t) => {
    const p = /** @type {{ x: number, y: number }} */ (at.get(t.id));
    const state = states.get(t.id)?.status ?? "pending";
    const label = t.id.length > 16 ? `${t.id.slice(0, 15)}…` : t.id;
    return svg(
      "g",
      { class: `node ${state}`, "data-task": t.id, "data-status": state },
      svg("title", {}, `${t.id}: ${state}`),
      svg("rect", { x: p.x, y: p.y, width: NODE_W, height: NODE_H, rx: 6 }),
      svg("text", { x: p.x + 8, y: p.y + 14 }, label),
      svg("text", { x: p.x + 8, y: p.y + 28, class: "state" }, state),
    );
  });
  const summary = tasks.map((t) => `${t.id} ${states.get(t.id)?.status ?? "pending"}`).join(", ");
  return h(
    "figure",
    { class: "dag", "data-testid": "dag-graph" },
    h(
      "div",
      { class: "scroll-x" },
      svg(
        "svg",
        { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": `task states: ${summary}` },
        svg("g", {}, edges),
        svg("g", {}, nodes),
      ),
    ),
    h(
      "figcaption",
      {},
      h(
        "ul",
        { class: "sr-list" },
        tasks.map((t) => {
          const s = states.get(t.id);
          return h("li", {}, `${t.id}: ${s?.status ?? "pending"}${s?.error ? ` (${s.error})` : ""}`);
        }),
      ),
    ),
  );
}
