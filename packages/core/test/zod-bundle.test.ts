/**
 * Proves that core's Worker entry carries `zod/mini` and only zod's English locale, not full zod
 * and not every locale. `import { z } from "zod/mini"` (the namespace object) makes esbuild keep
 * all of zod's exports, the 40-odd locales included (~107 KiB gzip against ~9 KiB); sources must
 * write `import * as z from "zod/mini"`, whose property reads esbuild can tree-shake.
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

describe("core's bundle", () => {
  it("holds zod/mini with the English locale only", async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL("../src/index.ts", import.meta.url))],
      bundle: true,
      write: false,
      metafile: true,
      format: "esm",
      platform: "neutral",
      conditions: ["@durable/source", "workerd", "worker", "browser"],
      mainFields: ["browser", "module", "main"],
      external: ["cloudflare:*", "node:*"],
      logLevel: "silent",
    });
    const [output] = Object.values(result.metafile.outputs);
    // Inputs esbuild read but tree-shook away have 0 bytes in the output.
    const zod = Object.entries(output?.inputs ?? {})
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path.match(/node_modules\/zod\/(.*)$/)?.[1])
      .filter((path) => path !== undefined);
    expect(zod.filter((path) => path.startsWith("v4/locales/"))).toEqual(["v4/locales/en.js"]);
    expect(zod.filter((path) => path.startsWith("v4/classic/"))).toEqual([]);
    expect(zod.some((path) => path.startsWith("v4/mini/"))).toBe(true);
  });
});
