/** Embedders and threshold calibration. */
import { isPlatformError } from "@durable/core";
import { describe, expect, it } from "vitest";
import { type AiLike, calibrateThreshold, LexicalHashEmbedder, seededRandom, WorkersAiEmbedder } from "../src/index.ts";
import { codeOf } from "./helpers.ts";

/** A Workers AI stand-in enforcing the model's shape: ≤ 100 texts, 768 numbers each. */
class FakeAi implements AiLike {
  calls: number[] = [];
  fail: Error | null = null;
  hang = false;
  async run(model: string, input: { text: string[] }) {
    if (this.fail) throw this.fail;
    if (this.hang) return new Promise(() => {});
    if (model !== "@cf/baai/bge-base-en-v1.5") throw new Error("unknown model");
    if (input.text.length > 100) throw new Error("AiError: too many inputs");
    this.calls.push(input.text.length);
    const lex = new LexicalHashEmbedder(768);
    return { shape: [input.text.length, 768], data: input.text.map((t) => Array.from(lex.embedOne(t))) };
  }
}

describe("LexicalHashEmbedder", () => {
  it("is deterministic, L2-normalized, case-insensitive, and uses bigrams", async () => {
    const e = new LexicalHashEmbedder();
    expect(e.model).toBe("lexical-hash-dev");
    const [a, b, c, d] = await e.embed(["The quick fox", "the QUICK fox", "fox quick the", "quick"]);
    expect(Array.from(a as Float32Array)).toEqual(Array.from(b as Float32Array));
    let sq = 0;
    for (const x of a as Float32Array) sq += x * x;
    expect(sq).toBeCloseTo(1, 6);
    expect(Array.from(a as Float32Array)).not.toEqual(Array.from(c as Float32Array));
    expect((d as Float32Array).filter((x) => x !== 0)).toHaveLength(1);
    expect(new LexicalHashEmbedder(16).dimensions).toBe(16);
    expect(await codeOf(() => e.embed(["!!!"]))).toBe("INVALID_TEXT");
  });
});

describe("WorkersAiEmbedder", () => {
  it("splits lists over 100 texts into calls of 100", async () => {
    const ai = new FakeAi();
    const out = await new WorkersAiEmbedder(ai).embed(Array.from({ length: 250 }, (_, i) => `text ${i}`));
    expect(ai.calls).toEqual([100, 100, 50]);
    expect(out).toHaveLength(250);
    expect(out[0]).toBeInstanceOf(Float32Array);
    expect(out[0]?.length).toBe(768);
  });

  it("an AI error, a malformed reply or 10 s without an answer is 503 EMBEDDER_UNAVAILABLE", async () => {
    const ai = new FakeAi();
    ai.fail = new Error("InferenceUpstreamError: 5xx");
    let err: unknown;
    try {
      await new WorkersAiEmbedder(ai).embed(["x"]);
    } catch (e) {
      err = e;
    }
    expect(isPlatformError(err, "EMBEDDER_UNAVAILABLE") && err.status).toBe(503);
    const slow = new FakeAi();
    slow.hang = true;
    expect(await codeOf(() => new WorkersAiEmbedder(slow, { timeoutMs: 20 }).embed(["x"]))).toBe(
      "EMBEDDER_UNAVAILABLE",
    );
    const bad: AiLike = { run: async () => ({ data: [[1, 2]] }) };
    expect(await codeOf(() => new WorkersAiEmbedder(bad).embed(["x"]))).toBe("EMBEDDER_UNAVAILABLE");
  });
});

describe("calibrateThreshold", () => {
  it("finds a planted threshold in scored pairs (ties go higher)", async () => {
    const r = seededRandom(1);
    const pairs = Array.from({ length: 400 }, () => {
      const score = 0.5 + r() * 0.5;
      return { score, similar: score >= 0.84 };
    });
    const c = await calibrateThreshold(pairs);
    expect(c.steps).toHaveLength(51);
    expect(c.steps[0]?.threshold).toBe(0.5);
    expect(c.steps[50]?.threshold).toBe(1);
    expect(c.best.threshold).toBe(0.84);
    expect(c.best.precision).toBe(1);
    expect(c.best.f1).toBe(1);
    // Perfectly separated at 0.7–0.8: every threshold there has F1 = 1; the highest wins.
    const gap = await calibrateThreshold([
      { score: 0.95, similar: true },
      { score: 0.81, similar: true },
      { score: 0.7, similar: false },
    ]);
    expect(gap.best).toMatchObject({ threshold: 0.81, f1: 1 });
  });

  it("embeds text pairs with the embedder; needs one similar and one dissimilar pair", async () => {
    const c = await calibrateThreshold(
      [
        { a: "red apple pie", b: "red apple pie recipe", similar: true },
        { a: "tax law", b: "apple pie", similar: false },
      ],
      { embedder: new LexicalHashEmbedder() },
    );
    expect(c.model).toBe("lexical-hash-dev");
    expect(c.best.f1).toBe(1);
    expect(await codeOf(() => calibrateThreshold([{ score: 0.9, similar: true }]))).toBe("INVALID_PAIRS");
    expect(await codeOf(() => calibrateThreshold([]))).toBe("INVALID_PAIRS");
    expect(
      await codeOf(() =>
        calibrateThreshold([
          { a: "x", b: "y", similar: true },
          { score: 1, similar: false },
        ]),
      ),
    ).toBe("INVALID_PAIRS");
    const many = Array.from({ length: 1001 }, (_, i) => ({ score: 0.6, similar: i % 2 === 0 }));
    expect(await codeOf(() => calibrateThreshold(many))).toBe("BATCH_TOO_LARGE");
  });
});
