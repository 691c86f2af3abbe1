/**
 * The browser checks of the capabilities that land with the console (pre-agg, query, vector):
 * when `GET /info` lists one, its view's numbers equal the API's and its action works; when it
 * does not, the view says "not installed" and the page sends nothing to that capability.
 * @module
 */
import { expect } from "vitest";
import type { client } from "./harness.ts";
import { dataValue, openView, screenshots, type Watched } from "./page-helpers.ts";

type Api = ReturnType<typeof client>;

async function notInstalled(w: Watched, title: string, id: string, prefix: string): Promise<void> {
  const before = w.sent.length;
  await openView(w.page, title);
  await w.page.getByTestId("not-installed").waitFor();
  expect(await w.page.getByTestId("not-installed").textContent()).toContain(`lists no "${id}" capability`);
  await w.page.waitForTimeout(300);
  expect(w.sent.slice(before).filter((s) => new URL(s.url).pathname.includes(`/v1/tenants/demo${prefix}`))).toEqual([]);
  await screenshots(w.page, `${id}-not-installed`);
}

/** Pre-agg: rollups equal `GET /pre-agg/rollups`; an explain of the example query lists every rollup. */
export async function checkPreAgg(w: Watched, api: Api, installed: string[]): Promise<void> {
  if (!installed.includes("pre-agg")) return notInstalled(w, "Pre-aggregation", "pre-agg", "/pre-agg");
  const { page } = w;
  await openView(page, "Pre-aggregation");
  await page.getByTestId("rollups-table").waitFor();
  const rollups = (await api("GET", "/pre-agg/rollups")).body.rollups as { name: string; rows: number }[];
  const names = await page.locator("[data-testid=rollups-table] tbody td:first-child").allTextContents();
  expect(names).toEqual(rollups.length === 0 ? ["no rollups"] : rollups.map((r) => r.name));
  const explained = page.waitForResponse((r) => r.url().endsWith("/pre-agg/explain"));
  await page.getByTestId("explain-submit").click();
  const answer = await explained;
  expect(answer.status()).toBe(200);
  const body = (await answer.json()) as { candidates: unknown[] };
  await page.getByTestId("explain-table").waitFor();
  expect(await page.locator("[data-testid=explain-table] tbody tr:not(:has(td.empty))").count()).toBe(
    body.candidates.length,
  );
  if (rollups[0]) {
    await page.getByRole("button", { name: rollups[0].name }).click();
    await page.getByTestId("rollup-rows").waitFor();
    expect(await dataValue(page, "rollup-rows")).toBe(
      (await api("GET", `/pre-agg/rollups/${rollups[0].name}`)).body.rows,
    );
  }
  await screenshots(page, "pre-agg");
}

/** Query: run the example query at `fresh`; source, age and row count shown equal the answer's. */
export async function checkQuery(w: Watched, installed: string[]): Promise<void> {
  if (!installed.includes("query")) return notInstalled(w, "Query", "query", "/query");
  const { page } = w;
  await openView(page, "Query");
  await page.locator("#query-freshness").selectOption("fresh");
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith("/v1/tenants/demo/query"));
  await page.getByTestId("query-submit").click();
  const res = await answered;
  expect(res.status()).toBe(200);
  const request = JSON.parse(res.request().postData() ?? "{}") as { routing: { freshness: string } };
  expect(request.routing.freshness).toBe("fresh");
  const body = (await res.json()) as { rows: unknown[]; meta: { source: string; ageMs: number; budgetMs: number } };
  await page.getByTestId("query-source").waitFor();
  expect(await page.getByTestId("query-source").textContent()).toContain(body.meta.source);
  expect(await dataValue(page, "query-age")).toBe(body.meta.ageMs);
  expect(await dataValue(page, "query-rows")).toBe(body.rows.length);
  expect(body.meta.budgetMs).toBe(30_000);
  await screenshots(page, "query");
}

/** Vector: the index list equals `GET /vector/indexes` (names, counts, mode). */
export async function checkVector(w: Watched, api: Api, installed: string[]): Promise<void> {
  if (!installed.includes("vector")) return notInstalled(w, "Vector indexes", "vector", "/vector");
  const { page } = w;
  await openView(page, "Vector indexes");
  await page.getByTestId("vector-table").waitFor();
  const data = (await api("GET", "/vector/indexes")).body;
  const list = (Array.isArray(data) ? data : (data.indexes ?? data.items ?? [])) as { name: string }[];
  const names = await page.locator("[data-testid=vector-table] tbody td:first-child").allTextContents();
  expect(names).toEqual(list.length === 0 ? ["no indexes"] : list.map((i) => i.name));
  expect(list.map((i) => i.name)).toContain("docs");
  await page.getByRole("button", { name: "docs" }).click();
  await page.getByTestId("vector-count").waitFor();
  const docs = (await api("GET", "/vector/indexes/docs")).body as { vectorCount: number; mode: string };
  expect(await dataValue(page, "vector-count")).toBe(docs.vectorCount);
  expect(docs.vectorCount).toBe(40);
  expect(await page.getByTestId("vector-mode").textContent()).toBe(docs.mode);
  await screenshots(page, "vector");
}

/** Benchmarks: one bar per targeted metric with a value, its verdict as the file says. */
export async function checkBenchmarks(w: Watched, base: string): Promise<void> {
  const { page } = w;
  const before = w.gated().length;
  await openView(page, "Benchmarks");
  await page.locator("figure.chart").first().waitFor();
  const file = (await (await fetch(`${base}/console/benchmarks.json`)).json()) as {
    spikes: {
      spike: string;
      metrics: Record<string, number> | null;
      targets: { metric: string; op: string; value: number }[];
    }[];
  };
  const expected = file.spikes.flatMap((s) =>
    s.metrics
      ? s.targets
          .filter((t) => typeof s.metrics?.[t.metric] === "number")
          .map((t) => {
            const v = s.metrics?.[t.metric] as number;
            return [t.metric, String(v), String(t.op === ">=" ? v >= t.value : v <= t.value)];
          })
      : [],
  );
  const drawn = await page
    .locator("g.bar")
    .evaluateAll((bars) =>
      bars.map((b) => [b.getAttribute("data-metric"), b.getAttribute("data-measured"), b.getAttribute("data-met")]),
    );
  expect(drawn).toEqual(expected);
  expect(await page.locator("figure.chart").count()).toBe(file.spikes.length);
  // The benchmarks are a static file: no tenant call, no quota.
  expect(w.gated().length).toBe(before);
  await screenshots(page, "benchmarks");
}
