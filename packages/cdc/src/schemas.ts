/**
 * zod schemas of what callers send: track options, consumer definitions (sink, filter,
 * `startAt`, dead-letter policy), offsets and page limits.
 * @module
 */
import * as z from "zod/mini";

const tableName = z.string().check(z.regex(/^[a-z][a-z0-9_]{0,47}$/, "a table name"));
const bindingName = z.string().check(z.minLength(1), z.maxLength(64));
const columnList = z.array(z.string().check(z.minLength(1), z.maxLength(64))).check(z.maxLength(100));

/** `track` options. */
export const TrackOptionsSchema = z.strictObject({
  excludeColumns: z.optional(columnList),
  snapshot: z.optional(z.boolean()),
});

/** `POST /cdc/tables`. */
export const TrackBodySchema = z.extend(TrackOptionsSchema, { table: z.string() });

/** Where a consumer's events go; bindings name env bindings of the DO. */
export const SinkSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("pull") }),
  z.strictObject({
    type: z.literal("queue"),
    binding: bindingName,
    /** Events packed into one message as `{events: […]}` (default 1: the event is the body). */
    maxEventsPerMessage: z.optional(z.int().check(z.gte(1), z.lte(100))),
  }),
  z.strictObject({ type: z.literal("r2"), binding: bindingName }),
  z.strictObject({
    type: z.literal("do"),
    binding: bindingName,
    suffix: z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "a DO label: [a-z0-9][a-z0-9_-]{0,62}")),
  }),
]);

/** A sink. */
export type Sink = z.infer<typeof SinkSchema>;

const includeExclude = z.strictObject({ include: z.optional(columnList), exclude: z.optional(columnList) });
const tableList = z.array(tableName).check(z.maxLength(64));

/** A consumer's filter: tables, per-table columns, per-table `where` (core predicate). */
export const FilterSchema = z.strictObject({
  tables: z.optional(z.strictObject({ include: z.optional(tableList), exclude: z.optional(tableList) })),
  columns: z.optional(z.record(tableName, includeExclude)),
  where: z.optional(z.record(tableName, z.unknown())),
});

/** A filter as given (its `where` values are validated by `parsePredicate` later). */
export type FilterInput = z.infer<typeof FilterSchema>;

/** A consumer definition (`POST /cdc/consumers`). */
export const ConsumerDefSchema = z.strictObject({
  name: z
    .string()
    .check(z.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "1–64 characters of [a-z0-9_-], starting with a letter or digit")),
  sink: SinkSchema,
  filter: z.optional(FilterSchema),
  /** `earliest` (every retained event), `latest` (only new ones) or the first LSN to deliver. */
  startAt: z.optional(z.union([z.literal("earliest"), z.literal("latest"), z.int().check(z.gte(1))])),
  /** `dlq` (default): after `maxAttempts`, events go to the DLQ; `block`: retry forever. */
  deadLetter: z.optional(z.enum(["dlq", "block"])),
});

/** A consumer definition. */
export type ConsumerDef = z.input<typeof ConsumerDefSchema>;

/** `POST …/commit` and `…/seek`. */
export const LsnBodySchema = z.strictObject({ lsn: z.int().check(z.gte(0)) });

/** A page limit: 1–1,000. */
export const LimitSchema = z.int().check(z.gte(1), z.lte(1000));
