/**
 * The browser checks of the refresh loop, driven by Playwright's clock (timers fast-forwarded,
 * the platform real): the per-refresh call budget and a stable layout, the hidden and idle
 * stops, stale values on an API error and on a real 429 with its `Retry-After`, and a read-only
 * token's disabled write actions.
 * @module
 */
import type { Browser, Page } from "playwright-core";
import { expect } from "vitest";
import { client, TEST_PLANS } from "./harness.ts";
import { dataValue, openView, signIn, watch } from "./page-helpers.ts";

const boxes = (page: Page) =>
  page.locator("section.panel").evaluateAll((ps) =>
    ps.map((p) => {
      const r = p.getBoundingClientRect();
      return [r.x, r.y, r.width, r.height];
    }),
  );

/** Lets in-flight fetches settle (real time; the page's timers are frozen between fast-forwards). */
const settle = (page: Page, ms = 400) => page.waitForTimeout(ms);

async function setVisibility(page: Page, state: "hidden" | "visible"): Promise<void> {
  await page.evaluate((s) => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => s });
    document.dispatchEvent(new Event("visibilitychange"));
  }, state);
}

export async function refreshBudgetAndLayout(browser: Browser, base: string, token: string): Promise<void> {
  const w = await watch(browser, { clock: true });
  const { page } = w;
  await signIn(page, base, "demo", token);
  await page.getByTestId("tenant-id").waitFor();
  await settle(page);
  const before = await boxes(page);
  let since = Date.now();
  const refreshed = page.waitForResponse((r) => r.url().endsWith("/v1/tenants/demo/info"));
  await page.clock.fastForward(5_000);
  await refreshed;
  await settle(page);
  const overviewCalls = w.gated(since).map((s) => new URL(s.url).pathname);
  expect(overviewCalls).toEqual(["/v1/tenants/demo/info"]);
  expect(await boxes(page)).toEqual(before);

  await openView(page, "Scheduler");
  await page.getByTestId("dags-table").waitFor();
  await settle(page);
  const schedulerBefore = await boxes(page);
  since = Date.now();
  await page.clock.fastForward(5_000);
  await expect.poll(() => w.gated(since).length, { timeout: 5_000 }).toBe(2);
  await settle(page);
  expect(w.gated(since).length).toBe(2);
  expect(await boxes(page)).toEqual(schedulerBefore);

  await setVisibility(page, "hidden");
  await expect
    .poll(() => page.getByTestId("refresh-state").textContent(), { timeout: 5_000 })
    .toMatch(/paused while the tab is hidden/);
  await settle(page);
  since = Date.now();
  await page.clock.fastForward(30_000);
  await settle(page);
  expect(w.gated(since)).toEqual([]);
  await setVisibility(page, "visible");
  await expect.poll(() => w.gated(since).length, { timeout: 5_000 }).toBeGreaterThan(0);

  await page.clock.fastForward(10 * 60_000);
  // The refresh that was due runs once, then the loop stops: no input for 10 minutes.
  await expect
    .poll(() => page.getByTestId("refresh-state").textContent(), { timeout: 5_000 })
    .toMatch(/paused after 10 minutes without input/);
  await settle(page);
  since = Date.now();
  await page.clock.fastForward(60_000);
  await settle(page);
  expect(w.gated(since)).toEqual([]);
  await page.keyboard.press("Shift");
  await expect.poll(() => w.gated(since).length, { timeout: 5_000 }).toBeGreaterThan(0);
  await expect.poll(() => page.getByTestId("refresh-state").textContent(), { timeout: 5_000 }).toMatch(/every 5 s/);
  expect(w.errors).toEqual([]);
  await w.context.close();
}

