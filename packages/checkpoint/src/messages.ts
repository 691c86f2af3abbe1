/**
 * The messages DOs exchange for channels and global checkpoints, and the `Transport` port that
 * carries them (in the platform: the checkpoint capability's RPC target of the named DO).
 * @module
 */
import { parseOrThrow } from "@durable/core";
import { z } from "zod";

/** A DO name: `<tenant>` or `<tenant>:<label>` in the platform; any short name elsewhere. */
export const ParticipantNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9:._-]{0,127}$/, "a DO name");

const Name = ParticipantNameSchema;
const Epoch = z.number().int().min(1);
const Inc = z.number().int().min(0);

/** One sequenced message of a channel; `body` is its envelope's JSON. */
const ChannelItem = z.object({ seq: z.number().int().min(1), body: z.string() });

/** What `receive` accepts. */
export const ParticipantMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("data"), from: Name, inc: Inc, messages: z.array(ChannelItem).min(1).max(1000) }),
  z.object({
    type: z.literal("barrier"),
    from: Name,
    epoch: Epoch,
    participants: z.array(Name).min(1).max(1000),
    deadlineAt: z.number().int(),
  }),
  z.object({
    type: z.literal("ack"),
    from: Name,
    epoch: Epoch,
    snapshotId: z.string().nullable(),
    channelStateCount: z.number().int().min(0),
    bytes: z.number().int().min(0),
    error: z.string().optional(),
  }),
  z.object({ type: z.literal("complete"), from: Name, epoch: Epoch }),
  z.object({ type: z.literal("abort"), from: Name, epoch: Epoch, reason: z.string().max(500) }),
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
