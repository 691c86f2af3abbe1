/**
 * What the browser tests watch on a page: every request (URL and headers) and response of the
 * console and the API, console errors (a CSP violation is one), and helpers to sign in, open a
 * view and take the two screenshots.
 * @module
 */
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { ARTIFACTS } from "./harness.ts";

/** A request the page sent. */
export interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  at: number;
}

/** A page with its traffic and errors recorded. */
export interface Watched {
  context: BrowserContext;
  page: Page;
  sent: Sent[];
  /** Console responses (below /console) with their headers. */
  consoleResponses: { url: string; status: number; headers: Record<string, string> }[];
  errors: string[];
  /** API requests that spend quota (every tenant route but GET /rate-limit/plan). */
  gated(since?: number): Sent[];
}

/** Opens a fresh context (empty storage) at 1280×800 and records everything. */
export async function watch(browser: Browser, options: { clock?: boolean } = {}): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  if (options.clock) await page.clock.install();
  const sent: Sent[] = [];
  const consoleResponses: Watched["consoleResponses"] = [];
  const errors: string[] = [];
  page.on("request", (r) => {
    sent.push({ method: r.method(), url: r.url(), headers: r.headers(), at: Date.now() });
  });
  page.on("response", (r) => {
    if (new URL(r.url()).pathname.startsWith("/console"))
      consoleResponses.push({ url: r.url(), status: r.status(), headers: r.headers() });
  });
  page.on("console", (m) => {
    if (m.type() === "error" && !/Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return {
    context,
    page,
    sent,
    consoleResponses,
    errors,
    gated: (since = 0) =>
      sent.filter(
        (s) =>
          s.at >= since &&
          /\/v1\/tenants\//.test(s.url) &&
          !(s.method === "GET" && new URL(s.url).pathname.endsWith("/rate-limit/plan")),
      ),
  };
}

/** Signs in through the form and waits for the shell (or the login error). */
export async function signIn(page: Page, base: string, tenant: string, token: string): Promise<void> {
  await page.goto(`${base}/console`);
  await page.locator("#tenant").fill(tenant);
  await page.locator("#token").fill(token);
  await page.getByRole("button", { name: "Open console" }).click();
  await page.locator("[data-testid=who], [data-testid=login-error]:not(:empty)").first().waitFor();
}

/** Opens a view by its nav link (keyboard-reachable anchors) and waits for its first panel. */
export async function openView(page: Page, title: string): Promise<void> {
  await page.getByRole("navigation", { name: "Views" }).getByRole("link", { name: title, exact: false }).click();
  await page.locator("main h1", { hasText: title }).waitFor();
}

/** Full-page screenshots at 1280×800 and 390×844, saved as test artifacts (not committed). */
export async function screenshots(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}-1280.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(ARTIFACTS, `${name}-390.png`), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await page.setViewportSize({ width: 1280, height: 800 });
  // Readable at 390 px: nothing pushes the page sideways (wide tables scroll inside their panel).
  if (overflow > 1) throw new Error(`${name}: the page is ${overflow} px wider than a 390 px screen`);
}

/** The `value` of the `<data>` element with this test id, as a number. */
export async function dataValue(page: Page, testId: string): Promise<number> {
  return Number(await page.getByTestId(testId).first().getAttribute("value"));
}
