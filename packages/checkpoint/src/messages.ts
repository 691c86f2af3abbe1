/**
 * The messages DOs exchange for channels and global checkpoints, and the `Transport` port that
 * carries them (in the platform: the checkpoint capability's RPC target of the named DO).
 * @module
 */
import { parseOrThrow } from "@durable/core";
import * as z from "zod/mini";

/** A DO name: `<tenant>` or `<tenant>:<label>` in the platform; any short name elsewhere. */
export const ParticipantNameSchema = z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9:._-]{0,127}$/, "a DO name"));

const Name = ParticipantNameSchema;
const Epoch = z.int().check(z.gte(1));
const Inc = z.int().check(z.gte(0));

/** One sequenced message of a channel; `body` is its envelope's JSON. */
const ChannelItem = z.object({ seq: z.int().check(z.gte(1)), body: z.string() });

/** What `receive` accepts. */
export const ParticipantMessageSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("data"),
    from: Name,
    inc: Inc,
    messages: z.array(ChannelItem).check(z.minLength(1), z.maxLength(1000)),
  }),
  z.object({
    type: z.literal("barrier"),
    from: Name,
    epoch: Epoch,
    participants: z.array(Name).check(z.minLength(1), z.maxLength(1000)),
    deadlineAt: z.int(),
  }),
  z.object({
    type: z.literal("ack"),
    from: Name,
    epoch: Epoch,
    snapshotId: z.nullable(z.string()),
    channelStateCount: z.int().check(z.gte(0)),
    bytes: z.int().check(z.gte(0)),
    error: z.optional(z.string()),
  }),
  z.object({ type: z.literal("complete"), from: Name, epoch: Epoch }),
  z.object({ type: z.literal("abort"), from: Name, epoch: Epoch, reason: z.string().check(z.maxLength(500)) }),
  z.object({ type: z.literal("pause"), from: Name, inc: Inc }),
  z.object({ type: z.literal("restoreEpoch"), from: Name, epoch: Epoch, snapshotId: z.string(), inc: Inc }),
  z.object({ type: z.literal("resume"), from: Name, inc: Inc }),
]);

/** A message to a participant (or to the coordinator: `ack`). */
export type ParticipantMessage = z.infer<typeof ParticipantMessageSchema>;

/** What `receive` answers. `nextSeq`: the receiver's next expected seq on the sender's channel (a cumulative ack). */
export interface ParticipantReply {
  ok: true;
  nextSeq?: number;
  /** A restoreEpoch's manifest id. */
  snapshotId?: string;
}

/** Carries a message to the DO named `to` and returns its reply; throws when it did not arrive or was refused. */
export interface Transport {
  send(to: string, message: ParticipantMessage): Promise<ParticipantReply>;
}

/** A channel message's envelope: data, or barrier N with what a participant needs to capture on it. */
export type Envelope = { k: "m"; p: unknown } | { k: "b"; e: number; c: string; ps: string[]; d: number };

/**
 * Validates a message at the boundary.
 * @throws {INVALID_INPUT} 400 naming the zod path
 */
export function parseMessage(message: unknown): ParticipantMessage {
  return parseOrThrow(ParticipantMessageSchema, message, "INVALID_INPUT");
}
