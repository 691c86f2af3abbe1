// README.md, "Use one package in your own Worker", verbatim: the example's typecheck proves the
// snippet compiles against the published packages (check:dist compares the two).
import { DurableObject } from "cloudflare:workers";
import { runMigrations, systemClock } from "@durable/core";
import { type CheckOptions, createRateLimiter, RATE_LIMIT_MIGRATIONS, rateLimit } from "@durable/rate-limit";

const ip = {
  name: "ip",
  limits: [{ name: "minute", algorithm: "tokenBucket" as const, capacity: 10, refillPerSecond: 1 / 6 }],
};

export class Limiter extends DurableObject<Env> {
  #limiter = createRateLimiter(
    { sql: this.ctx.storage.sql, transactionSync: (fn) => this.ctx.storage.transactionSync(fn), clock: systemClock },
    { plans: [ip], defaultPlan: "ip" },
  );
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    runMigrations(ctx.storage.sql, (fn) => ctx.storage.transactionSync(fn), RATE_LIMIT_MIGRATIONS);
  }
  check(key: string, options?: CheckOptions) {
    return { result: this.#limiter.limit(key, options), plan: this.#limiter.planFor(key) };
  }
}

export default {
  fetch(request, env) {
    const limiter = rateLimit({ namespace: env.LIMITER, key: (r) => `ip:${r.headers.get("cf-connecting-ip")}` });
    return limiter.middleware(request, async () => new Response("hello"));
  },
} satisfies ExportedHandler<Env>;
