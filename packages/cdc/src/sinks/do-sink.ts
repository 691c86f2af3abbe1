/**
 * The DO-to-DO sink: calls the `cdc` RPC target of `<tenant>:<suffix>` with batches of ≤ 500
 * events or 1 MB, each covering an LSN range, so the receiver's `CdcInbox` applies every event
 * once. A refusal arrives as an error whose `[CODE]` `errorCodeOf` reads.
 * @module
 */
import type { CdcReceiver } from "../types.ts";
import { jsonBytes, type PushSink } from "./sink.ts";

/** Most events and bytes per `receive` call. */
export const DO_SINK_LIMITS = { maxEvents: 500, maxBytes: 1024 * 1024 } as const;

/**
 * A DO-to-DO sink.
 * @param receiver the target's `cdc` RPC target
 * @param tenant the source tenant
 */
export function doSink(receiver: CdcReceiver, tenant: string): PushSink {
  return {
    batchEvents: 2000,
    async push(events, range) {
      let from = range.fromLsn;
      let chunk: typeof events = [];
      let bytes = 0;
      const send = async (to: number) => {
        await receiver.receive({ tenant, fromLsn: from, toLsn: to, events: chunk });
        from = to + 1;
        chunk = [];
        bytes = 0;
      };
      for (const event of events) {
        const size = jsonBytes(event);
        if (chunk.length > 0 && (chunk.length >= DO_SINK_LIMITS.maxEvents || bytes + size > DO_SINK_LIMITS.maxBytes)) {
          await send(event.source.lsn - 1);
        }
        chunk.push(event);
        bytes += size;
      }
      await send(range.toLsn);
    },
  };
}
