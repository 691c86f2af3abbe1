/**
 * How each workspace module in a bundle imports zod, read from its source. Two forms keep all of
 * zod in a bundle whatever the code calls: full `zod` in any form (its schema classes reach every
 * check and locale), and `import { z } from "zod/mini"`, because `z` there is a namespace object
 * re-exported as a value (`export { z }` in zod/mini/index.js), which esbuild cannot tree-shake:
 * every mini schema, `toJSONSchema` and all 40-odd locales come along. `import * as z from
 * "zod/mini"` (or named imports) keeps only what is called.
 * @module
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import type { Metafile } from "esbuild";

/** The zod imports of the workspace modules of one bundle. */
export interface ZodImports {
  /** Modules importing full zod (`"zod"`, `"zod/v4"`). */
  full: string[];
  /** Modules importing `{ z }` (the whole namespace) from zod/mini. */
  miniNamespace: string[];
  /** Modules importing zod/mini tree-shakably (`* as z`, or named functions). */
  miniShakable: string[];
}

const IMPORT = /import\s+(type\s+)?([^;]*?)\s+from\s+["'](zod(?:\/v4)?(?:\/mini|-mini)?)["']/g;

/** The zod import forms of one module's source. */
function formsOf(source: string): { full: boolean; miniNamespace: boolean; miniShakable: boolean } {
  const out = { full: false, miniNamespace: false, miniShakable: false };
  for (const m of source.matchAll(IMPORT)) {
    if (m[1]) continue; // import type: erased
    const clause = m[2] ?? "";
    const mini = (m[3] ?? "").includes("mini");
    const valueNames = /\{([^}]*)\}/
      .exec(clause)?.[1]
      ?.split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "" && !s.startsWith("type "));
    if (!mini) {
      if (clause.startsWith("*") || !valueNames || valueNames.length > 0) out.full = true;
    } else if (valueNames?.some((n) => /^z(?:\s+as\s+\w+)?$/.test(n))) out.miniNamespace = true;
    else if (clause.startsWith("*") || (valueNames && valueNames.length > 0)) out.miniShakable = true;
  }
  return out;
}

/**
 * The zod imports of every workspace module (packages/, apps/) in a bundle.
 * @param meta the bundle's metafile
 * @param root the repo root (metafile paths are relative to it)
 */
export function zodImports(meta: Metafile, root: string): ZodImports {
  const out: ZodImports = { full: [], miniNamespace: [], miniShakable: [] };
  for (const input of Object.keys(meta.inputs)) {
    if (input.includes("node_modules/") || input.includes(":")) continue;
    if (!/(?:^|\/)(?:packages|apps)\//.test(input)) continue;
    const file = isAbsolute(input) ? input : join(root, input);
    const forms = formsOf(readFileSync(file, "utf8"));
    const name = relative(root, file);
    if (forms.full) out.full.push(name);
    if (forms.miniNamespace) out.miniNamespace.push(name);
    if (forms.miniShakable) out.miniShakable.push(name);
  }
  return out;
}
