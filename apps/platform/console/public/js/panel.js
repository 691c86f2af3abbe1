/**
 * A panel: one titled section of a view whose content is swapped in one step when new data
 * arrives (no loading state in between, so a refresh never shifts the layout). A failed read
 * keeps the last good content, marks it stale and shows the error.
 * @module
 */
import { h } from "./dom.js";

let panels = 0;

/**
 * @typedef {import("./api.js").Api} Api
 * @typedef {import("./api.js").Claims} Claims
 * @typedef {object} ViewContext
 * @property {Claims} claims what the token says about itself
 * @property {boolean} canWrite the token carries `write` (write actions are disabled otherwise)
 * @property {string[]} capabilities the capabilities `GET /info` listed
 * @property {(info: { tenant: string, capabilities: string[], storageBytes: number }) => void} setInfo
 * @property {(err: unknown) => void} report every failed call (429 and 401 change the refresh)
 * @property {() => number} now
 * @typedef {object} ViewInstance
 * @property {HTMLElement} el
 * @property {(api: Api) => Promise<void>} load the first read, and reads after an action
 * @property {(api: Api) => Promise<void>} refresh at most two quota-spending calls
 * @typedef {object} View
 * @property {string} id also the URL fragment
 * @property {string} title
 * @property {string | null} capability the `GET /info` name it needs, or null
 * @property {boolean} live its numbers change: auto-refreshed while visible
 * @property {(ctx: ViewContext) => ViewInstance} create
 */

export class Panel {
  /**
   * @param {string} title
   * @param {string} testId
   * @param {ViewContext} ctx
   */
  constructor(title, testId, ctx) {
    const id = `panel-${++panels}`;
    this.ctx = ctx;
    this.heading = h("h2", { id }, title);
    this.status = h("p", { class: "status", role: "status", "aria-live": "polite" }, "loading…");
    this.body = h("div", { class: "panel-body" });
    this.el = h(
      "section",
      { class: "panel", "aria-labelledby": id, "data-testid": testId },
      this.heading,
      this.status,
      this.body,
    );
    this.loaded = false;
  }

  /** @param {string} title */
  retitle(title) {
    this.heading.textContent = title;
  }

  /**
   * Reads, then renders in one swap; on failure keeps what is shown and marks it stale.
   * @template T
   * @param {() => Promise<T>} read
   * @param {(data: T) => (Node | string)[]} render
   * @returns {Promise<T | undefined>}
   */
  async run(read, render) {
    try {
      const data = await read();
      this.body.replaceChildren(...render(data));
      this.loaded = true;
      this.el.classList.remove("stale");
      this.status.classList.remove("error");
      this.status.textContent = `updated ${new Date(this.ctx.now()).toISOString().slice(11, 19)} UTC`;
      return data;
    } catch (err) {
      this.ctx.report(err);
      const message = err instanceof Error ? err.message : String(err);
      this.el.classList.add("stale");
      this.status.classList.add("error");
      this.status.textContent = this.loaded ? `stale: ${message}` : `error: ${message}`;
      return undefined;
    }
  }

  /**
   * Shows content that needs no read (a placeholder or a form).
   * @param {(Node | string)[]} nodes
   * @param {string} status
   */
  show(nodes, status) {
    this.body.replaceChildren(...nodes);
    this.status.textContent = status;
  }
}

/**
 * A button for a write action: disabled, with the reason, when the token lacks `write`.
 * @param {string} label
 * @param {ViewContext} ctx
 * @param {() => void} onClick
 * @param {Record<string, string>} [attrs]
 * @returns {HTMLButtonElement}
 */
export function writeButton(label, ctx, onClick, attrs = {}) {
  return h(
    "button",
    {
      type: "button",
      disabled: !ctx.canWrite,
      title: ctx.canWrite ? null : "this token lacks the write scope",
      onclick: () => onClick(),
      ...attrs,
    },
    label,
  );
}

/**
 * A number shown formatted, with its exact value machine-readable (`<data value>`).
 * @param {number | null | undefined} value
 * @param {string} text
 * @param {string} [testId]
 * @returns {HTMLDataElement}
 */
export function num(value, text, testId) {
  return h("data", { value: value ?? "", "data-testid": testId }, text);
}

/**
 * Short text of any JSON value for a table cell (cut at `max` characters).
 * @param {unknown} value
 * @param {number} [max]
 * @returns {string}
 */
export function cell(value, max = 80) {
  const text = value === null || value === undefined ? "∅" : typeof value === "string" ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * An array field of a JSON answer, whatever it is called (`items`, `indexes`, …).
 * @param {any} data
 * @param {string[]} keys
 * @returns {any[]}
 */
export function listOf(data, keys) {
  if (Array.isArray(data)) return data;
  for (const k of keys) if (data && Array.isArray(data[k])) return data[k];
  return [];
}
