import { describe, expect, it } from "vitest";
import * as full from "zod";
import { z } from "zod/mini";
import { describeZodError, parseOrThrow, safeParse } from "../src/index.ts";

/** The same shape in both flavours of zod 4. */
const miniSchema = z.object({
  name: z.string().check(z.minLength(1, "name must not be empty")),
  rows: z.array(z.object({ price: z.number(), tag: z.optional(z.enum(["a", "b"])) })),
});
const fullSchema = full.object({
  name: full.string().min(1, "name must not be empty"),
  rows: full.array(full.object({ price: full.number(), tag: full.enum(["a", "b"]).optional() })),
});

const badInputs: unknown[] = [
  { name: "", rows: [] },
  { name: "x", rows: [{ price: "1" }] },
  { name: "x", rows: [{ price: 1, tag: "c" }] },
  { name: 3, rows: "nope" },
  null,
  { name: "x", rows: [{ price: 1 }, { price: Number.NaN }] },
];

describe("validation with zod/mini", () => {
  it("says what full zod says, for every failure, in English", () => {
    for (const input of badInputs) {
      const a = safeParse(miniSchema, input);
      const b = fullSchema.safeParse(input);
      expect(a.success).toBe(false);
      expect(b.success).toBe(false);
      if (a.success || b.success) continue;
      expect(describeZodError(a.error)).toBe(describeZodError(b.error));
      expect(describeZodError(a.error)).not.toMatch(/^[^:]*: Invalid input$/);
    }
    const price = safeParse(miniSchema, { name: "x", rows: [{ price: "1" }] });
    expect(price.success || describeZodError(price.error)).toBe(
      "rows[0].price: Invalid input: expected number, received string",
    );
  });

  it("parseOrThrow accepts either flavour and names the path", () => {
    for (const schema of [miniSchema, fullSchema]) {
      expect(() => parseOrThrow(schema, { name: "x", rows: [{ price: 1 }, { price: "x" }] }, "INVALID_ROW")).toThrow(
        "[INVALID_ROW] rows[1].price: Invalid input: expected number, received string",
      );
      expect(parseOrThrow(schema, { name: "x", rows: [] })).toEqual({ name: "x", rows: [] });
    }
  });

  it("parses a valid value once, and a failing one again for its English messages", () => {
    let calls = 0;
    const counted = z.number().check(
      z.refine((n) => {
        calls++;
        return n > 0;
      }, "must be positive"),
    );
    expect(safeParse(counted, 1)).toEqual({ success: true, data: 1 });
    expect(calls).toBe(1);
    const bad = safeParse(counted, -1);
    expect(bad.success || describeZodError(bad.error)).toBe("(root): must be positive");
    expect(calls).toBe(3);
  });

  it("leaves the host's zod configuration alone", () => {
    z.config({ customError: () => "host message" });
    try {
      expect(() => parseOrThrow(miniSchema, { name: "x", rows: [{ price: "1" }] })).toThrow(
        "rows[0].price: Invalid input: expected number, received string",
      );
      const bare = z.safeParse(z.number(), "1");
      expect(bare.success || bare.error.issues[0]?.message).toBe("host message");
    } finally {
      z.config({ customError: undefined });
    }
  });
});
