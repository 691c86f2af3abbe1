// README.md, "Use one package in your own Worker", verbatim: the example's typecheck proves the
// snippet compiles against the published packages (check:dist compares the two).
import { DurableObject } from "cloudflare:workers";
import { type CheckOptions, createDurableLimiter, rateLimit } from "@durable/rate-limit";

const ip = {
  name: "ip",
  limits: [{ name: "minute", algorithm: "tokenBucket" as const, capacity: 10, refillPerSecond: 1 / 6 }],
};

export class Limiter extends DurableObject<Env> {
  #limiter = createDurableLimiter(this.ctx.storage, { plans: [ip], defaultPlan: "ip" });
  check(key: string, options?: CheckOptions) {
    return this.#limiter.check(key, options);
  }
}

export default {
  fetch(request, env) {
    const limiter = rateLimit({ namespace: env.LIMITER, key: (r) => `ip:${r.headers.get("cf-connecting-ip")}` });
    return limiter.middleware(request, async () => new Response("hello"));
  },
} satisfies ExportedHandler<Env>;