export async function staleOnError(browser: Browser, base: string, token: string): Promise<void> {
  const w = await watch(browser, { clock: true });
  const { page } = w;
  await signIn(page, base, "demo", token);
  await page.getByTestId("tenant-id").waitFor();
  const storage = await dataValue(page, "storage-bytes");
  await page.route("**/v1/tenants/demo/info", (route) =>
    route.fulfill({
      status: 503,
      contentType: "application/json",
      body: JSON.stringify({ error: { code: "OVERLOADED", message: "the tenant is overloaded, retry later" } }),
    }),
  );
  await page.clock.fastForward(5_000);
  const panel = page.getByTestId("overview-tenant");
  await expect.poll(() => panel.getAttribute("class"), { timeout: 5_000 }).toContain("stale");
  expect(await panel.locator(".status").textContent()).toBe(
    "stale: 503 OVERLOADED: the tenant is overloaded, retry later",
  );
  expect(await page.getByTestId("tenant-id").textContent()).toBe("demo");
  expect(await dataValue(page, "storage-bytes")).toBe(storage);
  // The quota panel's own call succeeded: it stays fresh.
  expect(await page.getByTestId("overview-quota").getAttribute("class")).not.toContain("stale");
  await page.unroute("**/v1/tenants/demo/info");
  await page.clock.fastForward(5_000);
  await expect.poll(() => panel.getAttribute("class"), { timeout: 5_000 }).not.toContain("stale");
  await w.context.close();
}

export async function throttled(browser: Browser, base: string, token: string, operator: string): Promise<void> {
  expect(JSON.parse(TEST_PLANS).map((p: { name: string }) => p.name)).toContain("tiny");
  const admin = client(base, "throttle", operator);
  expect((await admin("PUT", "/rate-limit/plan", { plan: "tiny" })).status).toBe(200);
  const w = await watch(browser, { clock: true });
  const { page } = w;
  await signIn(page, base, "throttle", token);
  await page.getByTestId("tenant-id").waitFor();
  // Another client of the tenant spends the rest of its minute.
  const own = client(base, "throttle", token);
  let status = 200;
  for (let i = 0; i < 20 && status !== 429; i++) status = (await own("GET", "/info")).status;
  expect(status).toBe(429);
  const throttledAnswer = page.waitForResponse((r) => r.url().endsWith("/throttle/info") && r.status() === 429);
  await page.clock.fastForward(5_000);
  const retryAfter = Number((await throttledAnswer).headers()["retry-after"]);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  const panel = page.getByTestId("overview-tenant");
  await expect.poll(() => panel.getAttribute("class"), { timeout: 5_000 }).toContain("stale");
  expect(await panel.locator(".status").textContent()).toMatch(/^stale: 429 /);
  expect(await page.getByTestId("tenant-id").textContent()).toBe("throttle");
  expect(await page.getByTestId("refresh-state").textContent()).toMatch(/Throttled \(429\): next refresh in \d+ s/);
  // Nothing goes out before Retry-After has passed (when it is longer than one interval)…
  const since = Date.now();
  if (retryAfter > 6) {
    await page.clock.fastForward((retryAfter - 1) * 1000);
    await settle(page);
    expect(w.gated(since)).toEqual([]);
  }
  // …and the next refresh goes out once it has.
  await page.clock.fastForward(6_000);
  await expect.poll(() => w.gated(since).length, { timeout: 5_000 }).toBeGreaterThan(0);
  await w.context.close();
}

export async function readOnly(browser: Browser, base: string, token: string): Promise<void> {
  const w = await watch(browser);
  const { page } = w;
  await signIn(page, base, "demo", token);
  expect(await page.getByTestId("who").textContent()).toContain("(read only)");
  await openView(page, "Checkpoints");
  const take = page.getByRole("button", { name: "Checkpoint now" });
  expect(await take.isDisabled()).toBe(true);
  expect(await take.getAttribute("title")).toBe("this token lacks the write scope");
  await openView(page, "Scheduler");
  await page.getByTestId("dead-letters-table").waitFor();
  for (const button of await page.locator("[data-replay]").all()) expect(await button.isDisabled()).toBe(true);
  await openView(page, "Tables");
  await page.getByRole("button", { name: "flights" }).click();
  await page.getByTestId("row-count").waitFor();
  expect(await dataValue(page, "row-count")).toBeGreaterThan(0);
  expect(w.gated().every((s) => s.method === "GET" || s.url.endsWith("/count"))).toBe(true);
  await w.context.close();
}
