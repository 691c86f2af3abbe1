/**
 * A bounded HTTP load loop: `total` requests from `concurrency` workers on one keep-alive
 * client, returning each request's latency. Used by every spike that measures over HTTP.
 * @module
 */

/** Latencies (ms) and throughput of one load run. */
export interface LoadResult {
  latenciesMs: number[];
  wallMs: number;
  rps: number;
  statuses: Record<number, number>;
}

/**
 * Sends `total` requests made by `makeRequest(i)` with `concurrency` in flight.
 * @param total number of requests (bounded by the caller)
 * @param concurrency requests in flight at once
 * @param makeRequest builds request i
 */
export async function runLoad(
  total: number,
  concurrency: number,
  makeRequest: (i: number) => Request,
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const statuses: Record<number, number> = {};
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const t0 = performance.now();
      const res = await fetch(makeRequest(i));
      await res.arrayBuffer();
      latenciesMs.push(performance.now() - t0);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallMs = performance.now() - started;
  return { latenciesMs, wallMs, rps: (total / wallMs) * 1000, statuses };
}
