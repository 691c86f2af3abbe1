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
 * Content-Length does not get around the cap). It keeps one copy of the body: each chunk is
 * written into one buffer as it arrives, sized by the declared Content-Length (a 32 MiB vector
 * write is never held twice); without one, the buffer grows by doubling.
 * @throws {PAYLOAD_TOO_LARGE} 413
 */
export async function readCapped(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  let buffer = new Uint8Array(declared > 0 ? declared : Math.min(maxBytes, 64 * 1024));
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const end = total + value.byteLength;
    if (end > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    if (end > buffer.byteLength) {
      // No (or a false) Content-Length: grow. The old buffer is garbage once copied.
      const grown = new Uint8Array(Math.min(maxBytes, Math.max(buffer.byteLength * 2, end)));
      grown.set(buffer.subarray(0, total));
      buffer = grown;
    }
    buffer.set(value, total);
    total = end;
  }
  return total === buffer.byteLength ? buffer : buffer.subarray(0, total);
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
