/**
 * JSON responses and the error body of ARCHITECTURE.md, shared by the platform and by
 * packages that answer HTTP themselves (e.g. the rate-limit middleware).
 * @module
 */
import { PlatformError } from "./errors.ts";

/**
 * A JSON response.
 * @param body any JSON value
 * @param status HTTP status (default 200)
 * @param headers extra headers
 */
export function json(body: unknown, status = 200, headers: Record<string, string> | Headers = {}): Response {
  const h = new Headers(headers);
  h.set("content-type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(body), { status, headers: h });
}

/**
 * The response of an error: a {@link PlatformError} keeps its code and status; anything else
 * becomes 500 INTERNAL without a stack trace or message.
 * @param err anything caught
 * @param requestId echoed in the body of a 500 so the log line can be found
 */
export function errorResponse(err: unknown, requestId?: string): Response {
  if (err instanceof PlatformError) {
    return json(err.toBody(), err.status, err.headers);
  }
  const message = requestId ? `internal error (request ${requestId})` : "internal error";
  return json({ error: { code: "INTERNAL", message, ...(requestId ? { requestId } : {}) } }, 500);
}
