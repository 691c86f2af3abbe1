/**
 * `npm run demo` (against a running `npm start`): loads 20,000 real flights from the npm
 * package `vega-datasets` into tenant `demo` with the loader (`npm run import`, streamed NDJSON), runs a few queries and prints
 * them with the source that answered and its age, then the curl commands of one query.
 * Idempotent: the table is created once and rows are upserted by id, so a second run leaves the
 * same state. `npm run demo -- --url <base>` targets another address (default http://127.0.0.1:8787);
 * the token is signed with the local secret, as `npm run token` does.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { claimsFor, signToken } from "../apps/platform/src/auth.ts";
import { FLIGHTS_TABLE, loadFlights } from "../spikes/tables/flights.ts";
import { localSecret } from "./token.ts";

const urlArg = process.argv.indexOf("--url");
const base = (urlArg > 0 ? (process.argv[urlArg + 1] ?? "") : "http://127.0.0.1:8787").replace(/\/$/, "");
const tenant = "demo";
const started = performance.now();
const token = await signToken(localSecret(), claimsFor(tenant, "tenant", 3600));
const api = `${base}/v1/tenants/${tenant}`;

interface Answer {
  status: number;
  body: unknown;
  at: number;
}

async function request(method: string, path: string, body?: unknown): Promise<Answer> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).catch((err: unknown) => {
      console.error(`Cannot reach ${base} (${String(err)}). Start the platform first: npm start`);
      process.exit(1);
    });
    const text = await res.text();
    // The per-tenant request gate may answer 429; wait as told, a few times at most.
    if (res.status === 429 && attempt < 3) {
      await new Promise((r) => setTimeout(r, Number(res.headers.get("retry-after") ?? "1") * 1000));
      continue;
    }
    return { status: res.status, body: text ? JSON.parse(text) : null, at: Date.now() };
  }
}

async function must(method: string, path: string, body?: unknown): Promise<Answer> {
  const answer = await request(method, path, body);
  if (answer.status >= 300) {
    console.error(`${method} ${path} → ${answer.status} ${JSON.stringify(answer.body)}`);
    process.exit(1);
  }
  return answer;
}

function source(answer: Answer): string {
  // Only the live table answers today; the query router will add cached sources with real ages.
  const age = ((Date.now() - answer.at) / 1000).toFixed(1);
  return `source: table flights (live SQLite in tenant DO "${tenant}"), age ${age} s`;
}

const fmtDate = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");

// 1. The table (created once) and 20,000 rows (upserted by id: a re-run changes nothing).
const existing = await request("GET", "/tables/flights");
if (existing.status === 404) {
  await must("POST", "/tables", FLIGHTS_TABLE);
  console.log("created table flights");
} else if (existing.status !== 200) {
  console.error(`GET /tables/flights → ${existing.status} ${JSON.stringify(existing.body)}`);
  process.exit(1);
}
const flights = loadFlights(20_000);
const loadStart = performance.now();
// The rows go in as a user's file would: NDJSON streamed by the loader (`npm run import`).
const file = join(mkdtempSync(join(tmpdir(), "demo-")), "flights.ndjson");
writeFileSync(file, `${flights.map((f) => JSON.stringify(f)).join("\n")}\n`);
const load = spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    join(dirname(fileURLToPath(import.meta.url)), "import.ts"),
    file,
    "--tenant",
    tenant,
    "--table",
    "flights",
    "--upsert",
    "--url",
    base,
  ],
  { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" },
);
rmSync(dirname(file), { recursive: true, force: true });
if (load.status !== 0) {
  console.error(`the import failed:\n${load.stdout}`);
  process.exit(1);
}
console.log(
  `loaded ${flights.length.toLocaleString("en-US")} flights (vega-datasets flights-20k.json) with npm run import in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`,
);

// 2. Queries.
const all = await must("POST", "/tables/flights/count", {});
console.log(`\nHow many flights?  ${(all.body as { count: number }).count.toLocaleString("en-US")}\n  ${source(all)}`);

const lateWhere = { col: "delay", op: ">", value: 60 };
const late = await must("POST", "/tables/flights/count", { where: lateWhere });
const guess = await must("POST", "/estimator/estimate", { table: "flights", where: lateWhere });
const estimate = guess.body as { rows: number; method: string; low: number; high: number };
console.log(
  `\nThe estimator's guess, before counting:  ${Math.round(estimate.rows).toLocaleString("en-US")} (stage ${estimate.method}, range ${Math.round(estimate.low)}–${Math.round(estimate.high)})\n  source: the estimator's statistics in tenant DO "${tenant}" (no rows read)`,
);
console.log(
  `\nFlights more than an hour late:  ${(late.body as { count: number }).count.toLocaleString("en-US")}\n  ${source(late)}`,
);

const worstWhere = { col: "origin", op: "=", value: "SFO" };
const worstPath = `/tables/flights/rows?where=${encodeURIComponent(JSON.stringify(worstWhere))}&orderBy=delay&order=desc&limit=5`;
const worst = await must("GET", worstPath);
console.log("\nThe 5 longest delays out of SFO:");
for (const f of (worst.body as { rows: { date: number; delay: number; origin: string; destination: string }[] }).rows) {
  console.log(`  ${fmtDate(f.date)}  ${f.origin} → ${f.destination}  ${String(f.delay).padStart(4)} min late`);
}
console.log(`  ${source(worst)}`);

const sAirports = await must("POST", "/tables/flights/count", { where: { col: "origin", op: "like", pattern: "S%" } });
console.log(
  `\nFlights from airports whose code starts with S (prefix like, uses the index):  ${(sAirports.body as { count: number }).count.toLocaleString("en-US")}\n  ${source(sAirports)}`,
);

const dayWhere = {
  and: [
    { col: "date", op: "between", low: "2001-01-10T00:00:00Z", high: "2001-01-10T23:59:59Z" },
    { col: "delay", op: "<=", value: 0 },
  ],
};
const day = await must("POST", "/tables/flights/count", { where: dayWhere });
console.log(`\nOn-time or early flights on 2001-01-10:  ${(day.body as { count: number }).count}\n  ${source(day)}`);

// Rollups: by_origin_month (defined once: the same definition again answers 200), then flights
// and average delay per origin and month from its stored states.
const byOriginMonth = {
  name: "by_origin_month",
  source: "flights",
  measures: [
    { name: "flights", agg: "count" },
    { name: "avg_delay", agg: "avg", column: "delay" },
  ],
  dimensions: ["origin"],
  timeDimension: { column: "date", grain: "month" },
};
await must("POST", "/pre-agg/rollups", { definition: byOriginMonth });
for (let i = 0; ; i++) {
  const info = (await must("GET", "/pre-agg/rollups/by_origin_month")).body as { status: string };
  if (info.status === "built") break;
  if (i >= 60) {
    console.error(`rollup by_origin_month is still ${info.status} after 30 s`);
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 500));
}
const monthly = await must("POST", "/pre-agg/query", {
  query: {
    table: "flights",
    measures: [{ agg: "count" }, { agg: "avg", column: "delay" }],
    dimensions: ["origin"],
    timeDimension: { column: "date", grain: "month" },
    where: { col: "origin", op: "in", values: ["SFO", "LAX", "ORD", "ATL"] },
  },
});
const rolled = monthly.body as {
  rows: { origin: string; date: string; count: number; avg_delay: number | null }[];
  meta: { source: string; rollup?: string; asOf: number };
};
console.log("\nFlights and average delay per origin and month:");
for (const r of rolled.rows) {
  console.log(
    `  ${r.date.slice(0, 7)}  ${r.origin}  ${String(r.count).padStart(5)} flights  ${(r.avg_delay ?? 0).toFixed(1).padStart(6)} min avg delay`,
  );
}
console.log(
  `  source: ${rolled.meta.source} ${rolled.meta.rollup ?? ""} (stored states in tenant DO "${tenant}"), age ${((monthly.at - rolled.meta.asOf) / 1000).toFixed(1)} s`,
);

// The query router (POST /query): the cheapest source within the dashboard budget (5 min), and
// a repeat answered from its cache with the entry's real age.
type Routed = {
  rows: Record<string, unknown>[];
  meta: { source: string; rollup?: string; ageMs: number; budgetMs: number; stale: boolean };
};
const routedLine = (r: Routed) =>
  `source: ${r.meta.source}${r.meta.rollup ? ` (${r.meta.rollup})` : ""}, age ${(r.meta.ageMs / 1000).toFixed(1)} s of a ${r.meta.budgetMs / 1000} s budget${r.meta.stale ? ", stale: refreshing" : ""}`;
const dashboards = [
  {
    title: "Flights and average delay per origin and month (router)",
    query: {
      table: "flights",
      measures: [{ agg: "count" }, { agg: "avg", column: "delay" }],
      dimensions: ["origin"],
      timeDimension: { column: "date", grain: "month" },
      where: { col: "origin", op: "in", values: ["SFO", "LAX", "ORD", "ATL"] },
    },
  },
  {
    title: "Busiest destinations from SFO (router; no rollup has destination)",
    query: {
      table: "flights",
      measures: [{ agg: "count" }, { agg: "max", column: "delay" }],
      dimensions: ["destination"],
      where: { col: "origin", op: "=", value: "SFO" },
      order: [{ by: "count", dir: "desc" }],
      limit: 3,
    },
  },
];
for (const d of dashboards) {
  const first = (await must("POST", "/query", { query: d.query, routing: { freshness: "dashboard" } })).body as Routed;
  console.log(`\n${d.title}: ${first.rows.length} rows, e.g. ${JSON.stringify(first.rows[0])}`);
  console.log(`  ${routedLine(first)}`);
  await new Promise((r) => setTimeout(r, 300));
  const again = (await must("POST", "/query", { query: d.query, routing: { freshness: "dashboard" } })).body as Routed;
  console.log(`  repeated: ${routedLine(again)}`);
}

// 3. The curl commands of one query.
console.log("\nReproduce the SFO query with curl:");
console.log(`  TOKEN=$(npm run -s token -- ${tenant} | tail -1)`);
console.log(`  curl -H "Authorization: Bearer $TOKEN" '${api}${worstPath}'`);
console.log("Page on with the returned cursor: append &cursor=<cursor>. Count with a predicate:");
console.log(
  `  curl -X POST -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '${JSON.stringify({ where: { col: "delay", op: ">", value: 60 } })}' ${api}/tables/flights/count`,
);
console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s`);
