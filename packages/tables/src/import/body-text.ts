/**
 * The body of an import as text chunks, decoded as UTF-8 while it streams and counted against
 * the cap: the DO holds one network chunk at a time, never the body.
 * @module
 */
import { PlatformError } from "@durable/core";

/** 413 PAYLOAD_TOO_LARGE, the platform's code for a body over its route's cap. */
export function payloadTooLarge(maxBytes: number): PlatformError {
  return new PlatformError("PAYLOAD_TOO_LARGE", `request body exceeds ${maxBytes} bytes`, { status: 413 });
}

/** Thrown (as its cause) when the client went away mid-body. */
export class BodyInterrupted extends Error {}

/**
 * Yields the body's text chunk by chunk.
 * @param onBytes told the running byte count after each chunk
 * @throws {PAYLOAD_TOO_LARGE} 413 past `maxBytes` (the stream is cancelled)
 * @throws {BodyInterrupted} when reading the stream fails (a client that disconnected)
 */
export async function* textChunks(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  onBytes: (bytes: number) => void = () => {},
): AsyncGenerator<string> {
  if (!body) return;
  const reader = body.getReader();
  const decoder = new TextDecoder("utf-8");
  let total = 0;
  let finished = false;
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (err) {
        finished = true;
        throw new BodyInterrupted("the request body ended before its end", { cause: err });
      }
      if (chunk.done) break;
      total += chunk.value.byteLength;
      if (total > maxBytes) {
        finished = true;
        await reader.cancel().catch(() => {});
        throw payloadTooLarge(maxBytes);
      }
      onBytes(total);
      const text = decoder.decode(chunk.value, { stream: true });
      if (text) yield text;
    }
    finished = true;
    const rest = decoder.decode();
    if (rest) yield rest;
  } finally {
    // Stopped early (a bad line): read the rest unparsed, so that the client's upload ends
    // normally and its keep-alive connection survives the error answer.
    if (!finished) await drainRest(reader, maxBytes - total);
  }
}

async function drainRest(reader: ReadableStreamDefaultReader<Uint8Array>, budget: number): Promise<void> {
  try {
    for (let c = await reader.read(); !c.done; c = await reader.read()) {
      budget -= c.value.byteLength;
      if (budget < 0) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // A broken stream needs no draining.
  }
}
