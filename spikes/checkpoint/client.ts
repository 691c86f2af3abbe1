/**
 * The spike's Worker under `wrangler dev` (spikes/checkpoint/wrangler.toml) and a typed call
 * into one account DO: `POST /spike/<DO name>/<method>` with the arguments as a JSON array.
 * @module
 */
import { type DevServer, startDev } from "../lib/wrangler-dev.ts";

/** Calls `spike.<method>(...args)` of the DO `name`. */
export type Call = <T>(name: string, method: string, ...args: unknown[]) => Promise<T>;

/** A running spike Worker. */
export interface SpikeWorker {
  dev: DevServer;
  call: Call;
}

/** Starts the spike Worker and returns a caller. */
export async function startSpikeWorker(): Promise<SpikeWorker> {
  const dev = await startDev({ config: "spikes/checkpoint/wrangler.toml" });
  const call: Call = async <T>(name: string, method: string, ...args: unknown[]) => {
    const res = await fetch(`${dev.url}/spike/${encodeURIComponent(name)}/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(args),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${name}.${method}: ${res.status} ${text}\n${dev.output().slice(-2000)}`);
    return JSON.parse(text) as T;
  };
  return { dev, call };
}
