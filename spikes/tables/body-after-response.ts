/**
 * Probe for issue 17 item 4 ("large imports answer 202 at once"): can a Durable Object keep
 * reading a request body after it answered? Runs the production shape in workerd (Miniflare,
 * the workerd of this repo): a Worker forwards a streamed POST to a DO with `stub.fetch`, and
 * the DO either
 * - `waitUntil`: answers 202 at once and reads the body in `ctx.waitUntil`, or
 * - `stream`: answers 202 at once with a response body it keeps open, reads the request body,
 *   and closes the response body (with the final report) once the request body ended.
 * It prints, per mode, when the client saw the status, how many bytes the DO read, and the
 * error that stopped it. Run: `npx tsx spikes/tables/body-after-response.ts`.
 * @module
 */
import { Miniflare, type RequestInit as MiniflareInit } from "miniflare";

const SCRIPT = `
import { DurableObject } from "cloudflare:workers";
export class Probe extends DurableObject {
  async fetch(request) {
    const url = new URL(request.url);
    if (request.method === "GET") return Response.json((await this.ctx.storage.get("outcome")) ?? null);
    const reader = request.body.getReader();
    const first = await reader.read();
    let bytes = first.value ? first.value.byteLength : 0;
    const readRest = async () => {
      try {
        for (let c = await reader.read(); !c.done; c = await reader.read()) bytes += c.value.byteLength;
        return { bytes, error: null };
      } catch (err) {
        return { bytes, error: String(err) };
      }
    };
    if (url.pathname === "/waitUntil") {
      this.ctx.waitUntil(readRest().then((o) => this.ctx.storage.put("outcome", o)));
      return Response.json({ status: "running" }, { status: 202 });
    }
    const { readable, writable } = new TransformStream();
    const writer = writable.getWriter();
    const encoder = new TextEncoder();
    readRest().then(async (o) => {
      await this.ctx.storage.put("outcome", o);
      await writer.write(encoder.encode(JSON.stringify({ status: "done", ...o })));
      await writer.close();
    });
    return new Response(readable, { status: 202, headers: { "content-type": "application/json" } });
  }
}
export default {
  async fetch(request, env) {
    return env.PROBE.get(env.PROBE.idFromName(new URL(request.url).searchParams.get("n"))).fetch(request);
  },
};
`;

const MB = 20;

/** A body of `MB` megabytes, produced slowly enough that the answer comes long before its end. */
function slowBody(): ReadableStream<Uint8Array> {
  let sent = 0;
  const chunk = new Uint8Array(256 * 1024).fill(97);
  return new ReadableStream({
    async pull(controller) {
      if (sent >= MB * 1024 * 1024) return controller.close();
      await new Promise((r) => setTimeout(r, 5));
      controller.enqueue(chunk.slice());
      sent += chunk.byteLength;
    },
  });
}

const mf = new Miniflare({
  modules: true,
  script: SCRIPT,
  compatibilityDate: "2025-04-01",
  durableObjects: { PROBE: "Probe" },
});
try {
  for (const mode of ["waitUntil", "stream"]) {
    const n = `${mode}-${Date.now()}`;
    const started = performance.now();
    const seen: Record<string, unknown> = { mode, sentBytes: MB * 1024 * 1024 };
    try {
      const res = await mf.dispatchFetch(`http://probe/${mode}?n=${n}`, {
        method: "POST",
        body: slowBody(),
        duplex: "half",
      } as MiniflareInit);
      seen.status = res.status;
      seen.statusMs = Math.round(performance.now() - started);
      seen.response = (await res.text()).slice(0, 120);
      seen.responseEndMs = Math.round(performance.now() - started);
    } catch (err) {
      seen.clientError = `${String(err)} (cause: ${String((err as Error).cause)})`;
      seen.clientErrorMs = Math.round(performance.now() - started);
    }
    await new Promise((r) => setTimeout(r, 1000));
    seen.doRead = await (await mf.dispatchFetch(`http://probe/?n=${n}`)).json();
    console.log(JSON.stringify(seen));
  }
} finally {
  await mf.dispose();
}
