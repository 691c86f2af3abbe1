/**
 * `npm run import -- <file.csv|.ndjson|.json> --tenant <t> --table <name> [--upsert] [--infer]
 *   [--key <column>] [--skip] [--url http://127.0.0.1:8787] [--token <token>]`
 * Streams a file to `POST /v1/tenants/:t/tables/:name/import` (CSV as text/csv; NDJSON, or a
 * JSON array converted to NDJSON while it streams) with a progress bar on stderr (rows, MB/s,
 * ETA), follows `Retry-After` on 429/503, and prints the import report on stdout. The token is
 * minted with the local secret (see `npm run token`) unless `--token` is given.
 */
import { createReadStream, readFileSync, statSync } from "node:fs";
import { Readable } from "node:stream";
import { claimsFor, signToken } from "../apps/platform/src/auth.ts";
import { localSecret } from "./token.ts";

interface Args {
  file: string;
  tenant: string;
  table: string;
  url: string;
  token?: string;
  query: URLSearchParams;
}

function usage(): never {
  console.error(
    "usage: npm run import -- <file.csv|.ndjson|.json> --tenant <t> --table <name> [--upsert] [--infer] [--key <col>] [--skip] [--url <base>] [--token <t>]",
  );
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const query = new URLSearchParams();
  let file: string | undefined;
  let tenant: string | undefined;
  let table: string | undefined;
  let url = "http://127.0.0.1:8787";
  let token: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i] ?? usage();
    if (a === "--tenant") tenant = next();
    else if (a === "--table") table = next();
    else if (a === "--url") url = next();
    else if (a === "--token") token = next();
    else if (a === "--upsert") query.set("mode", "upsert");
    else if (a === "--infer") query.set("create", "infer");
    else if (a === "--skip") query.set("onError", "skip");
    else if (a === "--key") query.set("key", next());
    else if (a?.startsWith("--")) usage();
    else file = a;
  }
  if (!file || !tenant || !table) usage();
  return { file, tenant, table, url, query, ...(token ? { token } : {}) };
}

/** A JSON array file as NDJSON (the array is parsed whole: JSON arrays are for small files). */
function jsonArrayAsNdjson(file: string): Buffer {
  const rows = JSON.parse(readFileSync(file, "utf8")) as unknown;
  if (!Array.isArray(rows)) throw new Error(`${file}: a .json file must hold an array of row objects`);
  return Buffer.from(rows.map((r) => JSON.stringify(r)).join("\n"));
}

/** The body as a stream that reports progress on stderr. */
function progressBody(file: string, total: number): ReadableStream<Uint8Array> {
  const started = Date.now();
  let sent = 0;
  let lines = 0;
  let last = 0;
  const source = file.endsWith(".json")
    ? Readable.from([jsonArrayAsNdjson(file)])
    : createReadStream(file, { highWaterMark: 256 * 1024 });
  const draw = (done = false) => {
    const s = (Date.now() - started) / 1000 || 0.001;
    const rate = sent / s;
    const pct = total ? sent / total : 0;
    const bar = "#".repeat(Math.round(pct * 30)).padEnd(30, ".");
    const eta = rate > 0 && total ? Math.max(0, (total - sent) / rate) : 0;
    process.stderr.write(
      `\r[${bar}] ${(pct * 100).toFixed(0).padStart(3)}% ${lines.toLocaleString("en")} rows ${(rate / 1e6).toFixed(1)} MB/s ETA ${eta.toFixed(0)} s${done ? "\n" : ""}`,
    );
  };
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return new ReadableStream({
    async pull(controller) {
      const { value, done } = await iterator.next();
      if (done) {
        draw(true);
        return controller.close();
      }
      const chunk = value as Buffer;
      sent += chunk.byteLength;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      if (Date.now() - last > 200) {
        last = Date.now();
        draw();
      }
      controller.enqueue(new Uint8Array(chunk));
    },
  });
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const token = args.token ?? (await signToken(localSecret(), claimsFor(args.tenant, "tenant", 3600)));
  const type = args.file.endsWith(".csv") ? "text/csv" : "application/x-ndjson";
  const endpoint = `${args.url}/v1/tenants/${args.tenant}/tables/${args.table}/import?${args.query}`;
  for (let attempt = 1; ; attempt++) {
    const size = args.file.endsWith(".json") ? 0 : statSync(args.file).size;
    const res = await fetch(endpoint, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": type,
        ...(size ? { "content-length": String(size) } : {}),
      },
      body: progressBody(args.file, size),
      duplex: "half",
    } as RequestInit);
    if ((res.status === 429 || res.status === 503) && attempt < 10) {
      const wait = Number(res.headers.get("retry-after") ?? "1");
      process.stderr.write(`\n${res.status}: retrying in ${wait} s (Retry-After)\n`);
      await res.body?.cancel();
      await new Promise((r) => setTimeout(r, Math.max(0, wait) * 1000));
      continue;
    }
    const text = await res.text();
    console.log(`HTTP ${res.status}`);
    const report: unknown = text.startsWith("{") ? JSON.parse(text) : text;
    console.log(typeof report === "string" ? report : JSON.stringify(report, null, 2));
    // A job answers 202 at once; if it fails later, its error arrives in that answer's body.
    const failedLate = typeof report === "object" && report !== null && "error" in report;
    if ((res.status >= 300 && res.status !== 202) || failedLate) process.exitCode = 1;
    return;
  }
}

await main(process.argv.slice(2));
