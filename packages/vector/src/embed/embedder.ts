/**
 * Embedders turn texts into vectors for the text routes (`upsert-text`, `search`) and for
 * calibration. Texts are checked here once for every embedder.
 * @module
 */
import { vectorError } from "../errors.ts";
import { VECTOR_LIMITS as L } from "../limits.ts";
import { utf8Length } from "../utf8.ts";

/** Something that embeds texts. */
export interface Embedder {
  /** The model name an index's `embedder` must equal for the text routes. */
  readonly model: string;
  readonly dimensions: number;
  embed(texts: string[]): Promise<Float32Array[]>;
}

/**
 * Checks texts: non-empty, ≤ 8 KiB each, ≤ 100 per call.
 * @throws {INVALID_TEXT} 400 · {TEXT_TOO_LONG} 413 · {BATCH_TOO_LARGE} 413 · {EMPTY_BATCH} 400
 */
export function checkTexts(texts: unknown, where = "texts"): string[] {
  if (!Array.isArray(texts)) throw vectorError("INVALID_INPUT", `${where} must be an array`);
  if (texts.length === 0) throw vectorError("EMPTY_BATCH", `${where} must not be empty`);
  if (texts.length > L.maxTextsPerCall) {
    throw vectorError("BATCH_TOO_LARGE", `at most ${L.maxTextsPerCall} texts per call, got ${texts.length}`);
  }
  texts.forEach((t, i) => {
    checkText(t, `${where}[${i}]`);
  });
  return texts as string[];
}

/**
 * Checks one text.
 * @throws {INVALID_TEXT} 400 · {TEXT_TOO_LONG} 413
 */
export function checkText(text: unknown, where = "text"): string {
  if (typeof text !== "string" || text.trim().length === 0) {
    throw vectorError("INVALID_TEXT", `${where} must be a non-empty string`);
  }
  const bytes = utf8Length(text);
  if (bytes > L.maxTextBytes)
    throw vectorError("TEXT_TOO_LONG", `${where} is ${bytes} bytes; at most ${L.maxTextBytes}`);
  return text;
}
