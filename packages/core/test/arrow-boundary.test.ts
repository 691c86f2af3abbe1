/**
 * Apache Arrow stays out of every bundle that does not ask for it: core's main entry (which
 * every package imports) bundles without a byte of apache-arrow, and a host that loads
 * `@durable/core/arrow` through `import()` gets it wrapped in a lazy initialiser (esbuild, as
 * wrangler bundles a Worker), so its module code runs only on the first Arrow answer.
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));

async function bundle(contents: string) {
  const out = await build({
    stdin: { contents, resolveDir: root, loader: "ts" },
    bundle: true,
    write: false,
    metafile: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["@durable/source", "workerd", "worker", "browser"],
    logLevel: "silent",
  });
  return {
    inputs: Object.keys(out.metafile.inputs),
    text: out.outputFiles[0]?.text ?? "",
  };
}

describe("the Arrow boundary", () => {
  it("core's main entry bundles without apache-arrow", async () => {
    const { inputs } = await bundle(
      'import { tabular, negotiateFormat } from "@durable/core"; console.log(tabular, negotiateFormat);',
    );
    expect(inputs.some((p) => p.includes("packages/core/src/tabular.ts"))).toBe(true);
    expect(inputs.filter((p) => p.includes("apache-arrow") || p.includes("core/src/arrow/"))).toEqual([]);
  });

  it("a dynamic import of @durable/core/arrow is initialised only when called", async () => {
    const { inputs, text } = await bundle(
      'export async function answer(r) { const { arrowResponse } = await import("@durable/core/arrow"); return arrowResponse(r); }',
    );
    expect(inputs.some((p) => p.includes("apache-arrow"))).toBe(true);
    // The call site runs the lazy initialiser; nothing at the top level does.
    expect(text).toMatch(/await Promise\.resolve\(\)\.then\(\(\) => \(init_arrow\(\), arrow_exports\)\)/);
    const topLevelInits = text.split("\n").filter((line) => /^init_\w+\(\);$/.test(line));
    expect(topLevelInits).toEqual([]);
  });
});
