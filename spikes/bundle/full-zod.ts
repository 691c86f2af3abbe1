/**
 * The baseline of the package sizes: each package as it was before the move to `zod/mini`, when
 * it imported `{ z } from "zod"`.
 *
 * Full zod's `z` cannot stand in for `zod/mini` one for one (mini has `z.extend`, `z.partial`,
 * `z.safeParse(schema, …)` as functions), so the sources cannot simply be pointed at `zod`. This
 * plugin resolves every `zod/mini` import to a shim that re-exports `zod/mini` unchanged AND keeps
 * full zod's `z` namespace reachable (stored on `globalThis`, a side effect esbuild must keep).
 * That is what an `import { z } from "zod"` carried: `z` is a namespace object re-exported as a
 * value, which esbuild cannot tree-shake, so every schema class, check, locale and the JSON-schema
 * code came along whatever the package called. Mini's own schema classes stay too (they are a few
 * KiB over the core both flavours share), so the baseline is full zod plus a little.
 * @module
 */
import type { Plugin } from "esbuild";

const SKIP = "full-zod-shim:skip";
const NAMESPACE = "full-zod-shim";

/** The esbuild plugin that turns `zod/mini` into `zod/mini` + full zod kept live. */
export function fullZodPlugin(): Plugin {
  return {
    name: "full-zod-baseline",
    setup(b) {
      b.onResolve({ filter: /^zod\/(?:v4\/)?mini$|^zod\/v4-mini$/ }, async (args) => {
        if (args.pluginData === SKIP) return undefined;
        const real = await b.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: SKIP,
        });
        if (real.errors.length > 0) return { errors: real.errors };
        return { path: real.path, namespace: NAMESPACE, pluginData: { resolveDir: args.resolveDir } };
      });
      b.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => {
        const resolveDir = (args.pluginData as { resolveDir: string }).resolveDir;
        const contents = [
          `import { z as fullZod } from "zod";`,
          `globalThis[Symbol.for("spike.bundle.fullZod")] = fullZod;`,
          `export * from ${JSON.stringify(args.path)};`,
        ].join("\n");
        return { contents, loader: "js", resolveDir };
      });
    },
  };
}
