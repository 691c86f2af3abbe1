/** Fixture DOs of the rate-limit tests (exported by test/worker.ts). */
import { DurableObject } from "cloudflare:workers";
import type { LimiterReply } from "@durable/rate-limit";

/** A limiter DO that always throws: the gate must fail closed. */
export class TestThrowingLimiterDO extends DurableObject {
  async check(): Promise<LimiterReply> {
    throw new Error("limiter storage is unavailable");
  }
}
