/**
 * A large streamed import over HTTP (workerd): a body generated while it is sent (never held
 * whole by the test or the DO) becomes a job (committed in batches of 10,000 rows) after its
 * first 100,000 rows, and answers 202 with its record's `Location` then, while most of the body
 * is still to come; the record shows it running meanwhile; the answer's body is the report once
 * the body ended, and the record reports the rows and bytes. A job that fails after its 202 (a
 * bad row under abort) puts its error body in that answer and leaves its record `failed`.
 * Size: 300,000 rows, about 21 MB (the issue asks for 50 MB; this size keeps the test near 7 s
 * on two shared cores; the 60 MB run is the spike's). The
 * DO's peak heap is measured by the spike in Node (workerd does not expose it to a test).
 */
import { describe, expect, it } from "vitest";
import { call, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";

const ROWS = 300_000;

function generated(rows: number): { stream: ReadableStream<Uint8Array>; bytes: () => number } {
  const encoder = new TextEncoder();
  let i = 0;
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i > rows) return controller.close();
      let text = i === 0 ? "id,name,score,flag,at\n" : "";
      const end = Math.min(rows, i + 2_000);
      for (i = Math.max(i, 1); i <= end; i++) {
        text += `${i},"name ${i}, with a comma",${(i * 1.25).toFixed(2)},${i % 2 === 0},2024-03-10T09:${String(i % 60).padStart(2, "0")}:00Z\n`;
      }
      const chunk = encoder.encode(text);
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { stream, bytes: () => sent };
}

describe("a large streamed import", () => {
  it(`${ROWS} rows streamed: a job, 202, committed in batches, its record complete`, async () => {
    const tenant = uniqueTenant("big");
    const token = await tokenFor(tenant);
    const base = `/v1/tenants/${tenant}/tables`;
    const body = generated(ROWS);
    const started = Date.now();
    const res = await call(`${base}/big/import?create=infer&key=id`, {
      method: "POST",
      body: body.stream,
      headers: { "content-type": "text/csv" },
      token,
      // @ts-expect-error -- a streamed request body needs duplex: half (not in the DOM types)
      duplex: "half",
    });
    // The answer came while the body was still being sent.
    const sentAtAnswer = body.bytes();
    expect(res.status).toBe(202);
    const importId = res.headers.get("import-id");
    expect(res.headers.get("location")).toBe(`${base}/big/imports/${importId}`);
    const running = await jsonOf(await call(`${base}/big/imports/${importId}`, { token }));
    expect(running).toMatchObject({ status: "running" });
    expect(running.rowsDone).toBeLessThan(ROWS);
    const result = await jsonOf(res);
    expect(result).toMatchObject({ importId, job: true, rows: ROWS, inserted: ROWS });
    expect(sentAtAnswer).toBeLessThan(body.bytes() / 2);
    expect(body.bytes()).toBeGreaterThan(20_000_000);
    const record = await jsonOf(await call(`${base}/big/imports/${result.importId}`, { token }));
    expect(record).toMatchObject({ status: "done", rowsDone: ROWS, bytesDone: body.bytes() });
    const count = await jsonOf(
      await call(`${base}/big/count`, {
        method: "POST",
        body: "{}",
        headers: { "content-type": "application/json" },
        token,
      }),
    );
    expect(count.count).toBe(ROWS);
    console.log(`imported ${ROWS} rows (${(body.bytes() / 1e6).toFixed(1)} MB) in ${Date.now() - started} ms`);
  });

  it("a job that fails after its 202 reports the error in the answer's body and its record", async () => {
    const tenant = uniqueTenant("big-bad");
    const token = await tokenFor(tenant);
    const base = `/v1/tenants/${tenant}/tables`;
    const encoder = new TextEncoder();
    let i = 0;
    // 150,000 short rows; row 140,000 has text in the integer column `n`.
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i > 150_000) return controller.close();
        let text = i === 0 ? "id,n\n" : "";
        const end = Math.min(150_000, i + 5_000);
        for (i = Math.max(i, 1); i <= end; i++) text += `${i},${i === 140_000 ? "x" : i}\n`;
        controller.enqueue(encoder.encode(text));
      },
    });
    const res = await call(`${base}/bad/import?create=infer&key=id`, {
      method: "POST",
      body: stream,
      headers: { "content-type": "text/csv" },
      token,
      // @ts-expect-error -- a streamed request body needs duplex: half (not in the DOM types)
      duplex: "half",
    });
    expect(res.status).toBe(202);
    const importId = res.headers.get("import-id");
    const answer = (await res.json()) as { error: { code: string; errors: unknown[] } };
    expect(answer.error).toMatchObject({ code: "INVALID_ROWS" });
    expect(answer.error.errors[0]).toMatchObject({ line: 140_001, column: "n", value: "x" });
    const record = await jsonOf(await call(`${base}/bad/imports/${importId}`, { token }));
    expect(record).toMatchObject({ status: "failed", totalErrors: 1 });
    expect((record.rowsDone as number) % 10_000).toBe(0);
  });
});
