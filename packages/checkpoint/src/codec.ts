/**
 * The checkpoint codec: NDJSON lines (`<operator>\t<record JSON>`) through gzip
 * (`CompressionStream`), cut into chunks of at most `chunkBytes`, each with its SHA-256. The
 * whole hash is the SHA-256 of the chunk hashes in order (a hash list: it streams, and it
 * catches a missing, extra or reordered chunk as well as a changed byte). Memory holds one
 * chunk being filled and what the streams buffer, never the state.
 * @module
 */

/** The codec name written into every manifest. */
export const CODEC = "ndjson+gzip";

const encoder = new TextEncoder();

/** Lower-case hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === "string" ? encoder.encode(bytes) : bytes;
  const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The whole-checkpoint hash over the chunk hashes, in order. */
export function wholeHash(chunkHashes: readonly string[]): Promise<string> {
  return sha256Hex(chunkHashes.join("\n"));
}

/** What {@link encodeChunks} produced. */
export interface EncodeResult {
  rawBytes: number;
  storedBytes: number;
  chunkHashes: string[];
  chunkLengths: number[];
}

/**
 * Gzips the text `next()` returns (until null) and hands each full chunk to `onChunk`.
 * @param next returns the next batch of NDJSON text, or null at the end (read synchronously)
 * @param chunkBytes largest chunk
 * @param onChunk stores a chunk (awaited before the next one is filled)
 */
export async function encodeChunks(
  next: () => string | null,
  chunkBytes: number,
  onChunk: (bytes: Uint8Array, idx: number, sha256: string) => Promise<void>,
): Promise<EncodeResult> {
  const gzip = new CompressionStream("gzip");
  const writer = gzip.writable.getWriter();
  const reader = gzip.readable.getReader();
  let rawBytes = 0;
  let failed = false;
  const produce = (async () => {
    for (let text = next(); text !== null && !failed; text = next()) {
      const bytes = encoder.encode(text);
      rawBytes += bytes.length;
      await writer.write(bytes);
    }
    if (!failed) await writer.close();
  })();
  const result: EncodeResult = { rawBytes: 0, storedBytes: 0, chunkHashes: [], chunkLengths: [] };
  const emit = async (bytes: Uint8Array) => {
    const sha = await sha256Hex(bytes);
    await onChunk(bytes, result.chunkHashes.length, sha);
    result.chunkHashes.push(sha);
    result.chunkLengths.push(bytes.length);
    result.storedBytes += bytes.length;
  };
  try {
    let buf = new Uint8Array(chunkBytes);
    let fill = 0;
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      const value = r.value;
      for (let off = 0; off < value.length; ) {
        const n = Math.min(chunkBytes - fill, value.length - off);
        buf.set(value.subarray(off, off + n), fill);
        fill += n;
        off += n;
        if (fill === chunkBytes) {
          await emit(buf);
          buf = new Uint8Array(chunkBytes);
          fill = 0;
        }
      }
    }
    if (fill > 0) await emit(buf.slice(0, fill));
    await produce;
  } catch (err) {
    failed = true;
    await writer.abort(err).catch(() => {});
    await reader.cancel(err).catch(() => {});
    await produce.catch(() => {});
    throw err;
  }
  result.rawBytes = rawBytes;
  return result;
}

/**
 * Gunzips verified chunks and calls `onLine(operator, recordJson)` for every line.
 * @param chunks the chunks in order (each verified by the caller before it is yielded)
 */
export async function decodeChunks(
  chunks: AsyncIterable<Uint8Array>,
  onLine: (operator: string, record: string) => void,
): Promise<void> {
  const gunzip = new DecompressionStream("gzip");
  const writer = gunzip.writable.getWriter();
  const reader = gunzip.readable.pipeThrough(new TextDecoderStream()).getReader();
  let failed = false;
  const produce = (async () => {
    for await (const chunk of chunks) {
      if (failed) return;
      await writer.write(chunk as Uint8Array<ArrayBuffer>);
    }
    await writer.close();
  })();
  // The producer may fail (a corrupt chunk): surface that, not a stuck reader.
  const producing = produce.catch(async (err) => {
    failed = true;
    await reader.cancel(err).catch(() => {});
    throw err;
  });
  let rest = "";
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      const text = rest + r.value;
      let start = 0;
      for (let nl = text.indexOf("\n", start); nl >= 0; nl = text.indexOf("\n", start)) {
        const tab = text.indexOf("\t", start);
        if (tab < 0 || tab > nl) throw new Error("checkpoint line without an operator");
        onLine(text.slice(start, tab), text.slice(tab + 1, nl));
        start = nl + 1;
      }
      rest = text.slice(start);
    }
  } catch (err) {
    failed = true;
    await writer.abort(err).catch(() => {});
    await producing.catch(() => {});
    throw err;
  }
  await producing;
  if (rest.length > 0) throw new Error("checkpoint ends inside a line");
}
