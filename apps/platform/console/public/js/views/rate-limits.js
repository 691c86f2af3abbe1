/**
 * Rate limits: the tenant's gate plan and quota (`GET /rate-limit/plan`, not gated), the tenant
 * limiter's own plans (`GET /rate-limit/plans`) and a peek at one key
 * (`GET /rate-limit/keys/:key`, which spends nothing of that key).
 * @module
 */
import { badge, facts, h, table } from "../dom.js";
import { formatAge, formatCount, formatDuration } from "../format.js";
import { num, Panel } from "../panel.js";

/** @param {any} l a limit of a plan */
function describeLimit(l) {
  if (l.algorithm === "tokenBucket") return `${l.name}: bucket of ${formatCount(l.capacity)}, +${l.refillPerSecond}/s`;
  if (l.limit !== undefined)
    return `${l.name}: ${formatCount(l.limit)} per ${formatDuration(l.windowMs)} (${l.algorithm})`;
  return `${l.name}: ${l.algorithm}`;
}

/** @param {any} status @param {() => number} now @param {string} testId */
function policies(status, now, testId) {
  return table({
    caption: "Per limit",
    columns: ["limit", "remaining", "of", "resets", "state"],
    numeric: [1, 2],
    testId,
    rows: (status?.policies ?? []).map((/** @type {any} */ q) => [
      q.policy,
      num(q.remaining, formatCount(q.remaining)),
      formatCount(q.limit),
      formatAge(q.reset, now()),
      badge(q.success ? "ok" : "throttled"),
    ]),
  });
}

/** @type {import("../panel.js").View} */
export const rateLimits = {
  id: "rate-limits",
  title: "Rate limits",
  capability: "rate-limit",
  live: true,
  create(ctx) {
    const gate = new Panel("The tenant's gate plan", "gate-plan", ctx);
    const plans = new Panel("The tenant limiter's plans", "limiter-plans", ctx);
    const peek = new Panel("Peek at a key", "key-peek", ctx);
    const input = h("input", { id: "peek-key", name: "key", required: true, maxlength: 256, autocomplete: "off" });
    const result = h("div", {});
    /** @type {import("../api.js").Api | null} */
    let api = null;
    const form = h(
      "form",
      {
        class: "inline",
        onsubmit: (e) => {
          e.preventDefault();
          const key = input.value.trim();
          if (!api || key === "") return;
          const a = api;
          void peek.run(
            () => a.get(`/rate-limit/keys/${encodeURIComponent(key)}`),
            (r) => [
              form,
              facts([
                ["Key", key],
                [
                  "Plan limit",
                  h(
                    "span",
                    {},
                    num(r.remaining, formatCount(r.remaining), "peek-remaining"),
                    ` of ${formatCount(r.limit)} left`,
                  ),
                ],
                ["Binding limit", r.policy],
              ]),
              policies(r, ctx.now, "peek-table"),
            ],
          );
        },
      },
      h("label", { for: "peek-key" }, "Key"),
      input,
      h("button", { type: "submit" }, "Peek"),
    );
    peek.show([form, result], "spends nothing of the key");
    const el = h("div", { class: "stack" }, gate.el, plans.el, peek.el);
    /** @param {import("../api.js").Api} a */
    const refresh = async (a) => {
      await Promise.all([
        gate.run(
          () => a.get("/rate-limit/plan"),
          (p) => [
            facts([
              ["Plan", h("strong", {}, p.plan?.name ?? "?")],
              ["Limits", (p.plan?.limits ?? []).map(describeLimit).join("; ")],
              ["Remaining", num(p.status?.remaining, formatCount(p.status?.remaining), "gate-remaining")],
            ]),
            policies(p.status, ctx.now, "gate-table"),
          ],
        ),
        plans.run(
          () => a.get("/rate-limit/plans"),
          (d) => [
            table({
              caption: "Plans the tenant's own keys use",
              columns: ["plan", "limits", "read-only"],
              testId: "plans-table",
              rows: (d.plans ?? []).map((/** @type {any} */ p) => [
                p.name,
                p.limits.map(describeLimit).join("; "),
                p.readOnly ? "yes" : "no",
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
