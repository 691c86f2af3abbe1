/**
 * zod schemas of everything callers send: schedules, DAGs, triggers, list queries.
 * @module
 */
import { z } from "zod";
import { MS, RetryPolicySchema } from "./config.ts";

/** Keys, handler names and DAG ids: 1–128 characters of `[A-Za-z0-9:._-]`. */
export const KeySchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9:._-]+$/, "use 1-128 characters of A-Z a-z 0-9 : . _ -");

/** When a schedule fires: exactly one of cron, at, delayMs, everyMs. */
export const WhenSchema = z.union([
  z.strictObject({ cron: z.string().max(256), timezone: z.string().max(64).optional() }),
  z.strictObject({ at: z.union([z.number().int(), z.iso.datetime({ offset: true })]) }),
  z.strictObject({
    delayMs: z
      .number()
      .int()
      .min(0)
      .max(365 * MS.DAY),
  }),
  z.strictObject({
    everyMs: z
      .number()
      .int()
      .min(1_000, "everyMs must be at least 1000")
      .max(365 * MS.DAY),
    startAt: z.number().int().optional(),
  }),
]);

/** The timing as callers write it. */
export type WhenInput = z.input<typeof WhenSchema>;

/** What to do with missed slots. */
export const MissedPolicySchema = z.union([
  z.literal("skip"),
  z.literal("coalesce"),
  z.strictObject({
    catchUp: z
      .strictObject({
        windowMs: z
          .number()
          .int()
          .min(1_000)
          .max(7 * MS.DAY)
          .default(MS.HOUR),
      })
      .default({ windowMs: MS.HOUR }),
  }),
]);

/** A missed-run policy, resolved. */
export type MissedPolicy = z.output<typeof MissedPolicySchema>;

/** Input of `schedule()` and `POST /scheduler/schedules`. */
export const ScheduleInputSchema = z
  .strictObject({
    key: KeySchema.optional(),
    handler: KeySchema.optional(),
    dag: KeySchema.optional(),
    payload: z.unknown().optional(),
    when: WhenSchema,
    overlap: z.enum(["skip", "buffer-one", "allow"]).default("skip"),
    missed: MissedPolicySchema.default("skip"),
    graceMs: z.number().int().min(0).max(MS.HOUR).optional(),
    retry: RetryPolicySchema.partial().optional(),
    onConflict: z.enum(["error", "replace"]).default("error"),
  })
  .refine((s) => (s.handler === undefined) !== (s.dag === undefined), {
    message: "name exactly one of handler or dag",
    path: ["handler"],
  });

/** Input of `schedule()`. */
export type ScheduleInput = z.input<typeof ScheduleInputSchema>;

/** One task of a DAG definition. */
export const DagTaskSchema = z.strictObject({
  id: KeySchema,
  handler: KeySchema,
  payload: z.unknown().optional(),
  dependsOn: z.array(KeySchema).max(1_000).default([]),
  retry: RetryPolicySchema.partial().optional(),
});

/** Input of `defineDag()` and `PUT /scheduler/dags/:id`. */
export const DagInputSchema = z.strictObject({
  id: KeySchema,
  tasks: z.array(DagTaskSchema).min(1).max(1_000, "a DAG has at most 1000 tasks"),
  maxParallel: z.number().int().min(1).max(32).default(4),
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
  toVersion: z.union([z.literal("latest"), z.number().int().min(1)]).default("latest"),
  /** A DO name: the target DAG lives there and delivery goes through the `TriggerSink` port. */
  target: z.string().min(1).max(128).optional(),
});

/** Input of `addTrigger()`. */
export type TriggerInput = z.input<typeof TriggerInputSchema>;

/** Filters and page of `list()`. */
export const ListQuerySchema = z.strictObject({
  status: z.enum(["active", "paused", "cancelled", "completed"]).optional(),
  kind: z.enum(["cron", "once", "interval"]).optional(),
  handler: KeySchema.optional(),
  cursor: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

/** Input of `list()`. */
export type ListQuery = z.input<typeof ListQuerySchema>;

/** A keyset page query. */
export const PageQuerySchema = z.strictObject({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

/** Input of paged reads. */
export type PageQuery = z.input<typeof PageQuerySchema>;

/** One page of a keyset listing. */
export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  cursor?: string;
}
