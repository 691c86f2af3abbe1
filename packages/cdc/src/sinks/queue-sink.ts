/**
 * The Queue sink. Cloudflare Queues take ≤ 100 messages and 256 KB per `sendBatch`, ≤ 128 KB
 * per message and about 5,000 messages/s per queue: `maxEventsPerMessage` packs events into
 * `{events: […]}`. An event over 120 KB goes to the BlobStore at
 * `cdc/<tenant>/oversized/<lsn>.json` and is sent as a pointer; without a BlobStore it fails
 * with EVENT_TOO_LARGE (and reaches the DLQ after the retries).
 * @module
 */
import type { BlobStore } from "@durable/core";
import { cdcError } from "../errors.ts";
import type { ChangeEvent, QueueLike } from "../types.ts";
import { jsonBytes, type PushSink } from "./sink.ts";

/** The limits of Cloudflare Queues the sink respects. */
export const QUEUE_LIMITS = {
  maxMessagesPerBatch: 100,
  maxBatchBytes: 256 * 1024,
  maxMessageBytes: 128 * 1024,
  /** Events above this go to the BlobStore as a pointer. */
  oversizedEventBytes: 120 * 1024,
} as const;

/** A pointer to an event stored in the BlobStore. */
export interface OversizedPointer {
  id: string;
  source: ChangeEvent["source"];
  op: ChangeEvent["op"];
  key: ChangeEvent["key"];
  /** BlobStore key of the full event JSON. */
  pointer: string;
}

/**
 * A Queue sink.
 * @param queue the queue binding
 * @param maxEventsPerMessage events per message (1: the event itself is the body)
 * @param blobs where oversized events go
 */
export function queueSink(queue: QueueLike, maxEventsPerMessage: number, blobs: BlobStore | undefined): PushSink {
  return {
    batchEvents: 1000,
    async push(events) {
      const items: unknown[] = [];
      for (const event of events) {
        if (jsonBytes(event) <= QUEUE_LIMITS.oversizedEventBytes) {
          items.push(event);
          continue;
        }
        if (!blobs)
          throw cdcError("EVENT_TOO_LARGE", `event ${event.id} is over 120 KB and there is no BlobStore`, 413);
        const key = `cdc/${event.source.tenant}/oversized/${event.source.lsn}.json`;
        await blobs.put(key, JSON.stringify(event));
        const pointer: OversizedPointer = {
          id: event.id,
          source: event.source,
          op: event.op,
          key: event.key,
          pointer: key,
        };
        items.push(pointer);
      }
      const messages: { body: unknown; bytes: number }[] = [];
      if (maxEventsPerMessage <= 1) {
        for (const item of items) messages.push({ body: item, bytes: jsonBytes(item) });
      } else {
        let pack: unknown[] = [];
        let size = 16;
        for (const item of items) {
          const bytes = jsonBytes(item) + 1;
          if (pack.length > 0 && (pack.length >= maxEventsPerMessage || size + bytes > QUEUE_LIMITS.maxMessageBytes)) {
            messages.push({ body: { events: pack }, bytes: size });
            pack = [];
            size = 16;
          }
          pack.push(item);
          size += bytes;
        }
        if (pack.length > 0) messages.push({ body: { events: pack }, bytes: size });
      }
      let batch: { body: unknown }[] = [];
      let batchBytes = 0;
      for (const m of messages) {
        if (
          batch.length > 0 &&
          (batch.length >= QUEUE_LIMITS.maxMessagesPerBatch || batchBytes + m.bytes > QUEUE_LIMITS.maxBatchBytes)
        ) {
          await queue.sendBatch(batch);
          batch = [];
          batchBytes = 0;
        }
        batch.push({ body: m.body });
        batchBytes += m.bytes;
      }
      if (batch.length > 0) await queue.sendBatch(batch);
    },
  };
}
