/**
 * `LexicalHashEmbedder` (`lexical-hash-dev`): for development and tests only. Lower-cased word
 * unigrams and bigrams are hashed (32-bit FNV-1a) into signed buckets and the vector is
 * L2-normalized. Deterministic and offline, but not semantic: "car" and "automobile" share
 * nothing. Thresholds calibrated for a real model do not apply to it.
 * @module
 */
import { fnv1a32 } from "@durable/core";
import { vectorError } from "../errors.ts";
import type { Embedder } from "./embedder.ts";

/** The lexical embedder's model name. */
export const LEXICAL_MODEL = "lexical-hash-dev";

const WORD = /[\p{L}\p{N}]+/gu;

/** A deterministic bag-of-words embedder. */
export class LexicalHashEmbedder implements Embedder {
  readonly model = LEXICAL_MODEL;
  readonly dimensions: number;

  constructor(dimensions = 768) {
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 1536) {
      throw vectorError("INVALID_DIMENSIONS", "dimensions must be an integer from 1 to 1536");
    }
    this.dimensions = dimensions;
  }

  /** One text's vector (synchronous). */
  embedOne(text: string): Float32Array {
    const words = text.toLowerCase().match(WORD) ?? [];
    if (words.length === 0) throw vectorError("INVALID_TEXT", "text has no words to embed");
    const acc = new Float64Array(this.dimensions);
    const add = (token: string) => {
      const h = fnv1a32(token);
      const bucket = (h & 0x7fffffff) % this.dimensions;
      acc[bucket] = (acc[bucket] as number) + (h & 0x80000000 ? -1 : 1);
    };
    for (let i = 0; i < words.length; i++) {
      add(words[i] as string);
      if (i + 1 < words.length) add(`${words[i]} ${words[i + 1]}`);
    }
    let sq = 0;
    for (const v of acc) sq += v * v;
    const out = new Float32Array(this.dimensions);
    if (sq === 0) {
      // Every token cancelled out: fall back to the first word's bucket, still deterministic.
      out[(fnv1a32(words[0] as string) & 0x7fffffff) % this.dimensions] = 1;
      return out;
    }
    const inv = 1 / Math.sqrt(sq);
    for (let i = 0; i < acc.length; i++) out[i] = (acc[i] as number) * inv;
    return out;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.embedOne(t));
  }
}
