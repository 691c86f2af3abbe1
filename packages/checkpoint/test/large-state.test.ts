/**
 * A 200 MB state under a 64 MB V8 heap: a child process (`node --max-old-space-size=64`) fills
 * a table with 200 MB of rows, takes a local checkpoint (gzip, SHA-256, 1 MiB chunks in SQLite),
 * deletes half the rows and restores. It must not run out of heap (the process would die), the
 * sampled heap and ArrayBuffer peaks stay under 64 MB, and the restored rows equal the captured
 * ones. `CKPT_LARGE_MB` scales it (the default is the 200). Takes ~20 s on 2 shared cores.
 * Does not prove workerd's 128 MB isolate (the platform's tests) nor speed (spikes/checkpoint).
 */
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const run = promisify(execFile);
const dir = dirname(fileURLToPath(import.meta.url));

it("200 MB of state under a 64 MB heap: checkpoint and restore stream, the rows come back", async () => {
  const mb = Number(process.env.CKPT_LARGE_MB ?? "200");
  const { stdout } = await run(
    process.execPath,
    ["--max-old-space-size=64", "--import", "tsx", join(dir, "large-state-child.ts")],
    { cwd: join(dir, ".."), env: { ...process.env, CKPT_LARGE_MB: String(mb) }, maxBuffer: 1 << 20 },
  );
  const r = JSON.parse(stdout.trim().split("\n").pop() as string) as {
    rawBytes: number;
    chunks: number;
    location: string;
    before: { n: number; s: number };
    after: { n: number; s: number };
    heapPeakMb: number;
    arrayBuffersPeakMb: number;
  };
  expect(r.rawBytes).toBeGreaterThanOrEqual(mb * 1e6);
  expect(r.location).toBe("sqlite");
  expect(r.chunks).toBeGreaterThan(mb / 4); // ~2:1 gzip, 1 MiB chunks
  expect(r.after).toEqual(r.before);
  expect(r.heapPeakMb).toBeLessThan(64);
  expect(r.arrayBuffersPeakMb).toBeLessThan(64);
}, 180_000);
