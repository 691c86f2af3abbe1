/**
 * Handlers and tasks by name, with their zod schemas: payloads are checked at creation only.
 * @module
 */
import { type AnySchema, describeZodError, safeParse } from "@durable/core";
import type { RetryPolicyInput } from "./config.ts";
import { schedError } from "./errors.ts";
import type { HandlerFn, TaskBudget, TaskDefinition } from "./types.ts";

/** Largest payload (and task cursor) as JSON. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
const encoder = new TextEncoder();

/** A registered handler or task. */
export type Registered =
  | { kind: "handler"; schema: AnySchema; fn: HandlerFn<unknown>; retry?: RetryPolicyInput }
  | {
      kind: "task";
      schema: AnySchema;
      task: TaskDefinition<unknown, unknown>;
      budget: TaskBudget;
      retry?: RetryPolicyInput;
    };

/** The names a DO registered in this deploy. */
export class Registry {
  readonly #entries = new Map<string, Registered>();

  /** @throws {INVALID_SCHEDULE} bad name @throws {HANDLER_EXISTS} */
  register(name: string, reg: Registered): void {
    if (!/^[A-Za-z0-9:._-]{1,128}$/.test(name)) throw schedError("INVALID_SCHEDULE", `bad handler name "${name}"`);
    if (this.#entries.has(name)) throw schedError("HANDLER_EXISTS", `handler ${name} is already registered`, 409);
    this.#entries.set(name, reg);
  }

  get(name: string): Registered | undefined {
    return this.#entries.get(name);
  }

  /**
   * Checks a payload against the named handler's schema; returns the parsed payload as JSON.
   * @throws {UNKNOWN_HANDLER} @throws {PAYLOAD_TOO_LARGE} @throws {INVALID_PAYLOAD}
   */
  checkPayload(handler: string, payload: unknown, path: string): string {
    const reg = this.#entries.get(handler);
    if (!reg) throw schedError("UNKNOWN_HANDLER", `no handler named "${handler}"`);
    const text = JSON.stringify(payload ?? null);
    if (encoder.encode(text).length > MAX_PAYLOAD_BYTES) {
      throw schedError("PAYLOAD_TOO_LARGE", `${path} is over 64 KB`, 413);
    }
    const parsed = safeParse(reg.schema, payload);
    if (!parsed.success) throw schedError("INVALID_PAYLOAD", describeZodError(parsed.error, path));
    return JSON.stringify(parsed.data ?? null);
  }
}
