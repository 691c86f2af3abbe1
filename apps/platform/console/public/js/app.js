/**
 * The ops console: sign-in (tenant id and token, kept in sessionStorage), the capability list
 * from `GET /info`, one view per capability (a view whose capability is not installed says so
 * and calls nothing) and the refresh loop. The token is read from the form only: a token in
 * the page's URL is ignored, and the URL's query is dropped on load.
 * @module
 */
import { Api, ApiError, clearSession, decodeClaims, isTenantId, loadSession, saveSession } from "./api.js";
import { h } from "./dom.js";
import { Refresher } from "./refresh.js";
import { benchmarks } from "./views/benchmarks.js";
import { cdc } from "./views/cdc.js";
import { checkpoint } from "./views/checkpoint.js";
import { overview } from "./views/overview.js";
import { preAgg } from "./views/pre-agg.js";
import { query } from "./views/query.js";
import { rateLimits } from "./views/rate-limits.js";
import { scheduler } from "./views/scheduler.js";
import { tables } from "./views/tables.js";
import { vector } from "./views/vector.js";

/** @type {import("./panel.js").View[]} */
const VIEWS = [overview, tables, scheduler, rateLimits, cdc, preAgg, query, vector, checkpoint, benchmarks];

const root = /** @type {HTMLElement} */ (document.getElementById("app"));
/** Listeners of the signed-in shell, dropped on sign-out or a new sign-in. */
let shellListeners = new AbortController();

/** The view named by the URL fragment (`#tables`), else the overview. */
function viewFromHash() {
  const id = location.hash.slice(1);
  return VIEWS.find((v) => v.id === id) ?? overview;
}

// Whatever the URL carries (a pasted `?token=…`) is never read: drop the query from the address.
if (location.search !== "" || (location.hash !== "" && !VIEWS.some((v) => `#${v.id}` === location.hash))) {
  history.replaceState(null, "", location.pathname);
}

/** @param {string} [message] */
function showLogin(message) {
  const previous = loadSession();
  const tenant = h("input", {
    id: "tenant",
    name: "tenant",
    required: true,
    autocomplete: "off",
    spellcheck: "false",
    pattern: "[a-z0-9]([a-z0-9\\-]{0,61}[a-z0-9])?",
    value: previous?.tenant ?? "",
  });
  const token = h("input", { id: "token", name: "token", type: "password", autocomplete: "off", spellcheck: "false" });
  const problem = h("p", { class: "error", role: "alert", "data-testid": "login-error" }, message ?? "");
  const form = h(
    "form",
    {
      class: "login",
      "data-testid": "login",
      onsubmit: (e) => {
        e.preventDefault();
        const t = tenant.value.trim();
        if (!isTenantId(t)) {
          problem.textContent = "A tenant id is a lower-case DNS label (a-z, 0-9, -; 1–63 characters).";
          return;
        }
        saveSession({ tenant: t, token: token.value.trim() });
        void start();
      },
    },
    h("h2", {}, "Sign in"),
    h(
      "p",
      {},
      "A tenant token, or an operator token (tenant *) with the tenant to look at. The token stays in this tab only.",
    ),
    h("label", { for: "tenant" }, "Tenant id"),
    tenant,
    h("label", { for: "token" }, "Token"),
    token,
    h("button", { type: "submit" }, "Open console"),
    problem,
  );
  root.replaceChildren(h("main", { id: "main", class: "narrow" }, form));
  (previous ? token : tenant).focus();
}

async function start() {
  const session = loadSession();
  if (!session) return showLogin();
  const api = new Api(session);
  let info;
  try {
    info = await api.get("/info");
  } catch (err) {
    // The API's own message: 401 (none, malformed, expired), 403 (another tenant), 429.
    sessionStorage.removeItem("durable-console.token");
    return showLogin(err instanceof Error ? err.message : String(err));
  }
  shell(api, info);
}

/**
 * @param {Api} api
 * @param {{ tenant: string, capabilities: string[], storageBytes: number }} info
 */
function shell(api, info) {
  shellListeners.abort();
  shellListeners = new AbortController();
  const claims = decodeClaims(api.session.token);
  let capabilities = info.capabilities;
  const state = h("p", { class: "refresh-state", role: "status", "data-testid": "refresh-state" });
  const nav = h("ul", {});
  const main = h("main", { id: "main", tabindex: -1 });
  /** @type {{ view: import("./panel.js").View, instance: import("./panel.js").ViewInstance | null } | null} */
  let current = null;

  /** @type {import("./panel.js").ViewContext} */
  const ctx = {
    claims,
    canWrite: claims.scopes.includes("write"),
    get capabilities() {
      return capabilities;
    },
    setInfo(next) {
      const changed = next.capabilities.join() !== capabilities.join();
      capabilities = next.capabilities;
      if (changed) renderNav();
    },
    report(err) {
      if (!(err instanceof ApiError)) return;
      if (err.status === 429) refresher.throttled(err.retryAfter);
      if (err.status === 401) {
        refresher.stop();
        sessionStorage.removeItem("durable-console.token");
        showLogin(err.message);
      }
    },
    now: () => Date.now(),
  };

  const refresher = new Refresher({
    signal: shellListeners.signal,
    live: () => current?.instance !== null && current?.view.live === true,
    onState: (text) => {
      state.textContent = text;
    },
    run: async (limit) => {
      if (current?.instance) await current.instance.refresh(api.withBudget(limit));
    },
  });

  const renderNav = () => {
    const active = viewFromHash();
    nav.replaceChildren(
      ...VIEWS.map((v) => {
        const installed = v.capability === null || capabilities.includes(v.capability);
        return h(
          "li",
          {},
          h(
            "a",
            { href: `#${v.id}`, "aria-current": v === active ? "page" : null, class: installed ? null : "absent" },
            v.title,
            installed ? null : h("span", { class: "visually-hidden" }, " (not installed)"),
          ),
        );
      }),
    );
  };

  const show = async () => {
    const view = viewFromHash();
    renderNav();
    if (view.capability !== null && !capabilities.includes(view.capability)) {
      current = { view, instance: null };
      main.replaceChildren(
        h("h1", {}, view.title),
        h(
          "section",
          { class: "panel not-installed", "data-testid": "not-installed" },
          h(
            "p",
            {},
            `${view.title} is not installed for tenant ${api.session.tenant}: `,
            h("code", {}, "GET /info"),
            ` lists no "${view.capability}" capability.`,
          ),
          h("p", { class: "hint" }, "This view makes no calls until the platform composes it."),
        ),
      );
      refresher.loaded();
      return;
    }
    const instance = view.create(ctx);
    current = { view, instance };
    main.replaceChildren(h("h1", {}, view.title), instance.el);
    await instance.load(api);
    refresher.loaded();
  };

  const signOut = h(
    "button",
    {
      type: "button",
      onclick: () => {
        refresher.stop();
        clearSession();
        showLogin();
      },
    },
    "Sign out",
  );
  root.replaceChildren(
    h("a", { href: "#main", class: "skip" }, "Skip to content"),
    h(
      "header",
      {},
      h("p", { class: "brand" }, "Durable ops console"),
      h(
        "p",
        { class: "who", "data-testid": "who" },
        `tenant ${api.session.tenant} · ${claims.role ?? "?"} token${ctx.canWrite ? "" : " (read only)"}`,
      ),
      signOut,
    ),
    h("nav", { "aria-label": "Views" }, nav),
    state,
    main,
  );
  window.addEventListener("hashchange", () => void show(), { signal: shellListeners.signal });
  void show();
}

void start();
