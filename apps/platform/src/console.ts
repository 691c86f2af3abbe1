/**
 * The ops console's static page, answered by the Worker at `/console` before the tenant path:
 * no token and no quota gate (the page holds no data; it calls the tenant routes like any client,
 * with the operator's token in `Authorization`). Files come from Workers Static Assets (the
 * `ASSETS` binding over apps/platform/console/public, `run_worker_first`, so nothing is served
 * outside `/console`); `benchmarks.json` is docs/benchmarks.json, bundled into the Worker. Every
 * answer here, errors included, carries the console's headers ({@link CONSOLE_HEADERS}).
 * @module
 */
import benchmarks from "../../../docs/benchmarks.json";

/**
 * The console's Content-Security-Policy: only same-origin scripts, styles and API calls; no
 * inline script or style, no `eval`, no framing, no form posts (a form that somehow submitted
 * natively could put a token in a URL), and Trusted Types so no HTML string reaches a DOM sink.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join("; ");

/** Headers on every console response. */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CONSOLE_CSP,
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
  // Revalidated on every load: a deploy's new files are used at once (ETags keep it cheap).
  "cache-control": "no-cache",
};

/** Asset paths below /console: lower-case names, dot-separated extensions, no `..`. */
const ASSET_PATH = /^(?:[a-z0-9_-]+\/)*[a-z0-9_-]+(?:\.[a-z0-9]+)+$/;
const ASSET_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
};
const BENCHMARKS_BODY = JSON.stringify(benchmarks);

/** True for `/console` and every path below it. */
export function isConsolePath(pathname: string): boolean {
  return pathname === "/console" || pathname.startsWith("/console/");
}

function withConsoleHeaders(response: Response, contentType?: string): Response {
  const out = new Response(response.body, response);
  for (const [name, value] of Object.entries(CONSOLE_HEADERS)) out.headers.set(name, value);
  if (contentType) out.headers.set("content-type", contentType);
  return out;
}

function plain(status: number, text: string, extra: Record<string, string> = {}): Response {
  return withConsoleHeaders(
    new Response(text, { status, headers: { "content-type": "text/plain; charset=utf-8", ...extra } }),
  );
}

/**
 * Answers a request below `/console`: the page, its modules and styles, and benchmarks.json.
 * @param assets the `ASSETS` binding (absent: 503, the deploy lacks its `[assets]` section)
 */
export async function serveConsole(request: Request, url: URL, assets: Fetcher | undefined): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") return plain(405, "use GET", { allow: "GET, HEAD" });
  const rest = url.pathname === "/console" ? "" : url.pathname.slice("/console/".length);
  if (rest === "benchmarks.json") {
    const body = request.method === "HEAD" ? null : BENCHMARKS_BODY;
    return withConsoleHeaders(new Response(body, { headers: { "content-type": "application/json; charset=utf-8" } }));
  }
  const file = rest === "" || rest === "index.html" ? "index.html" : rest;
  if (!ASSET_PATH.test(file)) return plain(404, `no console file ${url.pathname}`);
  const type = ASSET_TYPES[file.slice(file.lastIndexOf(".") + 1)];
  if (!type) return plain(404, `no console file ${url.pathname}`);
  if (!assets) return plain(503, "this deploy has no ASSETS binding");
  const headers = new Headers();
  for (const name of ["if-none-match", "if-modified-since"]) {
    const value = request.headers.get(name);
    if (value) headers.set(name, value);
  }
  // Only the conditional headers travel on: never a client's Authorization or cookies.
  const answer = await assets.fetch(new Request(new URL(`/${file}`, url.origin), { method: request.method, headers }));
  if (answer.status === 404) return plain(404, `no console file ${url.pathname}`);
  return withConsoleHeaders(answer, answer.status === 200 ? type : undefined);
}
