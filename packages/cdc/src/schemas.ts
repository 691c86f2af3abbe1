/**
 * zod schemas of what callers send: track options, consumer definitions (sink, filter,
 * `startAt`, dead-letter policy), offsets and page limits.
 * @module
 */
import { z } from "zod";

const tableName = z.string().regex(/^[a-z][a-z0-9_]{0,47}$/, "a table name");
const columnList = z.array(z.string().min(1).max(64)).max(100);

/** `track` options. */
export const TrackOptionsSchema = z
  .object({ excludeColumns: columnList.optional(), snapshot: z.boolean().optional() })
  .strict();

/** `POST /cdc/tables`. */
export const TrackBodySchema = TrackOptionsSchema.extend({ table: z.string() }).strict();

/** Where a consumer's events go; bindings name env bindings of the DO. */
export const SinkSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("pull") }).strict(),
  z
    .object({
      type: z.literal("queue"),
      binding: z.string().min(1).max(64),
      /** Events packed into one message as `{events: […]}` (default 1: the event is the body). */
      maxEventsPerMessage: z.number().int().min(1).max(100).optional(),
    })
    .strict(),
  z.object({ type: z.literal("r2"), binding: z.string().min(1).max(64) }).strict(),
  z
    .object({
      type: z.literal("do"),
      binding: z.string().min(1).max(64),
      suffix: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "a DO label: [a-z0-9][a-z0-9_-]{0,62}"),
    })
    .strict(),
]);

/** A sink. */
export type Sink = z.infer<typeof SinkSchema>;

const includeExclude = z.object({ include: columnList.optional(), exclude: columnList.optional() }).strict();

/** A consumer's filter: tables, per-table columns, per-table `where` (core predicate). */
export const FilterSchema = z
  .object({
    tables: z
      .object({ include: z.array(tableName).max(64).optional(), exclude: z.array(tableName).max(64).optional() })
      .strict()
      .optional(),
    columns: z.record(tableName, includeExclude).optional(),
    where: z.record(tableName, z.unknown()).optional(),
  })
  .strict();

/** A filter as given (its `where` values are validated by `parsePredicate` later). */
export type FilterInput = z.infer<typeof FilterSchema>;

/** A consumer definition (`POST /cdc/consumers`). */
export const ConsumerDefSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "1–64 characters of [a-z0-9_-], starting with a letter or digit"),
    sink: SinkSchema,
    filter: FilterSchema.optional(),
    /** `earliest` (every retained event), `latest` (only new ones) or the first LSN to deliver. */
    startAt: z.union([z.literal("earliest"), z.literal("latest"), z.number().int().min(1)]).optional(),
    /** `dlq` (default): after `maxAttempts`, events go to the DLQ; `block`: retry forever. */
    deadLetter: z.enum(["dlq", "block"]).optional(),
  })
  .strict();

/** A consumer definition. */
export type ConsumerDef = z.input<typeof ConsumerDefSchema>;

/** `POST …/commit` and `…/seek`. */
export const LsnBodySchema = z.object({ lsn: z.number().int().min(0) }).strict();

/** A page limit: 1–1,000. */
export const LimitSchema = z.number().int().min(1).max(1000);
