/**
 * Reads a JSON request body with a byte cap, rejecting oversized bodies before parsing.
 * @module
 */
import { PlatformError } from "@durable/core";

/** The default body cap of ARCHITECTURE.md: 1 MB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

function tooLarge(maxBytes: number): PlatformError {
  return new PlatformError("PAYLOAD_TOO_LARGE", `request body exceeds ${maxBytes} bytes`, { status: 413 });
}

/**
 * Reads at most `maxBytes` of the body, counting as it streams (a missing or false
 * Content-Length does not get around the cap).
 * @throws {PAYLOAD_TOO_LARGE} 413
 */
export async function readCapped(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/**
 * The parsed JSON body, or undefined when there is none.
 * @throws {PAYLOAD_TOO_LARGE} 413 over the cap
 * @throws {INVALID_JSON} 400 when the bytes are not JSON
 */
export async function readJsonBody(request: Request, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<unknown> {
  const bytes = await readCapped(request, maxBytes);
  if (bytes.byteLength === 0) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new PlatformError("INVALID_JSON", "request body is not valid JSON", { status: 400 });
  }
}
