/**
 * `WorkersAiEmbedder`: `@cf/baai/bge-base-en-v1.5` (768 dimensions) through an `AiLike` port
 * (the Workers AI binding, or a fake in tests). Lists over 100 texts are split into calls of
 * 100; the model reads the first 512 tokens of each text. An error, a malformed reply or no
 * answer within 10 s is 503 `EMBEDDER_UNAVAILABLE`.
 * @module
 */
import { PlatformError } from "@durable/core";
import { vectorError } from "../errors.ts";
import { VECTOR_LIMITS as L } from "../limits.ts";
import type { Embedder } from "./embedder.ts";

/** The model the platform uses. */
export const BGE_BASE = "@cf/baai/bge-base-en-v1.5";

/** The Workers AI binding as the embedder calls it. */
export interface AiLike {
  run(model: string, input: { text: string[] }): Promise<unknown>;
}

/** Options of {@link WorkersAiEmbedder}. */
export interface WorkersAiEmbedderOptions {
  model?: string;
  dimensions?: number;
  timeoutMs?: number;
}

/** Embeds through Workers AI. */
export class WorkersAiEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number;
  readonly #ai: AiLike;
  readonly #timeoutMs: number;

  constructor(ai: AiLike, o: WorkersAiEmbedderOptions = {}) {
    this.#ai = ai;
    this.model = o.model ?? BGE_BASE;
    this.dimensions = o.dimensions ?? 768;
    this.#timeoutMs = o.timeoutMs ?? 10_000;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += L.maxTextsPerCall) {
      out.push(...(await this.#call(texts.slice(i, i + L.maxTextsPerCall))));
    }
    return out;
  }

  async #call(texts: string[]): Promise<Float32Array[]> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(vectorError("EMBEDDER_UNAVAILABLE", `Workers AI did not answer in ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
    });
    let reply: unknown;
    try {
      reply = await Promise.race([this.#ai.run(this.model, { text: texts }), timeout]);
    } catch (err) {
      if (err instanceof PlatformError) throw err;
      throw vectorError(
        "EMBEDDER_UNAVAILABLE",
        `Workers AI failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    } finally {
      clearTimeout(timer);
    }
    const data = (reply as { data?: unknown })?.data;
    if (!Array.isArray(data) || data.length !== texts.length) {
      throw vectorError(
        "EMBEDDER_UNAVAILABLE",
        `Workers AI returned ${Array.isArray(data) ? data.length : "no"} vectors for ${texts.length} texts`,
      );
    }
    return data.map((row: unknown) => {
      if (
        !Array.isArray(row) ||
        row.length !== this.dimensions ||
        !row.every((x) => typeof x === "number" && Number.isFinite(x))
      ) {
        throw vectorError(
          "EMBEDDER_UNAVAILABLE",
          `Workers AI returned a vector that is not ${this.dimensions} finite numbers`,
        );
      }
      return Float32Array.from(row as number[]);
    });
  }
}
