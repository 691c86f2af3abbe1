/**
 * zod schemas of everything callers send: schedules, DAGs, triggers, list queries.
 * @module
 */
import * as z from "zod/mini";
import { intBetween, MS, RetryPolicySchema } from "./config.ts";

/** Keys, handler names and DAG ids: 1–128 characters of `[A-Za-z0-9:._-]`. */
export const KeySchema = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(128),
    z.regex(/^[A-Za-z0-9:._-]+$/, "use 1-128 characters of A-Z a-z 0-9 : . _ -"),
  );

/** When a schedule fires: exactly one of cron, at, delayMs, everyMs. */
export const WhenSchema = z.union([
  z.strictObject({
    cron: z.string().check(z.maxLength(256)),
    timezone: z.optional(z.string().check(z.maxLength(64))),
  }),
  z.strictObject({ at: z.union([z.number().check(z.int()), z.iso.datetime({ offset: true })]) }),
  z.strictObject({ delayMs: intBetween(0, 365 * MS.DAY) }),
  z.strictObject({
    everyMs: z.number().check(z.int(), z.gte(1_000, "everyMs must be at least 1000"), z.lte(365 * MS.DAY)),
    startAt: z.optional(z.number().check(z.int())),
  }),
]);

/** The timing as callers write it. */
export type WhenInput = z.input<typeof WhenSchema>;

/** What to do with missed slots. */
export const MissedPolicySchema = z.union([
  z.literal("skip"),
  z.literal("coalesce"),
  z.strictObject({
    catchUp: z._default(z.strictObject({ windowMs: z._default(intBetween(1_000, 7 * MS.DAY), MS.HOUR) }), {
      windowMs: MS.HOUR,
    }),
  }),
]);

/** A missed-run policy, resolved. */
export type MissedPolicy = z.output<typeof MissedPolicySchema>;

/** Input of `schedule()` and `POST /scheduler/schedules`. */
export const ScheduleInputSchema = z
  .strictObject({
    key: z.optional(KeySchema),
    handler: z.optional(KeySchema),
    dag: z.optional(KeySchema),
    payload: z.optional(z.unknown()),
    when: WhenSchema,
    overlap: z._default(z.enum(["skip", "buffer-one", "allow"]), "skip"),
    missed: z._default(MissedPolicySchema, "skip"),
    graceMs: z.optional(intBetween(0, MS.HOUR)),
    retry: z.optional(z.partial(RetryPolicySchema)),
    onConflict: z._default(z.enum(["error", "replace"]), "error"),
  })
  .check(
    z.refine((s) => (s.handler === undefined) !== (s.dag === undefined), {
      message: "name exactly one of handler or dag",
      path: ["handler"],
    }),
  );

/** Input of `schedule()`. */
export type ScheduleInput = z.input<typeof ScheduleInputSchema>;

/** One task of a DAG definition. */
export const DagTaskSchema = z.strictObject({
  id: KeySchema,
  handler: KeySchema,
  payload: z.optional(z.unknown()),
  dependsOn: z._default(z.array(KeySchema).check(z.maxLength(1_000)), []),
  retry: z.optional(z.partial(RetryPolicySchema)),
});

/** Input of `defineDag()` and `PUT /scheduler/dags/:id`. */
export const DagInputSchema = z.strictObject({
  id: KeySchema,
  tasks: z.array(DagTaskSchema).check(z.minLength(1), z.maxLength(1_000, "a DAG has at most 1000 tasks")),
  maxParallel: z._default(intBetween(1, 32), 4),
});

/** Input of `defineDag()`. */
export type DagInput = z.input<typeof DagInputSchema>;
/** A validated DAG definition. */
export type DagDefinition = z.output<typeof DagInputSchema>;

/** Input of `addTrigger()`. */
export const TriggerInputSchema = z.strictObject({
  from: KeySchema,
  on: z.enum(["success", "failure", "completed"]),
  to: KeySchema,
  toVersion: z._default(z.union([z.literal("latest"), z.number().check(z.int(), z.gte(1))]), "latest"),
  /** A DO name: the target DAG lives there and delivery goes through the `TriggerSink` port. */
  target: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
});

/** Input of `addTrigger()`. */
export type TriggerInput = z.input<typeof TriggerInputSchema>;

/** A page size: 1–100, default 50, a number or its text (a query parameter). */
function pageLimit() {
  return z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 50);
}

/** Filters and page of `list()`. */
export const ListQuerySchema = z.strictObject({
  status: z.optional(z.enum(["active", "paused", "cancelled", "completed"])),
  kind: z.optional(z.enum(["cron", "once", "interval"])),
  handler: z.optional(KeySchema),
  cursor: z.optional(z.string().check(z.maxLength(64))),
  limit: pageLimit(),
});

/** Input of `list()`. */
export type ListQuery = z.input<typeof ListQuerySchema>;

/** A keyset page query. */
export const PageQuerySchema = z.strictObject({
  cursor: z.optional(z.string().check(z.maxLength(200))),
  limit: pageLimit(),
});

/** Input of paged reads. */
export type PageQuery = z.input<typeof PageQuerySchema>;

/** One page of a keyset listing. */
export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  cursor?: string;
}
