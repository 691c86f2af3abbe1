/**
 * Overview: the tenant, its gate plan and remaining quota (`GET /rate-limit/plan`, not gated),
 * its storage size and installed capabilities (`GET /info`). One quota-spending call a refresh.
 * @module
 */
import { badge, facts, h, table } from "../dom.js";
import { formatAge, formatBytes, formatCount } from "../format.js";
import { num, Panel } from "../panel.js";

/** @type {import("../panel.js").View} */
export const overview = {
  id: "overview",
  title: "Overview",
  capability: null,
  live: true,
  create(ctx) {
    const tenant = new Panel("Tenant", "overview-tenant", ctx);
    const quota = new Panel("Plan and quota", "overview-quota", ctx);
    const installed = new Panel("Capabilities", "overview-capabilities", ctx);
    /** @param {string[]} list */
    const showCapabilities = (list) =>
      installed.show(
        [
          h(
            "ul",
            { class: "chips", "data-testid": "capability-list" },
            list.map((c) => h("li", {}, c)),
          ),
        ],
        `${list.length} installed`,
      );
    showCapabilities(ctx.capabilities);
    const el = h("div", { class: "grid" }, tenant.el, quota.el, installed.el);
    /** @param {import("../api.js").Api} api */
    const refresh = async (api) => {
      await Promise.all([
        tenant.run(
          async () => {
            const info = await api.get("/info");
            ctx.setInfo(info);
            return info;
          },
          (info) => {
            showCapabilities(info.capabilities);
            return [
              facts([
                ["Tenant", h("strong", { "data-testid": "tenant-id" }, info.tenant)],
                ["Storage", num(info.storageBytes, formatBytes(info.storageBytes), "storage-bytes")],
                ["Token", `${ctx.claims.role ?? "unknown role"} · ${ctx.claims.scopes.join(", ") || "no scopes"}`],
              ]),
            ];
          },
        ),
        quota.run(
          () => api.get("/rate-limit/plan"),
          (p) => [
            facts([
              ["Plan", h("strong", { "data-testid": "plan-name" }, p.plan?.name ?? "?")],
              ["Override", p.overridden ? "set by an operator" : "none (the default plan)"],
            ]),
            table({
              caption: "Remaining quota per limit",
              columns: ["limit", "remaining", "of", "resets", "state"],
              numeric: [1, 2],
              testId: "quota-table",
              rows: (p.status?.policies ?? []).map((/** @type {any} */ q) => [
                q.policy,
                num(q.remaining, formatCount(q.remaining), `quota-${q.policy}`),
                formatCount(q.limit),
                formatAge(q.reset, ctx.now()),
                badge(q.success ? "ok" : "throttled"),
              ]),
            }),
          ],
        ),
      ]);
    };
    return { el, load: refresh, refresh };
  },
};
