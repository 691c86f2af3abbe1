/**
 * In-process shard DOs for Node tests: each shard is its own composed router over its own
 * SQLite; the coordinator's transport calls their `query` API as RPC would (results cloned,
 * errors thrown as `[CODE]` messages), with optional delays and failures per shard.
 */
import type { ShardTransport } from "../src/index.ts";
import { createEvents, eventRows, routerHost } from "./helpers.ts";

type Host = Awaited<ReturnType<typeof routerHost>>;

/** Behaviour of one shard. */
export interface ShardBehaviour {
  delayMs?: number;
  fail?: boolean;
}

/** A transport over in-process hosts keyed by DO name. */
export function inProcessTransport(
  hosts: Map<string, Host>,
  behaviour: Map<string, ShardBehaviour> = new Map(),
): ShardTransport & { calls: string[] } {
  const calls: string[] = [];
  const rpc = async <T>(target: string, signal: AbortSignal | undefined, fn: (h: Host) => T): Promise<T> => {
    calls.push(target);
    const b = behaviour.get(target) ?? {};
    if (b.delayMs) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, b.delayMs);
        signal?.addEventListener("abort", () => {
          clearTimeout(t);
          reject(signal.reason);
        });
      });
    }
    if (b.fail) throw new Error(`PlatformError [INTERNAL]: [INTERNAL] shard ${target} is down`);
    const h = hosts.get(target);
    if (!h) throw new Error(`[CAPABILITY_NOT_FOUND] no DO ${target}`);
    try {
      return structuredClone(fn(h));
    } catch (err) {
      // RPC keeps only the message.
      throw new Error((err as Error).message);
    }
  };
  return {
    calls,
    partial: (t, q, deadlineAt, signal) => rpc(t, signal, (h) => h.cap.api.qrShardQuery(q, deadlineAt)),
    estimate: (t, q, signal) => rpc(t, signal, (h) => h.cap.api.qrEstimate(q)),
    rows: (t, r, deadlineAt, signal) => rpc(t, signal, (h) => h.cap.api.qrShardRows(r, deadlineAt)),
    joinPartial: (t, r, deadlineAt, signal) => rpc(t, signal, (h) => h.cap.api.qrShardJoin(r, deadlineAt)),
  };
}

/** A coordinator plus `n` shards of `events`, rows spread round-robin; also a single-DO copy of all rows. */
export async function shardedEvents(n: number, rows = 600, behaviour = new Map<string, ShardBehaviour>()) {
  const shards = new Map<string, Host>();
  const all = eventRows(rows);
  for (let i = 0; i < n; i++) {
    const h = await routerHost({ tenant: "acme" });
    createEvents(h.tables);
    const mine = all.filter((_, k) => k % n === i);
    if (mine.length > 0) h.tables.insert("events", mine);
    shards.set(`acme:shard-${i}`, h);
  }
  const transport = inProcessTransport(shards, behaviour);
  const coordinator = await routerHost({ tenant: "acme", fanOut: transport, config: { fanOutTimeoutMs: 200 } });
  coordinator.router.setShards("events", n);
  const single = await routerHost();
  createEvents(single.tables);
  single.tables.insert("events", all);
  return { coordinator, shards, single, transport, behaviour };
}
