/**
 * A tiny DOM builder: elements from a tag, attributes and children, text only through
 * `textContent` (never an HTML string: the CSP's Trusted Types would refuse one anyway).
 * @module
 */

/**
 * @typedef {Node | string | number | null | undefined | false} Child
 * @typedef {Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>} Attrs
 */

/**
 * Creates an HTML element. `on<event>` attributes become listeners; `true` makes a boolean
 * attribute, `false`/null/undefined leaves it out.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs} [attrs]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  apply(el, attrs);
  el.append(...flatten(children));
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * Creates an SVG element (attributes only: presentation attributes, no `style`).
 * @param {string} tag
 * @param {Attrs} [attrs]
 * @param {...(Child | Child[])} children
 * @returns {SVGElement}
 */
export function svg(tag, attrs = {}, ...children) {
  const el = /** @type {SVGElement} */ (document.createElementNS(SVG_NS, tag));
  apply(el, attrs);
  el.append(...flatten(children));
  return el;
}

/**
 * @param {Element} el
 * @param {Attrs} attrs
 */
function apply(el, attrs) {
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, "");
    else if (value !== false && value !== null && value !== undefined) el.setAttribute(name, String(value));
  }
}

/**
 * @param {(Child | Child[])[]} children
 * @returns {(Node | string)[]}
 */
function flatten(children) {
  /** @type {(Node | string)[]} */
  const out = [];
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    out.push(typeof c === "number" ? String(c) : c);
  }
  return out;
}

/**
 * A table with a caption, header cells and rows; numeric columns align right.
 * @param {{ caption: string, columns: string[], rows: Child[][], numeric?: number[], empty?: string, testId?: string }} o
 * @returns {HTMLElement}
 */
export function table(o) {
  const numeric = new Set(o.numeric ?? []);
  const body =
    o.rows.length === 0
      ? [h("tr", {}, h("td", { colspan: o.columns.length, class: "empty" }, o.empty ?? "nothing yet"))]
      : o.rows.map((cells) =>
          h(
            "tr",
            {},
            cells.map((c, i) => h("td", numeric.has(i) ? { class: "num" } : {}, c)),
          ),
        );
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      o.testId ? { "data-testid": o.testId } : {},
      h("caption", {}, o.caption),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          o.columns.map((c, i) => h("th", { scope: "col", class: numeric.has(i) ? "num" : null }, c)),
        ),
      ),
      h("tbody", {}, body),
    ),
  );
}

/**
 * A definition list of label → value pairs.
 * @param {[string, Child][]} pairs
 * @param {string} [testId]
 * @returns {HTMLDListElement}
 */
export function facts(pairs, testId) {
  return h(
    "dl",
    { class: "facts", "data-testid": testId },
    pairs.map(([label, value]) => h("div", {}, h("dt", {}, label), h("dd", {}, value))),
  );
}

/**
 * A status word with its colour class (ok, warn, bad, idle).
 * @param {string} status
 * @returns {HTMLSpanElement}
 */
export function badge(status) {
  const tone = /^(succeeded|completed|built|active|ok|met|ready|exact|ivf)$/i.test(status)
    ? "ok"
    : /^(failed|error|aborted|dead|missed|disabled|cancelled)$/i.test(status)
      ? "bad"
      : /^(running|building|pending|retrying|queued|paused|training)$/i.test(status)
        ? "warn"
        : "idle";
  return h("span", { class: `badge ${tone}` }, status);
}
